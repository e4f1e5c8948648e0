"""OS and SQLite errors as one-line messages: what failed, where, and what to do.

    os_message      ENOSPC, EROFS, EACCES, EISDIR, ENOTDIR, ... on a path
    store_message   a SQLite error on the state store: full, read-only, locked, not a
                    file, or damaged (only then the advice to move it aside)
    output_error    an OSError on a feed file as an :class:`~publisher.errors.OutputError`
    store_error     a SQLite or OS error on the store as a :class:`~publisher.errors.StoreError`

The word "bug" is kept for real bugs: none of these is one.
"""

from __future__ import annotations

import errno
from pathlib import Path

from .errors import OutputError, StoreError

_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space, then run again",
    errno.EDQUOT: "the disk quota is used up: free some space, then run again",
    errno.EROFS: "the file system is read-only: remount it read-write or choose another folder",
    errno.EACCES: "permission denied: give this user write access, or choose another folder",
    errno.EPERM: "operation not permitted: give this user write access, or choose another folder",
    errno.EISDIR: "a folder is in the way where a file should be: remove or rename it",
    errno.ENOTDIR: "a file is in the way where a folder should be: remove or rename it",
    errno.ENOENT: "a folder on the way does not exist (or cannot be created there)",
    errno.EIO: "the disk reported an I/O error: check the disk (dmesg), then run again",
    errno.ENAMETOOLONG: "the path is too long: choose a shorter folder",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n) or lower site.workers",
}


def os_message(exc: OSError, path: Path | str | None = None, *, what: str = "file") -> str:
    """``<path>: cannot write the <what>: <reason>; <advice>``."""
    where = exc.filename if exc.filename is not None else path
    reason = exc.strerror or type(exc).__name__
    advice = _ADVICE.get(exc.errno or 0, "check the path and its permissions")
    return f"{where}: cannot use the {what}: {reason}; {advice}"


def output_error(exc: OSError, path: Path | str, *, setting: str = "site.output") -> OutputError:
    return OutputError(os_message(exc, path, what=f"feed output ({setting})"))


def store_message(path: Path | str, exc: BaseException) -> str:
    """A SQLite (or OS) error on the state store at ``path``, in words."""
    if isinstance(exc, OSError):
        return os_message(exc, path, what="state store (site.state)")
    text = str(exc).lower()
    where = f"{path}: the state store (site.state)"
    if "full" in text:
        return f"{where} cannot be written: the disk is full; free some space, then run again"
    if "readonly" in text or "read-only" in text:
        return (
            f"{where} is read-only: give this user write access to the file and its folder "
            "(SQLite writes a -wal file next to it), or choose another path"
        )
    if "locked" in text or "busy" in text:
        return f"{where} is locked by another program: wait for it, then run again"
    if "unable to open" in text or "disk i/o" in text:
        return (
            f"{where} cannot be opened ({exc}): check that the path is a file (not a folder) "
            "in a folder this user may write"
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (
            f"{where} is damaged ({exc}): move it aside (mv {path} {path}.damaged); the next "
            "run rebuilds its history from the feed files (see `publisher repair`)"
        )
    return f"{where}: SQLite error: {exc}; check the file and its folder"


def store_error(path: Path | str, exc: BaseException) -> StoreError:
    return StoreError(store_message(path, exc))
