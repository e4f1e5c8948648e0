"""One writer per state folder: `publisher run` twice at once, and a killed run's lock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from publisher.errors import LockError, StoreError
from publisher.lock import StateLock, lock_path

from .support.config import bulletin_config, text_source
from .support.processes import publisher, stop
from .support.records import bulletin_page
from .support.server import Gate


def test_lock_is_exclusive_and_released(tmp_path: Path):
    path = lock_path(tmp_path / "state" / "state.db")
    assert path == tmp_path / "state" / "publisher.lock"
    with StateLock(path, command="run"):
        with pytest.raises(LockError) as caught:
            StateLock(path).acquire()  # a second open file description: flock refuses it
        assert caught.value.pid is not None
        assert f"another publisher run is active (pid {caught.value.pid})" in str(caught.value)
        assert "running `publisher run`" in str(caught.value)
    with StateLock(path):  # released: taken again at once
        pass
    with StateLock(path):  # free again
        pass


@pytest.mark.slow
def test_second_run_exits_75_while_the_first_is_running(tmp_path: Path):
    page = Gate(bulletin_page())
    with page.serving() as url:
        config = bulletin_config(
            tmp_path, [text_source("slow", url, respect_robots=False, retries=0)]
        )
        first = publisher("run", "-c", str(config), cwd=tmp_path,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        try:
            assert page.arrived.wait(timeout=20), "the first run never reached the server"
            second = subprocess.run(
                [sys.executable, "-m", "publisher", "run", "-c", str(config)],
                cwd=tmp_path, capture_output=True, text=True, timeout=20,
            )  # fmt: skip
            assert second.returncode == 75, second.stderr
            assert f"another publisher run is active (pid {first.pid})" in second.stderr
            assert second.stdout == ""
            # `publisher schedule` takes the same lock
            schedule = subprocess.run(
                [sys.executable, "-m", "publisher", "schedule", "-c", str(config)],
                cwd=tmp_path, capture_output=True, text=True, timeout=20,
            )  # fmt: skip
            assert schedule.returncode == 75, schedule.stderr
            page.release.set()
            out, err = first.communicate(timeout=20)
            assert first.returncode == 0, err
            assert "slow" in out
            assert "3 new" in out
        finally:
            page.release.set()
            stop(first)
    assert (tmp_path / "feeds" / "slow.atom").exists()


@pytest.mark.slow
def test_killed_runs_lock_is_taken_over(tmp_path: Path):
    """A `publisher run` killed with SIGKILL mid-fetch leaves its pid in the lock file;
    the next run takes the lock over at once and finishes the job."""
    page = Gate(bulletin_page())
    lock_file = tmp_path / ".publisher" / "publisher.lock"
    with page.serving() as url:
        config = bulletin_config(
            tmp_path, [text_source("slow", url, respect_robots=False, retries=0)]
        )
        killed = publisher("run", "-c", str(config), cwd=tmp_path,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            assert page.arrived.wait(timeout=20), "the run never reached the server"
            killed.kill()  # SIGKILL: no chance to clean up
            killed.wait(timeout=10)
        finally:
            stop(killed)
        assert lock_file.read_text().startswith(f"{killed.pid}\nrun\n")  # the stale lock
        page.release.set()  # the next request is answered at once
        taken = subprocess.run(
            [sys.executable, "-m", "publisher", "run", "-v", "-c", str(config)],
            cwd=tmp_path, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    assert taken.returncode == 0, taken.stderr
    assert f"taking over the lock of pid {killed.pid}" in taken.stderr
    assert "slow" in taken.stdout
    assert "3 new" in taken.stdout
    assert (tmp_path / "feeds" / "slow.rss").exists()
    assert lock_file.read_text() == ""  # released: no pid left behind


def test_unwritable_state_folder_is_a_clear_error(tmp_path: Path):
    blocker = tmp_path / "state"
    blocker.write_text("a file where the state folder should be", encoding="utf-8")
    with pytest.raises(StoreError, match=r"cannot create the lock file.*site\.state"):
        StateLock(lock_path(blocker / "state.db")).acquire()
