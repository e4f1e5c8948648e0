"""Scale-out (issue 18): 500 sources on 10 loopback hosts, 3 `publisher worker` processes
sharing a real PostgreSQL, feeds to moto's S3-compatible server; one worker killed with
SIGKILL mid-run.

Every source is published, every entry exactly once; the servers' own logs show one
request at a time per host and every gap >= min_delay; the killed worker's job is retried
by the others; feeds parse; a rerun with nothing changed writes nothing.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import boto3
import feedparser
import psycopg
import pytest

from publisher.config import load_config
from publisher.fetch import make_session
from publisher.pipeline import run_once
from publisher.store import Store

from .support.config import SELECT, write_config
from .support.processes import publisher, stop, wait_for
from .support.records import newsroom
from .support.scale import BUCKET
from .support.server import LocalServer, Reply, Servers

pytestmark = pytest.mark.slow

HOSTS, PER_HOST, MIN_DELAY = 10, 50, 0.05


def titles(host: int, page: int) -> tuple[str, ...]:
    return tuple(f"Host {host} page {page} story {n}" for n in range(3))


def scenario(tmp_path: Path, servers: Servers, pg_url: str) -> tuple[Path, list[LocalServer]]:
    hosts = []
    sources = []
    for host in range(HOSTS):
        routes = {
            f"/p{page}": Reply(body=newsroom(*titles(host, page)), delay=0.01)
            for page in range(PER_HOST)
        }
        server = servers.start(LocalServer(routes=dict(routes)))
        hosts.append(server)
        sources += [
            {"id": f"h{host}-p{page}", "url": server.url(f"/p{page}"), "select": SELECT}
            for page in range(PER_HOST)
        ]
    config = write_config(
        tmp_path, sources,
        site={"state": pg_url, "output": f"s3://{BUCKET}/pub", "contact": "mailto:o@example.org"},
        defaults={"min_delay": MIN_DELAY, "retries": 0, "timeout": 5, "every": "1d"},
    )  # fmt: skip
    return config, hosts


def published(pg_url: str) -> int:
    with psycopg.connect(pg_url) as db:
        row = db.execute(
            "SELECT COUNT(*) FROM sources WHERE last_success IS NOT NULL "
            "AND feed_digest IS NOT NULL"
        ).fetchone()
    return int(row[0]) if row else 0


def test_three_workers_one_killed_publish_every_source_once(
    tmp_path: Path, pg_url: str, s3: str
) -> None:
    with Servers() as servers:
        config_path, hosts = scenario(tmp_path, servers, pg_url)
        Store(pg_url).close()  # the schema, before anyone counts
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        logs = [(tmp_path / f"w{n}.log").open("w") for n in range(3)]
        workers = [
            publisher(
                "worker",
                "-c",
                str(config_path),
                "--tick",
                "1",
                "--heartbeat",
                "1",
                "--name",
                f"w{n}",
                cwd=tmp_path,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
            for n, log in enumerate(logs)
        ]
        started = time.monotonic()
        try:
            wait_for(lambda: published(pg_url) >= 60, 60, "60 sources published")
            workers[0].send_signal(signal.SIGKILL)  # mid-run: it holds a job most of the time
            workers[0].wait(timeout=10)
            wait_for(lambda: published(pg_url) == HOSTS * PER_HOST, 150, "every source")
            elapsed = time.monotonic() - started
            print(f"\n500 sources, 3 workers (one killed): {elapsed:.1f} s")
            for worker in workers[1:]:
                worker.send_signal(signal.SIGTERM)  # graceful: finishes the job in hand
            for worker in workers[1:]:
                assert worker.wait(timeout=30) == 0
        finally:
            for worker in workers:
                stop(worker)
            for log in logs:
                log.close()
        seen = {host.port: host.take_seen() for host in hosts}
        with Store(pg_url) as store:
            ids = [f"h{h}-p{p}" for h in range(HOSTS) for p in range(PER_HOST)]
            ran_by = {state.worker for state in store.source_states(ids).values()}
        rerun = rerun_writes(config_path, pg_url)

    # One request at a time per host, min_delay apart, from the servers' own logs.
    for port, requests in seen.items():
        requests.sort(key=lambda s: s.start)
        for before, after in itertools.pairwise(requests):
            assert after.start - before.end >= MIN_DELAY - 0.002, (port, before, after)

    assert ran_by <= {"w0", "w1", "w2"}, ran_by
    assert len(ran_by) >= 2, ran_by

    # Every source published, every entry exactly once, in the store and in the feeds.
    client = boto3.client("s3")
    with Store(pg_url) as store:
        for host in range(HOSTS):
            for page in range(PER_HOST):
                source_id = f"h{host}-p{page}"
                assert sorted(e.title for e in store.entries(source_id).values()) == sorted(
                    titles(host, page)
                )
                body = client.get_object(Bucket=BUCKET, Key=f"pub/{source_id}.atom")
                assert body["ContentType"].startswith("application/atom+xml")
                assert body["CacheControl"] == "public, max-age=3600"
                feed = feedparser.parse(body["Body"].read())
                assert not feed.bozo, (source_id, feed.bozo_exception)
                assert sorted(e.title for e in feed.entries) == sorted(titles(host, page))
    with psycopg.connect(pg_url) as db:
        query = "SELECT status, COUNT(*) FROM procrastinate_jobs WHERE task_name = %s GROUP BY 1"
        jobs = dict(db.execute(query, ("publisher.source",)).fetchall())
    assert set(jobs) == {"succeeded"}, jobs  # the killed worker's job was retried, none lost

    # A rerun with nothing changed writes nothing.
    written, unchanged, total = rerun
    assert total >= 2 * HOSTS * PER_HOST  # at least .atom and .rss of each source
    assert (written, unchanged) == (set(), total)


def rerun_writes(config_path: Path, pg_url: str) -> tuple[set[str], int, int]:
    """Run every source once more in this process: the files it wrote, and the objects
    in the bucket whose ETag is the same as before."""
    client = boto3.client("s3")
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    before = {o["Key"]: o["ETag"] for page in pages for o in page.get("Contents", ())}
    config = load_config(config_path)
    with Store(pg_url) as store, make_session() as session:
        report = run_once(
            config.sources, site=config.site, session=session, store=store,
            now=datetime.now(UTC), workers=10,
        )  # fmt: skip
    assert not report.failed
    written = {name for r in report.sources for name in r.files_written}
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    after = {o["Key"]: o["ETag"] for page in pages for o in page.get("Contents", ())}
    return written, sum(1 for key, tag in after.items() if before.get(key) == tag), len(after)
