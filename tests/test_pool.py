"""The page pool: worker processes give the same store, files and reports as one process."""

from __future__ import annotations

import os
import signal
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from publisher.config import load_config
from publisher.errors import ExtractError
from publisher.fetch import fetch_page, make_session
from publisher.model import Site
from publisher.pipeline import run_once
from publisher.pool import MIN_PAGES, Job, PagePool, pool_size
from publisher.prepare import Prepared, prepare
from publisher.report import RunReport, SourceReport
from publisher.stages import StageTimes
from publisher.store import Store

from .support import NOW
from .support.config import write_config
from .support.processes import publisher, stop, wait_for
from .support.records import SELECT, newsroom
from .support.server import LocalServer, Reply, serving

pytestmark = pytest.mark.slow  # starts worker processes

SOURCES = MIN_PAGES + 6


def _folder(folder: Path, *, processes: int, grown: bool = False) -> Path:
    """SOURCES local newsroom pages: filtered, broken and empty ones among them."""
    folder.mkdir(exist_ok=True)
    sources = []
    for n in range(SOURCES):
        titles = [f"Story {n}.{k} &amp; more" for k in range(8 + n % 5 + (2 if grown else 0))]
        page = newsroom(*titles).decode()
        if n == 3:
            page = "<html><body><p>maintenance</p></body></html>"  # no items: an error
        (folder / f"p{n}.html").write_text(page, encoding="utf-8")
        source = {"id": f"s{n}", "url": f"p{n}.html", "home": f"https://h{n % 4}.example.org/",
                  "select": SELECT}  # fmt: skip
        if n == 5:
            source["exclude"] = [{"title": "Story 5.1"}]  # read back from the store
        sources.append(source)
    site = {"output": "feeds", "state": "state/state.db", "processes": processes}
    return write_config(folder, sources, site=site, defaults={"min_delay": 0})


def _run(config_path: Path, *, timings: StageTimes | None = None) -> RunReport:
    config = load_config(config_path)
    with Store(config.site.state) as store, make_session() as session:
        return run_once(config.sources, site=config.site, session=session, store=store,
                        now=NOW, timings=timings)  # fmt: skip


def _told(report: SourceReport) -> tuple[object, ...]:
    return (report.source_id, report.ok, report.found, report.new, report.changed,
            report.error_kind, len(report.files_written))  # fmt: skip


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((folder / "feeds").iterdir())}


def _rows(folder: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(folder / "state" / "state.db") as db:
        return db.execute("SELECT * FROM entries ORDER BY source, id").fetchall()


def test_the_pool_gives_the_same_feeds_store_and_reports(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    timings = StageTimes()
    for grown in (False, True):  # a first run, then one where every page grew
        alone = _run(_folder(one, processes=1, grown=grown))
        pooled = _run(_folder(two, processes=2, grown=grown), timings=timings)
        assert [_told(r) for r in alone.sources] == [_told(r) for r in pooled.sources]
        assert [r.source_id for r in pooled.sources] == [f"s{n}" for n in range(SOURCES)]
        assert not pooled.sources[3].ok and "matched nothing" in (pooled.sources[3].error or "")
        assert _files(one) == _files(two) and len(_files(two)) == 3 * (SOURCES - 1)
        assert _rows(one) == _rows(two)
    assert timings.calls["extract"] == 2 * SOURCES  # the workers' stage times count too


def _up(pool: PagePool, index: int, job: Job) -> None:
    """Submit ``job`` once the workers are up (they start in the background)."""
    wait_for(lambda: pool.submit(index, job), 60, "the pool's workers")


def test_workers_prepare_exactly_what_the_run_s_process_prepares(tmp_path: Path) -> None:
    config = load_config(_folder(tmp_path, processes=2))
    with Store(config.site.state) as store, make_session() as session:
        states = store.source_states(source.id for source in config.sources)
        jobs = [
            Job(source=source, state=states[source.id], page=fetch_page(source, session=session),
                site=config.site, now=NOW, timed=True)
            for source in config.sources
        ]  # fmt: skip
        here = []
        for job in jobs:
            try:
                here.append(prepare(job.source, job.state, job.page, store=store,
                                    site=job.site, now=NOW))  # fmt: skip
            except ExtractError as exc:
                here.append(str(exc))  # type: ignore[arg-type]
    pool = PagePool(2, state=config.site.state)
    try:
        _up(pool, 0, jobs[0])
        for index, job in enumerate(jobs[1:], start=1):
            assert pool.submit(index, job)
        there: dict[int, object] = {}
        for _ in range(len(jobs)):  # bounded: one page at least each time
            for index, _job, outcome in pool.done(block=True):
                assert outcome is not None
                result = outcome.result
                there[index] = str(result) if isinstance(result, Exception) else result
            if not pool.pending:
                break
    finally:
        pool.close()
    assert [there[index] for index in range(len(jobs))] == here
    assert isinstance(here[0], Prepared) and here[0].files is not None  # bytes rendered
    assert here[5].files is None  # filters: read back from the store after the commit


def test_small_runs_and_one_core_start_no_pool() -> None:
    site = Site(base_url="https://feeds.example.org/")
    assert pool_size(site, MIN_PAGES - 1) == 0
    assert pool_size(replace(site, processes=1), 1000) == 0
    assert pool_size(replace(site, processes=3), MIN_PAGES) == 3


def test_a_lost_worker_gives_its_pages_back(tmp_path: Path) -> None:
    config = load_config(_folder(tmp_path, processes=2))
    source = config.sources[0]
    with Store(config.site.state) as store, make_session() as session:
        state = store.source_states([source.id])[source.id]
        page = fetch_page(source, session=session)
    job = Job(source=source, state=state, page=page, site=config.site, now=NOW, timed=False)
    pool = PagePool(1, state=config.site.state)
    try:
        _up(pool, 0, job)
        assert pool.done(block=True)[0][2] is not None  # a worker prepared it
        (pid,) = pool._executor._processes  # the only way to its worker
        os.kill(pid, signal.SIGKILL)
        taken = []
        for index in range(100):  # bounded: a broken pool answers at once
            if not pool.submit(index, job):
                break  # the run's process prepares it
            taken.extend(pool.done(block=True))
            if pool.broken:
                break
        assert pool.broken
        assert all(outcome is None for _, _, outcome in taken)  # each given back, unprepared
    finally:
        pool.close()


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_killed_run_leaves_no_worker_behind(tmp_path: Path) -> None:
    slow = LocalServer(routes={"/page": Reply(body=newsroom("One", "Two"))}, latency=0.3)
    with serving(slow) as server:
        sources = [{"id": f"s{n}", "url": server.url(f"/page?{n}"), "select": SELECT}
                   for n in range(SOURCES)]  # fmt: skip
        write_config(tmp_path, sources, site={"processes": 2}, defaults={"min_delay": 0})
        run = publisher("run", "-q", cwd=tmp_path)
        try:
            workers: set[int] = set()

            def started() -> bool:  # the fork server's children: the workers
                workers.update(w for fs in _children(run.pid) for w in _children(fs))
                return len(workers) >= 2

            wait_for(started, 20, "the run's worker processes")
        finally:
            stop(run)  # SIGKILL: nothing of the run gets to clean up
        wait_for(lambda: not any(Path(f"/proc/{w}").exists() for w in workers), 10,
                 "the workers of the killed run to end")  # fmt: skip
