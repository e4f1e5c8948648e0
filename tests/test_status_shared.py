"""`publisher status` against the shared PostgreSQL database (issue 18): its WORKER column,
in the table and in --json, names the worker that ran each source last.

Sources ``a`` and ``b`` are run in this process as the workers ``w1`` and ``w2`` do (a
store opened with their name), ``b`` by both, ``w2`` last; ``c`` is left to a real
``publisher worker --name w3`` process, which runs only what is due; ``d`` is disabled and
never runs.
"""

from __future__ import annotations

import json
import signal
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from publisher.cli import main
from publisher.config import load_config
from publisher.fetch import make_session
from publisher.pipeline import run_once
from publisher.store import Store

from .support.config import bulletin_config, text_source
from .support.processes import publisher, stop, wait_for

pytestmark = pytest.mark.slow


def run_as(worker: str, config_path: Path, *source_ids: str) -> None:
    config = load_config(config_path)
    sources = [config.source(source_id) for source_id in source_ids]
    with Store(config.site.state, worker=worker) as store, make_session() as session:
        report = run_once(
            sources, site=config.site, session=session, store=store, now=datetime.now(UTC)
        )
    assert not report.failed, report


def ran_last(pg_url: str, source_id: str) -> str | None:
    with Store(pg_url) as store:
        return store.source_states([source_id])[source_id].worker


def test_status_names_the_worker_that_ran_each_source_last(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sources = [text_source(name, every="1d") for name in "abc"]
    sources.append(text_source("d", enabled=False))
    config = bulletin_config(tmp_path, sources, site={"state": pg_url, "output": "feeds"})
    run_as("w1", config, "a", "b")
    run_as("w2", config, "b")
    assert ran_last(pg_url, "b") == "w2"

    log = tmp_path / "worker.log"
    with log.open("w") as errors:
        worker = publisher(
            "worker", "-c", str(config), "--name", "w3", "--tick", "1", "--heartbeat", "1",
            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=errors,
        )  # fmt: skip
        try:
            wait_for(lambda: ran_last(pg_url, "c") is not None, 60, "the worker to run c")
            worker.send_signal(signal.SIGTERM)  # graceful: it stops after the job in hand
            assert worker.wait(timeout=30) == 0, log.read_text()
        finally:
            stop(worker)
    expected = {"a": "w1", "b": "w2", "c": "w3", "d": None}  # a and b were not due for w3

    assert main(["status", "-c", str(config), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {row["id"]: row["worker"] for row in rows} == expected
    assert {row["id"]: row["state"] for row in rows} == {
        "a": "ok", "b": "ok", "c": "ok", "d": "disabled",
    }  # fmt: skip

    assert main(["status", "-c", str(config)]) == 0
    header, *lines = capsys.readouterr().out.splitlines()
    assert header.startswith("SOURCE ")
    column = header.index("WORKER")
    assert header[column:].split()[:3] == ["WORKER", "LAST", "ERROR"]
    shown = {line.split()[0]: line[column:].split()[0] for line in lines}
    assert shown == {key: value or "-" for key, value in expected.items()}
