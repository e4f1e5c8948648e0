"""Crash safety: a run killed with SIGKILL at any point leaves valid feeds and a sound store.

The store commits one transaction per source before that source's files are written;
files are written to a temporary file and moved into place. So after a kill:

- every feed file is either the old one or the new one, never partial, and parses;
- ``PRAGMA integrity_check`` is ok;
- the next run completes and every feed file is what the store renders, even when the
  page now answers 304 (the killed run had already stored the page's validators).

Kill points are both exact (a driver script wraps the CLI and kills itself right after a
store commit, in the middle of writing a temporary file, or just before ``os.replace``)
and random (``publisher run`` killed after a random delay).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from publisher.config import load_config
from publisher.fetch import make_session
from publisher.model import Config
from publisher.pipeline import feed_paths, run_once
from publisher.stages import StageTimes
from publisher.store import Store

from .support import NOW
from .support.config import SELECT as CONFIG_SELECT
from .support.config import write_config
from .support.records import render_feeds
from .support.server import Files, LocalServer, serving

pytestmark = pytest.mark.slow

SOURCES = 30
ENTRIES = 40
SELECT = {**CONFIG_SELECT, "item": "article"}

# Runs the real CLI in a child process, killing itself with SIGKILL at an exact point:
#   after-commit N   right after the N-th store commit (store new, files old)
#   mid-write N      half-way through writing the N-th temporary feed file
#   before-replace N with the N-th temporary file complete, before it is moved into place
DRIVER = """\
import os, signal, sys
from publisher import store, write
from publisher.cli import main

mode, target = sys.argv[1], int(sys.argv[2])
count = 0

def tick():
    global count
    count += 1
    return count == target

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if mode == "after-commit":
    commit = store.Store.commit_success
    def commit_success(self, *args, **kwargs):
        commit(self, *args, **kwargs)
        if tick():
            die()
    store.Store.commit_success = commit_success
elif mode == "mid-write":
    fdopen = os.fdopen
    class Half:
        def __init__(self, handle):
            self.handle = handle
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return self.handle.__exit__(*exc)
        def write(self, data):
            if tick():
                self.handle.write(data[: len(data) // 2])
                self.handle.flush()
                die()
            return self.handle.write(data)
        def __getattr__(self, name):
            return getattr(self.handle, name)
    write.os.fdopen = lambda fd, *args, **kwargs: Half(fdopen(fd, *args, **kwargs))
elif mode == "before-replace":
    replace = os.replace
    def guarded(src, dst, *args, **kwargs):
        if tick():
            die()
        return replace(src, dst, *args, **kwargs)
    write.os.replace = guarded
sys.exit(main(["run", "-q", "-c", sys.argv[3]]))
"""


def page(source: int, version: int) -> str:
    """Version ``version`` of a source's page: each version adds three entries on top."""
    newest = ENTRIES + 3 * version
    items = []
    for n in range(newest, newest - ENTRIES, -1):
        day = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=n)
        items.append(
            f"""<article><time datetime="{day:%Y-%m-%d}"></time>
            <h3><a href="https://example.org/s{source}/news/{n}/?utm_source=home">
            Source {source}, entry {n}</a></h3>
            <p class="summary">Entry {n} of source {source}. {"Lorem ipsum. " * 40}</p>
            </article>"""
        )
    return "<html><body>" + "".join(items) + "</body></html>"


def write_project(root: Path, *, http_base: str | None = None) -> Path:
    """``SOURCES`` file sources (or one HTTP source at ``http_base``) and their config."""
    (root / "pages").mkdir(exist_ok=True)
    if http_base:
        sources = [{"id": "http-newsroom", "url": f"{http_base}/page.html",
                    "home": "https://example.org/newsroom/", "retries": 0, "min_delay": 0,
                    "select": SELECT}]  # fmt: skip
    else:
        sources = [
            {"id": f"source-{n:02d}", "url": f"pages/s{n}.html",
             "home": f"https://example.org/s{n}/", "select": SELECT}
            for n in range(SOURCES)
        ]  # fmt: skip
    return write_config(root, sources, site={"output": "feeds", "state": "state/state.db"})


def write_pages(root: Path, version: int) -> None:
    for number in range(SOURCES):
        (root / "pages" / f"s{number}.html").write_text(page(number, version), encoding="utf-8")


def feed_files(root: Path) -> dict[str, bytes]:
    folder = root / "feeds"
    if not folder.exists():
        return {}
    return {
        path.name: path.read_bytes()
        for path in sorted(folder.iterdir())
        if path.suffix in (".atom", ".rss")
    }


def integrity(config: Config) -> str:
    db = sqlite3.connect(config.site.state)
    try:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        db.close()


def assert_files_match_store(config: Config) -> None:
    """Every feed file is exactly what the store renders now."""
    with Store(config.site.state) as store:
        for source in config.sources:
            entries = store.feed_entries(source.id, limit=source.max_entries)
            assert entries, source.id
            newest = store.source_states([source.id])[source.id].newest
            assert newest is not None
            files = render_feeds(source, config.site, entries, fallback_updated=newest)
            atom, rss, _ = feed_paths(config.site.output, source, config.site.outputs)
            assert atom.read_bytes() == files.atom, source.id
            assert rss.read_bytes() == files.rss, source.id


def assert_parseable(files: dict[str, bytes]) -> None:
    for name, data in files.items():
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, (name, parsed.get("bozo_exception"))
        assert parsed.entries, name


def publisher_run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", "run", "-q", "-c", str(config), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def run_driver(root: Path, config: Path, mode: str, target: int) -> int:
    driver = root / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(driver), mode, str(target), str(config)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return result.returncode


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Config]:
    config_path = write_project(tmp_path)
    write_pages(tmp_path, 0)
    assert publisher_run(config_path).returncode == 0
    return config_path, load_config(config_path)


@pytest.mark.parametrize(
    ("mode", "target"),
    [
        ("after-commit", 1),
        ("after-commit", 17),
        ("mid-write", 1),
        ("mid-write", 24),
        ("before-replace", 2),
        ("before-replace", 41),
    ],
)
def test_killed_at_an_exact_point(
    tmp_path: Path, project: tuple[Path, Config], mode: str, target: int
) -> None:
    config_path, config = project
    old = feed_files(tmp_path)
    assert len(old) == 2 * SOURCES
    write_pages(tmp_path, 1)
    assert run_driver(tmp_path, config_path, mode, target) == -signal.SIGKILL

    after_kill = feed_files(tmp_path)
    assert set(after_kill) == set(old)
    assert_parseable(after_kill)
    assert integrity(config) == "ok"
    left = sorted(path.name for path in config.site.output.glob(".*.tmp"))
    if mode in ("mid-write", "before-replace"):
        assert left, "the kill left no temporary file: the test did not kill mid-write"

    result = publisher_run(config_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not list(config.site.output.glob(".*.tmp")), "temporary files were not cleaned up"
    new = feed_files(tmp_path)
    assert_files_match_store(config)
    for name, data in after_kill.items():
        assert data in (old[name], new[name]), f"{name} is neither the old nor the new file"
    assert all(new[name] != old[name] for name in new)  # every source got its new entries
    if (mode, target) == ("after-commit", 1):
        assert after_kill == old  # the first source was stored, no file written yet


def test_killed_at_random_moments(tmp_path: Path, project: tuple[Path, Config]) -> None:
    config_path, config = project
    start = time.monotonic()
    assert publisher_run(config_path).returncode == 0
    full_run = time.monotonic() - start  # an unchanged run: a floor for the kill delay
    rng = random.Random(4)
    kills = 0
    for version in range(1, 7):
        old = feed_files(tmp_path)
        write_pages(tmp_path, version)
        process = subprocess.Popen(
            [sys.executable, "-m", "publisher", "run", "-q", "-c", str(config_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(rng.uniform(0.2, max(0.4, 1.5 * full_run)))
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                kills += 1
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=60)
        after_kill = feed_files(tmp_path)
        assert_parseable(after_kill)
        assert integrity(config) == "ok"
        result = publisher_run(config_path)
        assert result.returncode == 0, result.stdout + result.stderr
        new = feed_files(tmp_path)
        assert_files_match_store(config)
        for name, data in after_kill.items():
            assert data in (old[name], new[name]), f"{name} is neither old nor new"
    assert kills >= 1, "no run was killed: the delays are too long for this machine"


# -- the repair when the page answers 304 ----------------------------------------------------


def test_a_kill_after_the_commit_is_repaired_when_the_page_answers_304(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    with serving(LocalServer(routes={"/page.html": Files(site / "page.html")})) as server:
        config_path = write_project(tmp_path, http_base=server.base)
        config = load_config(config_path)
        (site / "page.html").write_text(page(0, 0), encoding="utf-8")
        assert publisher_run(config_path).returncode == 0
        old = feed_files(tmp_path)
        (site / "page.html").write_text(page(0, 1), encoding="utf-8")
        assert run_driver(tmp_path, config_path, "after-commit", 1) == -signal.SIGKILL
        assert feed_files(tmp_path) == old  # the store moved on, the files did not
        server.take_seen(robots=False)

        with Store(config.site.state) as store, make_session() as session:
            report = run_once(
                config.sources, site=config.site, session=session, store=store, now=NOW
            ).sources[0]
        assert [hit.status for hit in server.take_seen(robots=False)] == [304]
        assert report.ok
        assert report.not_modified
        assert len(report.files_written) == len(config.site.outputs)
        assert_files_match_store(config)
        assert "entry 43" in feed_files(tmp_path)["http-newsroom.rss"].decode()

        # and once repaired, a 304 run writes nothing, nor even renders
        mtimes = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "feeds").iterdir()}
        timings = StageTimes()
        with Store(config.site.state) as store, make_session() as session:
            again = run_once(
                config.sources, site=config.site, session=session, store=store, now=NOW,
                timings=timings,
            ).sources[0]  # fmt: skip
        assert again.not_modified
        assert again.files_written == ()
        assert timings.calls["render"] == 0
        assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "feeds").iterdir()} == mtimes


def test_an_older_feed_file_is_repaired_on_304(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    with serving(LocalServer(routes={"/page.html": Files(site / "page.html")})) as server:
        config_path = write_project(tmp_path, http_base=server.base)
        config = load_config(config_path)
        (site / "page.html").write_text(page(0, 0), encoding="utf-8")
        assert publisher_run(config_path).returncode == 0
        stale = feed_files(tmp_path)
        (site / "page.html").write_text(page(0, 1), encoding="utf-8")
        assert publisher_run(config_path).returncode == 0
        fresh = feed_files(tmp_path)
        # an older file put back (a backup restored, a half-finished deploy)
        (tmp_path / "feeds" / "http-newsroom.atom").write_bytes(stale["http-newsroom.atom"])
        server.take_seen(robots=False)
        assert publisher_run(config_path).returncode == 0
        assert [hit.status for hit in server.take_seen(robots=False)] == [304]
        assert feed_files(tmp_path) == fresh
        # and a missing one
        (tmp_path / "feeds" / "http-newsroom.rss").unlink()
        assert publisher_run(config_path).returncode == 0
        assert feed_files(tmp_path) == fresh
        assert_files_match_store(config)


def test_a_blind_304_never_empties_a_feed(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    with serving(LocalServer(routes={"/page.html": Files(site / "page.html")})) as server:
        config_path = write_project(tmp_path, http_base=server.base)
        (site / "page.html").write_text(page(0, 0), encoding="utf-8")
        assert publisher_run(config_path).returncode == 0
        before = feed_files(tmp_path)
        for name in ("state.db", "state.db-wal", "state.db-shm"):  # the store is lost
            (tmp_path / "state" / name).unlink(missing_ok=True)
        server.blind_304 = True
        assert publisher_run(config_path).returncode == 0
        assert [hit.status for hit in server.take_seen(robots=False)][-1] == 304
        assert feed_files(tmp_path) == before
