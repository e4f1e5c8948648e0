"""One writer per state folder: `publisher run` twice at once, and a killed run's lock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from ops_support import SlowPage, publisher, stop, text_source, write_config

from publisher.errors import LockError, StoreError
from publisher.lock import StateLock, lock_path


def test_lock_is_exclusive_and_released(tmp_path: Path):
    path = lock_path(tmp_path / "state" / "state.db")
    assert path == tmp_path / "state" / "publisher.lock"
    with StateLock(path, command="run") as held:
        assert held.held
        with pytest.raises(LockError) as caught:
            StateLock(path).acquire()  # a second open file description: flock refuses it
        assert caught.value.pid is not None
        assert f"another publisher run is active (pid {caught.value.pid})" in str(caught.value)
        assert "running `publisher run`" in str(caught.value)
    assert not held.held
    with StateLock(path):  # free again
        pass


@pytest.mark.slow
def test_second_run_exits_75_while_the_first_is_running(tmp_path: Path):
    page = SlowPage()
    with page.running():
        config = write_config(
            tmp_path,
            text_source("slow", page.url, respect_robots="false", retries="0"),
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
    config = write_config(tmp_path, text_source("local", "bulletin.txt"))
    holder_code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from publisher.lock import StateLock\n"
        "StateLock(Path(sys.argv[1]), command='run').acquire()\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n"
    )
    lock_file = tmp_path / ".publisher" / "publisher.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", holder_code, str(lock_file)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        blocked = subprocess.run(
            [sys.executable, "-m", "publisher", "run", "-c", str(config)],
            cwd=tmp_path, capture_output=True, text=True, timeout=20,
        )  # fmt: skip
        assert blocked.returncode == 75
        assert f"(pid {holder.pid})" in blocked.stderr
        holder.kill()  # SIGKILL: no chance to clean up
        holder.wait(timeout=10)
        assert lock_file.read_text().startswith(f"{holder.pid}\n")  # the stale lock file
        taken = subprocess.run(
            [sys.executable, "-m", "publisher", "run", "-v", "-c", str(config)],
            cwd=tmp_path, capture_output=True, text=True, timeout=20,
        )  # fmt: skip
        assert taken.returncode == 0, taken.stderr
        assert f"taking over the lock of pid {holder.pid}" in taken.stderr
        assert (tmp_path / "feeds" / "local.rss").exists()
    finally:
        stop(holder)
        if holder.stdout:
            holder.stdout.close()


def test_unwritable_state_folder_is_a_clear_error(tmp_path: Path):
    blocker = tmp_path / "state"
    blocker.write_text("a file where the state folder should be", encoding="utf-8")
    with pytest.raises(StoreError, match=r"cannot create the lock file.*site\.state"):
        StateLock(lock_path(blocker / "state.db")).acquire()
