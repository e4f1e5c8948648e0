"""`publisher schedule`: per-host politeness, reloads, and the real service in a subprocess."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from publisher.config import load_config
from publisher.fetch import make_session
from publisher.schedule import Scheduler, make_trigger
from publisher.store import Store
from publisher.triggers import Timing

from .support.config import bulletin_config, text_source
from .support.processes import publisher, stop, wait_for
from .support.records import bulletin_page
from .support.server import Gate, LocalServer, Overlap, Reply, serving


def _source(folder: Path, url: str, min_delay: float):
    return load_config(
        bulletin_config(folder, [text_source("s", url, min_delay=min_delay)])
    ).sources[0]


def test_make_trigger_interval_and_cron():
    interval = make_trigger(Timing(every=90, jitter=0))
    assert interval.interval == timedelta(seconds=90)
    assert interval.jitter is None
    cron = make_trigger(Timing(cron="*/15 * * * 1-5", timezone="Europe/Lisbon", jitter=7))
    assert str(cron.timezone) == "Europe/Lisbon"
    assert cron.jitter == 7
    assert "day_of_week='mon,tue,wed,thu,fri'" in repr(cron)


@pytest.mark.slow
def test_jobs_share_the_fetch_layers_per_host_rule(tmp_path: Path):
    """Two sources on one host fire together: the server never sees them overlap."""
    bulletin = ("News\n\nMarch 7, 2016 \u2022 Report\n\nA title\n\nA summary.\n").encode()
    overlap = Overlap()
    server = LocalServer(
        routes={
            path: Reply(body=bulletin, headers=(("Content-Type", "text/plain"),))
            for path in ("/a.txt", "/b.txt")
        },
        latency=0.2,
        overlap=overlap,
    )
    with serving(server):
        path = bulletin_config(
            tmp_path,
            [
                text_source("a", server.url("/a.txt"), min_delay=0.3),
                text_source("b", server.url("/b.txt"), min_delay=0.3),
            ],
            defaults={"every": "1h", "jitter": 0},
        )
        config = load_config(path)
        with Store(config.site.state) as store, make_session() as session:
            scheduler = Scheduler(config, store=store, session=session, initial_run=True)
            scheduler.start()
            try:
                wait_for(
                    lambda: all((tmp_path / f"feeds/{i}.atom").exists() for i in "ab"),
                    timeout=20,
                    what="both feeds",
                )
            finally:
                assert scheduler.stop(timeout=10)
        pages = sorted(
            (seen for seen in server.seen if seen.path != "/robots.txt"), key=lambda x: x.start
        )
        robots = [seen for seen in server.seen if seen.path == "/robots.txt"]
    assert [seen.path for seen in pages] in (["/a.txt", "/b.txt"], ["/b.txt", "/a.txt"])
    assert overlap.max_per_host[server.port] == 1
    assert len(robots) == 1  # one robots.txt for the host, shared by the jobs
    assert pages[1].start >= pages[0].end + 0.29  # min_delay between the two jobs' requests


def test_reload_keeps_running_list_on_invalid_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    path = bulletin_config(tmp_path, [text_source("a", "bulletin.txt")], defaults={"every": "1h"})
    config = load_config(path)
    with Store(config.site.state) as store, make_session() as session:
        scheduler = Scheduler(config, store=store, session=session, initial_run=False)
        scheduler.start()
        try:
            now = datetime.now(UTC)
            (first,) = scheduler.next_runs().values()
            assert first is not None
            assert first > now + timedelta(minutes=50)
            assert not scheduler.config_changed()

            path.write_text("site: [\n", encoding="utf-8")
            assert scheduler.config_changed()
            with caplog.at_level(logging.ERROR, logger="publisher.schedule"):
                assert not scheduler.reload()
            assert f"{path}:" in caplog.text
            assert "still running the 1 source(s)" in caplog.text
            assert scheduler.source_ids == ("a",)
            assert not scheduler.config_changed()  # reported once, not at every poll

            bulletin_config(
                tmp_path,
                [
                    text_source("a", "bulletin.txt", every="2h"),
                    text_source("b", "bulletin.txt", enabled=False),
                ],
                defaults={"every": "1h"},
            )
            assert scheduler.reload()
            assert scheduler.source_ids == ("a",)  # b is disabled
            assert scheduler.triggers()["a"].interval == timedelta(hours=2)

            bulletin_config(tmp_path, [text_source("b", "bulletin.txt")], defaults={"every": "1h"})
            assert scheduler.reload()
            assert scheduler.source_ids == ("b",)
            assert set(scheduler.next_runs()) == {"b"}
        finally:
            assert scheduler.stop(timeout=10)


@pytest.mark.slow
def test_schedule_service_writes_reloads_and_stops_on_sigterm(tmp_path: Path):
    """The real service: 1 s interval, an invalid edit, a new source, then SIGTERM."""
    config = bulletin_config(
        tmp_path, [text_source("first", "bulletin.txt")], defaults={"every": "1s", "jitter": 0}
    )
    feeds = tmp_path / "feeds"
    log_file = tmp_path / "schedule.log"
    with log_file.open("w") as log:
        process = publisher(
            "schedule",
            "-c",
            str(config),
            "--poll",
            "0.2",
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: (feeds / "first.atom").exists(), 20, "the first feed")
            parsed = feedparser.parse((feeds / "first.atom").read_bytes())
            assert parsed.bozo == 0
            assert len(parsed.entries) == 3

            config.write_text(config.read_text() + "  - id: [broken\n", encoding="utf-8")
            wait_for(lambda: "configuration error" in log_file.read_text(), 20, "the error")
            logged = log_file.read_text()
            assert f"{config}:" in logged
            assert "still running the 1 source(s)" in logged
            runs_before = log_file.read_text().count("first: unchanged")
            wait_for(
                lambda: log_file.read_text().count("first: unchanged") > runs_before + 1,
                20,
                "the running list to keep running",
            )

            bulletin_config(
                tmp_path,
                [text_source("first", "bulletin.txt"), text_source("second", "bulletin.txt")],
                defaults={"every": "1s", "jitter": 0},
            )
            wait_for(lambda: (feeds / "second.rss").exists(), 20, "the new source's feed")
            assert "second: scheduled every 1s" in log_file.read_text()

            process.send_signal(signal.SIGTERM)
            started = time.monotonic()
            assert process.wait(timeout=5) == 0
            assert time.monotonic() - started < 5
        finally:
            stop(process)
    logged = log_file.read_text()
    assert "received SIGTERM: stopping" in logged
    assert "stopped cleanly" in logged
    assert "next run 20" in logged  # each job logs its next run time
    assert "Traceback" not in logged


@pytest.mark.slow
def test_schedule_reloads_on_sighup(tmp_path: Path):
    config = bulletin_config(
        tmp_path, [text_source("first", "bulletin.txt")], defaults={"every": "1h"}
    )
    log_file = tmp_path / "schedule.log"
    with log_file.open("w") as log:
        # --poll 3600: the file is not polled during the test, so only SIGHUP can reload it
        process = publisher(
            "schedule",
            "-c",
            str(config),
            "--poll",
            "3600",
            "--log-format",
            "json",
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: "first: written" in log_file.read_text(), 20, "the first run")
            bulletin_config(
                tmp_path,
                [text_source("first", "bulletin.txt"), text_source("second", "bulletin.txt")],
                defaults={"every": "1h"},
            )
            process.send_signal(signal.SIGHUP)
            wait_for(lambda: (tmp_path / "feeds" / "second.atom").exists(), 20, "second feed")
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=5) == 0
        finally:
            stop(process)
    records = [json.loads(line) for line in log_file.read_text().splitlines()]
    messages = [record["message"] for record in records]
    assert any("received SIGHUP" in message for message in messages)
    assert any("received SIGINT" in message for message in messages)
    jobs = [record for record in records if "outcome" in record]
    assert {(job["source"], job["outcome"]) for job in jobs} == {
        ("first", "written"), ("second", "written"),
    }  # fmt: skip
    assert all(job["next_run"].startswith("20") for job in jobs)
    assert all(job["level"] == "info" for job in jobs)


@pytest.mark.slow
def test_sigterm_lets_the_job_in_flight_finish(tmp_path: Path):
    """SIGTERM while a source is being fetched: it finishes, its feed is written, exit 0."""
    page = Gate(bulletin_page())
    with page.serving() as url:
        config = bulletin_config(
            tmp_path, [text_source("slow", url, respect_robots=False, retries=0)]
        )
        log_file = tmp_path / "schedule.log"
        with log_file.open("w") as log:
            process = publisher(
                "schedule", "-c", str(config), cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                assert page.arrived.wait(timeout=20), "the job never reached the server"
                process.send_signal(signal.SIGTERM)
                time.sleep(0.5)  # the job is still in flight when the server answers
                assert process.poll() is None, "it exited without waiting for the job"
                page.release.set()
                assert process.wait(timeout=5) == 0
            finally:
                stop(process)
    assert (tmp_path / "feeds" / "slow.atom").exists()
    logged = log_file.read_text()
    assert "slow: written: 3 found, 3 new, 0 updated, files written" in logged
    assert logged.index("received SIGTERM") < logged.index("slow: written")
    assert "stopped cleanly" in logged


@pytest.mark.slow
def test_sigterm_wait_is_bounded(tmp_path: Path):
    """A job stuck past --stop-timeout is abandoned: exit 1, promptly, and it says so."""
    page = Gate(bulletin_page())
    with page.serving() as url:
        config = bulletin_config(
            tmp_path, [text_source("stuck", url, respect_robots=False, retries=0)]
        )
        done = None
        process = publisher(
            "schedule",
            "-c",
            str(config),
            "--stop-timeout",
            "0.5",
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            assert page.arrived.wait(timeout=20), "the job never reached the server"
            process.send_signal(signal.SIGTERM)
            started = time.monotonic()
            done, _ = process.communicate(timeout=5)
            assert time.monotonic() - started < 5
            assert process.returncode == 1
        finally:
            stop(process)
    assert done is not None
    assert "1 job(s) still running after 0.5s; stopping without them" in done
    assert not (tmp_path / "feeds" / "stuck.atom").exists()


def test_a_restart_runs_at_once_only_the_sources_that_are_due(tmp_path: Path) -> None:
    """The service rules (publisher.service) decide the first run of each job: a source
    that succeeded ten minutes ago waits for its interval; one never run goes now."""
    sources = [text_source("recent", "bulletin.txt"), text_source("never", "bulletin.txt")]
    path = bulletin_config(tmp_path, sources, defaults={"every": "1h", "jitter": 0})
    config = load_config(path)
    recent = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    with Store(config.site.state) as store, make_session() as session:
        store.commit_success(
            "recent", None, now=recent, status=200, etag=None, last_modified=None,
            entries_seen=None,
        )  # fmt: skip
        scheduler = Scheduler(config, store=store, session=session, initial_run=True)
        scheduler._scheduler.start(paused=True)  # plan only: no job runs
        try:
            scheduler.apply(config, run_new_now=True)
            runs = scheduler.next_runs()
        finally:
            scheduler._scheduler.shutdown(wait=False)
    assert runs["never"] is not None and runs["never"] <= datetime.now(UTC)
    assert runs["recent"] is not None
    assert abs(runs["recent"] - (recent + timedelta(hours=1))) < timedelta(seconds=5)
