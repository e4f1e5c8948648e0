"""pipeline and CLI end to end on a temporary folder: failures stay local, feeds survive."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest

from publisher.cli import main
from publisher.config import load_config
from publisher.fetch import make_session
from publisher.pipeline import run_once
from publisher.store import Store

from .support import NOW

PAGE = """<html><body>{items}</body></html>"""
ITEM = """<div class="n"><a href="/n/{n}">News number {n}</a><time>2026-0{m}-1{d}</time>
<p class="s">Summary {n}</p></div>"""


def _page(numbers: list[int]) -> str:
    return PAGE.format(items="".join(ITEM.format(n=n, m=1 + n % 9, d=n % 10) for n in numbers))


CONFIG = """\
site:
  base_url: https://feeds.example.org/
sources:
  - id: good
    url: good.html
    home: https://good.example.org/news/
    select: {item: "div.n", title: "a::text", date: "time::text", summary: "p.s"}
  - id: flaky
    url: flaky.html
    home: https://flaky.example.org/news/
    select: {item: "div.n", title: "a::text", date: "time::text", summary: "p.s"}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "sources.yaml").write_text(CONFIG)
    (tmp_path / "good.html").write_text(_page([1, 2, 3]))
    (tmp_path / "flaky.html").write_text(_page(list(range(10, 20))))
    return tmp_path


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        path.name: (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted((folder / "feeds").glob("*.*"))
        if path.name != "index.html"  # it shows each feed's state and last success
    }


def _run(folder: Path, *args: str) -> int:
    return main(["run", "-c", str(folder / "sources.yaml"), *args])


def test_a_failing_source_never_stops_the_others_nor_empties_its_feed(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(folder) == 0
    before = _snapshot(folder)
    assert set(before) == {
        f"{name}.{ext}" for name in ("good", "flaky") for ext in ("atom", "rss", "json", "html")
    } | {"feeds.opml"}

    (folder / "flaky.html").unlink()  # the page is gone
    (folder / "good.html").write_text(_page([0, 1, 2, 3]))  # and the good one has news
    assert _run(folder) == 1
    out = capsys.readouterr().out
    assert "flaky  FAILED" in out and "cannot read" in out
    assert "good   ok      4 found, 1 new" in out
    after = _snapshot(folder)
    assert after["flaky.atom"] == before["flaky.atom"]
    assert after["flaky.rss"] == before["flaky.rss"]
    assert after["good.atom"] != before["good.atom"]
    assert len(feedparser.parse(after["good.rss"][0]).entries) == 4


def test_a_page_that_lost_its_entries_keeps_its_feed(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(folder) == 0
    before = _snapshot(folder)
    capsys.readouterr()
    # a redesign: the items are no longer div.n
    (folder / "flaky.html").write_text("<html><body><h1>Service unavailable</h1></body></html>")
    assert _run(folder) == 1
    out = capsys.readouterr().out
    assert "no entries found: the page layout may have changed" in out
    assert "The last good run had 10 entries" in out
    assert _snapshot(folder) == before
    # no error text ever lands in a feed
    for name, (data, _) in _snapshot(folder).items():
        assert b"Service unavailable" not in data and b"layout" not in data, name
    # fewer than 20% of the usual count (1 of 10) is a broken page too
    (folder / "flaky.html").write_text(_page([10]))
    assert _run(folder, "--only", "flaky") == 1
    assert _snapshot(folder) == before


def test_entries_that_leave_the_page_stay_in_the_feed(folder: Path) -> None:
    config = load_config(folder / "sources.yaml")
    with Store(config.site.state) as store, make_session() as session:
        run_once(config.sources, site=config.site, session=session, store=store, now=NOW)
        (folder / "good.html").write_text(_page([9, 8]))
        report = run_once(
            config.sources[:1],
            site=config.site,
            session=session,
            store=store,
            now=NOW + timedelta(hours=1),
        )
    assert report.ok and report.sources[0].new == 2
    titles = [e.title for e in feedparser.parse(folder / "feeds/good.atom").entries]
    assert sorted(titles) == sorted(f"News number {n}" for n in (1, 2, 3, 8, 9))


def test_max_entries_limits_the_feed_not_the_store(folder: Path) -> None:
    text = CONFIG.replace("  - id: good\n", "  - id: good\n    max_entries: 2\n")
    (folder / "sources.yaml").write_text(text)
    assert _run(folder, "--only", "good") == 0
    parsed = feedparser.parse(folder / "feeds/good.rss")
    assert [e.title for e in parsed.entries] == ["News number 3", "News number 2"]
    with sqlite3.connect(folder / ".publisher/state.db") as db:
        assert db.execute("SELECT COUNT(*) FROM entries WHERE source='good'").fetchone()[0] == 3


def test_undated_entries_keep_their_first_seen_date(folder: Path) -> None:
    (folder / "good.html").write_text(_page([1]).replace("<time>2026-02-11</time>", ""))
    config = load_config(folder / "sources.yaml")
    with Store(config.site.state) as store, make_session() as session:
        for hours in (0, 5):
            run_once(
                config.sources[:1],
                site=config.site,
                session=session,
                store=store,
                now=NOW + timedelta(hours=hours),
            )
    (entry,) = feedparser.parse(folder / "feeds/good.atom").entries
    assert entry.published.startswith("2026-11-26T12:00:00")  # the first run, not the last


def test_configuration_error_exits_2_and_writes_nothing(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "sources.yaml").write_text(CONFIG.replace("home:", "hom:", 1))
    assert _run(folder) == 2
    err = capsys.readouterr().err
    assert "sources.yaml:6: source 'good': unknown key 'hom'; did you mean 'home'?" in err
    assert not (folder / "feeds").exists()
    assert main(["validate", "-c", str(folder / "sources.yaml")]) == 2


def test_only_unknown_id_is_a_configuration_error(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(folder, "--only", "nope") == 2
    assert "no source with id nope; known ids: good, flaky" in capsys.readouterr().err


def test_validate_ok(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-c", str(folder / "sources.yaml")]) == 0
    assert "ok, 2 sources (2 enabled)" in capsys.readouterr().out
