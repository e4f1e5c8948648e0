"""Issue 15, the programs people use: rss2email over a daily digest (one mail a day),
and headless Chromium opening index.html and a feed's page (text and screenshots)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from publisher.cli import main
from publisher.config import load_config
from publisher.fetch import make_session
from publisher.pipeline import run_once
from publisher.site import write_site
from publisher.store import Store

from .support import NOW
from .support.clients import Rss2Email
from .support.server import Files, LocalServer, serving

pytestmark = pytest.mark.slow


def _page(days: int) -> str:
    items = "".join(
        f'<li><a href="https://example.org/n/{n}">Notice number {n}</a>'
        f'<time datetime="{(NOW + timedelta(days=n)).date()}">x</time></li>'
        for n in range(days, -1, -1)
    )
    return f"<html><body><ul>{items}</ul></body></html>"


def test_rss2email_sends_one_mail_per_day_of_a_daily_digest(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    feeds = tmp_path / "feeds"
    with serving(LocalServer(routes={"/feeds/": Files(feeds)})) as server:
        (tmp_path / "sources.yaml").write_text(
            f"site:\n  base_url: {server.url('/feeds/')}\n  output: feeds\n  state: s.db\n"
            "sources:\n  - id: notices\n    url: page.html\n    home: https://example.org/\n"
            "    digest: daily\n    select: {item: li, title: a, date: 'time::attr(datetime)'}\n",
            encoding="utf-8",
        )
        config = load_config(tmp_path / "sources.yaml")
        feeds.mkdir()
        r2e = Rss2Email(tmp_path, {"digest": server.url("/feeds/notices-daily.rss")})
        mails_per_day = []
        with Store(config.site.state) as store, make_session() as session:
            for day in range(4):
                page.write_text(_page(day), encoding="utf-8")  # one new notice a day
                sent = []
                for hour in (0, 6):  # two runs a day: the second must send nothing
                    now = NOW + timedelta(days=day, hours=hour)
                    run_once(config.sources, site=config.site, session=session, store=store,
                             now=now)  # fmt: skip
                    write_site(config.sources, site=config.site, store=store, now=now)
                    sent.append(r2e.run())
                assert sent[1] == [], (day, sent)
                mails_per_day.append(sent[0])
    assert mails_per_day[0] == []  # the first day is not over yet
    for day, mails in enumerate(mails_per_day[1:], start=1):
        assert len(mails) == 1, (day, mails)
        ((_, _, subject),) = mails
        closed = NOW + timedelta(days=day - 1)
        assert f"{closed.day} {closed:%B %Y}" in subject, subject
        assert "1 new entry" in subject


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("no chromium on this machine (.ci/run installs Debian's package)")
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}",
    ]  # fmt: skip
    return subprocess.run(
        [binary, *flags, *args], capture_output=True, text=True, timeout=120, check=True
    )


def test_a_browser_shows_the_index_and_a_feed_page(project: Path, tmp_path: Path) -> None:
    assert main(["run", "-q", "-c", str(project / "sources.yaml")]) == 0
    feeds = project / "feeds"
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with serving(LocalServer(routes={"/": Files(feeds)})) as server:
        index = _chromium("--dump-dom", server.url("/index.html"), profile=tmp_path / "p1")
        for title in ("Coastal Rights Watch: Newsroom", "Harbour Workers&#39; Union: Bulletins",
                      "State: <strong class=\"ok\">ok</strong>"):  # fmt: skip
            assert title in index.stdout.replace("'", "&#39;"), title
        page = _chromium("--dump-dom", server.url("/example-newsroom.html"),
                         profile=tmp_path / "p2")  # fmt: skip
        assert "Dry Taps: Water access on the salt flats" in page.stdout
        assert "Subscribe by copying this address" in page.stdout
        assert 'rel="alternate" type="application/atom+xml"' in page.stdout
        for name, size in (("desktop", "1280,900"), ("phone", "390,844")):
            for doc in ("index", "example-newsroom"):
                shot = shots / f"{doc}-{name}.png"
                _chromium(f"--screenshot={shot}", f"--window-size={size}",
                          "--hide-scrollbars", server.url(f"/{doc}.html"),
                          profile=tmp_path / f"p-{doc}-{name}")  # fmt: skip
                assert shot.stat().st_size > 5000, shot
