"""Cron mode and monitoring: `run --due`, `--quiet`, `--log-format json`, progress, `status`."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from publisher.cli import main
from publisher.cli.run import want_progress
from publisher.config import load_config
from publisher.store import Store

from .support.config import bulletin_config, text_source


def _age(config: Path, source_id: str, hours: float) -> None:
    """Pretend ``source_id`` last succeeded ``hours`` ago."""
    state = load_config(config).site.state
    with Store(state) as store:
        when = datetime.now(UTC) - timedelta(hours=hours)
        store.commit_success(source_id, None, now=when, status=200, etag=None,
                             last_modified=None, entries_seen=3)  # fmt: skip


def test_due_runs_only_due_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    config = bulletin_config(
        tmp_path,
        [
            text_source("hourly", "bulletin.txt", every="1h"),
            text_source("daily", "bulletin.txt", every="1d"),
            text_source("quarter", "bulletin.txt", cron="*/15 * * * *"),
        ],
    )
    assert main(["run", "--due", "-c", str(config)]) == 0  # never run: all are due
    out = capsys.readouterr().out
    assert all(name in out for name in ("hourly", "daily", "quarter"))

    assert main(["run", "--due", "-c", str(config)]) == 0  # just ran: none is due
    assert capsys.readouterr().out == "publisher: no source is due yet\n"
    assert main(["run", "--due", "-q", "-c", str(config)]) == 0
    assert capsys.readouterr() == ("", "")  # cron mails nothing
    assert main(["run", "--due", "--log-format", "json", "-c", str(config)]) == 0
    assert json.loads(capsys.readouterr().out) == {"sources": 0, "ok": 0, "failed": 0}

    _age(config, "hourly", 2)  # due: 2 h > 1 h
    _age(config, "daily", 2)  # not due: 2 h < 1 d
    _age(config, "quarter", 0.5)  # due: a quarter hour has passed
    assert main(["run", "--due", "-c", str(config)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == ["hourly", "quarter"]
    assert lines[-1] == "2 sources, 2 ok, 0 failed"

    assert main(["run", "--due", "--only", "daily", "hourly", "-c", str(config)]) == 0
    assert "no source is due" in capsys.readouterr().out  # --only and --due combine


def test_quiet_prints_only_failures(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    config = bulletin_config(tmp_path, [text_source("good", "bulletin.txt")])
    assert main(["run", "-q", "-c", str(config)]) == 0
    assert capsys.readouterr() == ("", "")

    config = bulletin_config(
        tmp_path, [text_source("good", "bulletin.txt"), text_source("gone", "missing.txt")]
    )
    assert main(["run", "-q", "-c", str(config)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("gone  FAILED  ")
    assert "missing.txt" in out
    assert "good" not in out
    assert len(out.splitlines()) == 1
    assert err == ""


def test_log_format_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    config = bulletin_config(
        tmp_path, [text_source("good", "bulletin.txt"), text_source("gone", "missing.txt")]
    )
    assert main(["run", "--log-format", "json", "-c", str(config)]) == 1
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows[0]["source"] == "good"
    assert rows[0]["outcome"] == "written"
    assert rows[0]["new"] == 3
    assert rows[1]["source"] == "gone"
    assert rows[1]["outcome"] == "failed"
    assert "missing.txt" in rows[1]["error"]
    assert rows[1]["error_kind"] == "fetch"
    assert rows[2] == {"sources": 2, "ok": 1, "failed": 1}
    logs = [json.loads(line) for line in err.splitlines()]
    assert logs, "the failure is logged"
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in logs)
    assert any(entry["level"] == "warning" and "gone" in entry["message"] for entry in logs)


def test_want_progress():
    assert want_progress(10, terminal=True, quiet=False, log_format="text")
    assert not want_progress(10, terminal=False, quiet=False, log_format="text")
    assert not want_progress(10, terminal=True, quiet=True, log_format="text")
    assert not want_progress(10, terminal=True, quiet=False, log_format="json")
    assert not want_progress(3, terminal=True, quiet=False, log_format="text")


def _many(tmp_path: Path, count: int = 6) -> Path:
    return bulletin_config(tmp_path, [text_source(f"s{i}", "bulletin.txt") for i in range(count)])


@pytest.mark.slow
def test_no_progress_bar_when_output_is_not_a_terminal(tmp_path: Path):
    config = _many(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "publisher", "run", "-c", str(config)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "\r" not in done.stdout
    assert "%|" not in done.stdout
    assert done.stdout.splitlines()[-1] == "6 sources, 6 ok, 0 failed"


@pytest.mark.slow
def test_progress_bar_on_a_terminal(tmp_path: Path):
    config = _many(tmp_path)
    controller, terminal = pty.openpty()
    # a real terminal has a size; tqdm draws nothing on a 0-column one
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "publisher", "run", "-c", str(config)],
        cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal,
    )  # fmt: skip
    os.close(terminal)
    output = b""
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(controller, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
            elif process.poll() is not None:
                break
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        os.close(controller)
    text = output.decode("utf-8", "replace")
    assert "/6 [" in text  # tqdm's "n/6 [elapsed<remaining, rate]"
    assert "6 sources, 6 ok, 0 failed" in text


def test_status_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    config = bulletin_config(
        tmp_path,
        [
            text_source("good", "bulletin.txt"),
            text_source("flaky", "bulletin.txt", every="30m"),
            text_source("paused", "bulletin.txt", enabled=False),
        ],
    )
    args = ["status", "-c", str(config)]
    assert main(args) == 0  # nothing has run yet: new, not failing
    assert "feed files missing" in capsys.readouterr().out
    assert main([*args, "--json"]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert {key: row["state"] for key, row in rows.items()} == {
        "good": "new", "flaky": "new", "paused": "disabled",
    }  # fmt: skip
    assert rows["good"]["next_due"] is None
    assert rows["good"]["due_now"]

    assert main(["run", "-c", str(config)]) == 0
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert {key: row["state"] for key, row in rows.items()} == {
        "good": "ok", "flaky": "ok", "paused": "disabled",
    }  # fmt: skip
    flaky = rows["flaky"]
    assert flaky["entries_in_feed"] == 3
    assert flaky["failures"] == 0
    assert flaky["newest_entry"] == "2026-11-03T00:00:00+00:00"
    assert flaky["schedule"] == "every 30m"
    success = datetime.fromisoformat(flaky["last_success"])
    assert datetime.fromisoformat(flaky["next_due"]) == success + timedelta(minutes=30)
    assert flaky["feeds_present"]
    assert flaky["feeds"][0].endswith("flaky.atom")
    assert rows["paused"]["next_due"] is None

    bulletin_config(
        tmp_path,
        [
            text_source("good", "bulletin.txt"),
            text_source("flaky", "missing.txt", every="30m"),
            text_source("paused", "bulletin.txt", enabled=False),
        ],
    )
    assert main(["run", "-c", str(config)]) == 1
    capsys.readouterr()
    assert main(args) == 1
    table = capsys.readouterr().out
    assert table.startswith("SOURCE ")
    flaky_line = next(line for line in table.splitlines() if line.startswith("flaky"))
    assert " failing " in flaky_line
    assert "missing.txt" in flaky_line
    assert main([*args, "--json"]) == 1
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["flaky"]["state"] == "failing"
    assert rows["flaky"]["failures"] == 1
    assert rows["flaky"]["entries_in_feed"] == 3  # the old feed is kept
    assert main([*args, "-q"]) == 1
    quiet = capsys.readouterr().out
    assert "flaky" in quiet
    assert "good" not in quiet

    state = load_config(config).site.state
    with Store(state) as store:
        for _ in range(3):
            store.record_failure("good", now=datetime.now(UTC), error="layout changed",
                                 kind="layout")  # fmt: skip
    assert main([*args, "--json"]) == 1
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["good"]["state"] == "broken"

    bulletin_config(
        tmp_path,
        [text_source("good", "bulletin.txt"), text_source("paused", "b.txt", enabled=False)],
    )
    assert main(["run", "-c", str(config)]) == 0
    capsys.readouterr()
    assert main(args) == 0  # all ok again (the disabled one does not count)
    assert capsys.readouterr().out.count("good") == 1
    assert main([*args, "-q"]) == 0
    assert capsys.readouterr().out == ""  # all ok: monitoring from cron mails nothing
