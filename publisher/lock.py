"""One writer per state folder: an exclusive, non-blocking lock next to the state store.

``publisher run`` and ``publisher schedule`` both take it, so they never write the same
store and feeds at once. The lock is an ``fcntl.flock`` on ``<state folder>/publisher.lock``:
the kernel releases it when the holder exits, however it exits, so the lock of a killed
run is never stale and the next run simply takes it over. The file holds the holder's pid
and command, for the message the second process prints. The file itself stays in place
(deleting a lock file while another process waits on it opens a race).

The lock file can still be deleted from under a run; so the state folder itself is
locked too (a folder that holds the store cannot be deleted), and a second run that
finds a new lock file still finds the folder locked. :class:`FolderLock` also locks the
output folder, so that two configurations sharing one output folder take turns.
"""

from __future__ import annotations

import fcntl
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from .errors import LockError, StoreError
from .faults import os_message

log = logging.getLogger(__name__)

LOCK_NAME = "publisher.lock"


def lock_path(state: Path) -> Path:
    """The lock file for the state store at ``state`` (a file in the state folder)."""
    return state.parent / LOCK_NAME


class StateLock:
    """``with StateLock(path, command="run"):`` or :class:`LockError` at once if held."""

    def __init__(self, path: Path, *, command: str = "run"):
        self.path = Path(path)
        self.command = command
        self._fd: int | None = None
        self._folder = FolderLock(self.path.parent, what="state folder")

    def acquire(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(
                f"{self.path}: cannot create the lock file: {exc.strerror or exc}; check that "
                "the state folder (site.state) is writable by this user"
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            pid = _pid(holder)
            what = holder.split("\n", 2)[1] if holder.count("\n") >= 1 else ""
            detail = f" running `publisher {what}`" if what else ""
            raise LockError(
                f"another publisher run is active (pid {pid if pid else 'unknown'}){detail} "
                f"on {self.path.parent}; wait for it to finish (or stop it), then try again",
                pid=pid,
            ) from None
        except OSError:
            os.close(fd)
            raise
        previous = _pid(_read(fd))
        if previous and previous != os.getpid():
            log.info("taking over the lock of pid %d, which is no longer running", previous)
        try:
            os.ftruncate(fd, 0)
            started = datetime.now(UTC).isoformat(timespec="seconds")
            os.pwrite(fd, f"{os.getpid()}\n{self.command}\n{started}\n".encode(), 0)
        except OSError as exc:  # disk full, read-only: the state folder cannot be used
            os.close(fd)
            raise StoreError(os_message(exc, self.path, what="lock file (site.state)")) from exc
        try:
            self._folder.acquire()
        except LockError:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the descriptor releases the flock
            self._folder.release()

    def __enter__(self) -> StateLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


class FolderLock:
    """An exclusive ``flock`` on a folder itself (made if missing): it cannot be deleted
    from under the holder while it holds files, unlike a lock file."""

    def __init__(self, path: Path, *, what: str = "output folder"):
        self.path = Path(path)
        self.what = what
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as exc:
            raise StoreError(os_message(exc, self.path, what=self.what)) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise LockError(
                f"another publisher run is writing to the {self.what} {self.path} (maybe with "
                "another configuration); wait for it to finish, then try again"
            ) from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def __enter__(self) -> FolderLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def same_folder(one: Path, other: Path) -> bool:
    """True when both paths name one existing folder (locking it twice would fail)."""
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def _read(fd: int) -> str:
    try:
        return os.pread(fd, 4096, 0).decode("utf-8", "replace")
    except OSError:  # pragma: no cover - a lock file we cannot read
        return ""


def _pid(text: str) -> int | None:
    first = text.split("\n", 1)[0].strip()
    return int(first) if first.isdigit() else None
