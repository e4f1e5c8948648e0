"""Scale-out benchmark (issue 18): sources per second with 1, 2 and 3 `publisher worker`
processes on a real PostgreSQL and moto's S3 server, all on loopback; and the database
round trips one source costs (first run, and a rerun with nothing changed).

    python -m benchmarks.bench_scale [--sources 300] [--workers 1 2 3]

Prints one JSON line per measurement. Starts and stops its own servers.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import boto3
import psycopg

from publisher.config import load_config
from publisher.fetch import make_session
from publisher.pipeline import run_once
from publisher.store import Store
from tests.support.config import SELECT, write_config
from tests.support.processes import publisher, stop
from tests.support.records import newsroom
from tests.support.scale import Postgres, moto_s3
from tests.support.server import LocalServer, Reply, Servers

HOSTS = 10


def _config(folder: Path, servers: Servers, url: str, sources: int, bucket: str) -> Path:
    per_host = sources // HOSTS
    listed = []
    for host in range(HOSTS):
        routes = {f"/p{p}": Reply(body=newsroom(*(f"H{host} P{p} S{n}" for n in range(10))))
                  for p in range(per_host)}  # fmt: skip
        server = servers.start(LocalServer(routes=dict(routes)))
        listed += [{"id": f"h{host}-p{p}", "url": server.url(f"/p{p}"), "select": SELECT}
                   for p in range(per_host)]  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    return write_config(
        folder, listed, site={"state": url, "output": f"s3://{bucket}/pub"},
        defaults={"min_delay": 0, "retries": 0, "timeout": 5, "every": "1d"},
    )  # fmt: skip


def _published(url: str) -> int:
    with psycopg.connect(url) as db:
        row = db.execute("SELECT COUNT(*) FROM sources WHERE feed_digest IS NOT NULL").fetchone()
    return int(row[0]) if row else 0


def workers_rate(pg: Postgres, sources: int, count: int, folder: Path) -> dict[str, object]:
    url = pg.database()
    bucket = f"bench-{count}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    with Servers() as servers:
        config = _config(folder / f"w{count}", servers, url, sources, bucket)
        Store(url).close()
        started = time.monotonic()
        procs = [publisher("worker", "-c", str(config), "--tick", "1", "--name", f"w{n}",
                           cwd=config.parent, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL) for n in range(count)]  # fmt: skip
        try:
            deadline = started + 600
            while _published(url) < sources and time.monotonic() < deadline:
                time.sleep(0.1)
            elapsed = time.monotonic() - started
        finally:
            for proc in procs:
                stop(proc)
    return {"workers": count, "sources": sources, "seconds": round(elapsed, 2),
            "sources_per_second": round(sources / elapsed, 1)}  # fmt: skip


def round_trips(pg: Postgres, sources: int, folder: Path) -> dict[str, object]:
    """Statements per source, each source run alone (as a worker's job runs it)."""
    url = pg.database()
    boto3.client("s3").create_bucket(Bucket="round-trips")
    with Servers() as servers:
        config = load_config(_config(folder / "rt", servers, url, sources, "round-trips"))
        found = {}
        with Store(url) as store, make_session() as session:
            for label in ("first run", "nothing changed"):
                before = store.round_trips
                for source in config.sources:
                    run_once([source], site=config.site, session=session, store=store,
                             now=datetime.now(UTC), workers=1)  # fmt: skip
                found[label] = round((store.round_trips - before) / len(config.sources), 1)
    return {"round_trips_per_source": found}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_scale")
    parser.add_argument("--sources", type=int, default=300)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    pg = Postgres()
    try:
        with moto_s3() as endpoint, tempfile.TemporaryDirectory() as temp:
            os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_DEFAULT_REGION="us-east-1")
            os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
            print(json.dumps(round_trips(pg, 100, Path(temp))), flush=True)
            for count in args.workers:
                rate = workers_rate(pg, args.sources, count, Path(temp))
                print(json.dumps(rate), flush=True)
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
