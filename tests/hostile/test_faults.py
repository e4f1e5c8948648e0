"""Disk and store faults: one line naming the path and what to do, never a traceback."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from publisher.cli import main
from publisher.errors import OutputError, StoreError
from publisher.faults import os_message, store_message
from publisher.store import SCHEMA_VERSION, Store
from publisher.write import write_if_changed

from .support import file_config


@pytest.mark.parametrize(
    ("code", "advice"),
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EROFS, "read-only"),
        (errno.EACCES, "permission denied"),
        (errno.EISDIR, "a folder is in the way"),
        (errno.ENOTDIR, "a file is in the way"),
        (errno.EIO, "I/O error"),
    ],
)
def test_each_os_error_has_its_advice(
    code: int, advice: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(*args: object) -> None:
        raise OSError(code, os.strerror(code), str(tmp_path / "f.atom"))

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OutputError) as caught:
        write_if_changed(tmp_path / "f.atom", b"data")
    assert advice in str(caught.value)
    assert str(tmp_path / "f.atom") in str(caught.value)
    assert "bug" not in str(caught.value)
    assert not list(tmp_path.glob(".f.atom.*"))  # the temporary file is gone


def test_disk_full_on_the_feeds_fails_the_source_without_bug(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = file_config(tmp_path)

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    assert main(["run", "-c", str(config)]) == 1
    out = capsys.readouterr().out
    assert "the disk is full" in out
    assert "bug" not in out


def test_a_folder_where_the_feed_file_goes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = file_config(tmp_path)
    (tmp_path / "feeds" / "s.atom").mkdir(parents=True)
    assert main(["run", "-c", str(config)]) == 1
    out = capsys.readouterr().out
    assert "a folder is in the way" in out and "bug" not in out


def test_output_in_proc_self(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = file_config(tmp_path)
    config.write_text(config.read_text().replace("output: feeds", "output: /proc/self"))
    assert main(["run", "-c", str(config)]) == 1
    captured = capsys.readouterr()
    assert "/proc/self" in captured.out + captured.err
    assert "bug" not in captured.out + captured.err and "Traceback" not in captured.err


def test_the_state_path_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = file_config(tmp_path)
    (tmp_path / "state" / "s.db").mkdir(parents=True)
    assert main(["run", "-c", str(config)]) == 1
    err = capsys.readouterr().err
    assert "s.db" in err and "not a folder" in err and "move it aside" not in err


def test_a_damaged_store_gets_the_move_aside_advice(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError, match=r"is damaged.*move it aside.*publisher repair"):
        Store(path)


def test_a_store_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    db.close()
    with pytest.raises(StoreError, match="upgrade publisher"):
        Store(path)


@pytest.mark.parametrize(
    ("text", "advice"),
    [
        ("database or disk is full", "the disk is full"),
        ("attempt to write a readonly database", "read-only"),
        ("database is locked", "locked by another program"),
        ("unable to open database file", "cannot be opened"),
        ("file is not a database", "move it aside"),
    ],
)
def test_each_sqlite_error_has_its_advice(text: str, advice: str) -> None:
    message = store_message("/srv/s.db", sqlite3.OperationalError(text))
    assert advice in message and "/srv/s.db" in message and "\n" not in message


def test_disk_full_on_the_lock_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from publisher.lock import StateLock

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "pwrite", full)
    with pytest.raises(StoreError, match="the disk is full"):
        StateLock(tmp_path / "publisher.lock").acquire()


def test_os_message_is_one_line() -> None:
    message = os_message(OSError(errno.EROFS, "Read-only file system", "/srv/feeds/a.atom"))
    assert message.startswith("/srv/feeds/a.atom: ") and "\n" not in message


@pytest.mark.slow
def test_status_into_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    config = file_config(tmp_path)
    assert main(["run", "-q", "-c", str(config)]) == 0
    status = subprocess.Popen(
        [sys.executable, "-m", "publisher", "status", "-c", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert status.stdout is not None
    status.stdout.close()  # as `| head -0` does
    _, err = status.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipe" not in err
