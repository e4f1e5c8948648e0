"""Write feed files atomically, and only when their bytes change.

An unchanged file keeps its mtime, so a static server keeps its ETag and Last-Modified
and pollers get 304. A new file is written to a temporary file in the same folder, then
moved over the old one: readers see the old file or the new one, never a partial one.

There is no ``fsync`` before the move (it was a third of a first run's write time): a
feed file is derived from the state store, and the next run rewrites any file whose bytes
differ from what it renders, so even a file cut short by a power failure heals itself.
The store makes the same trade (SQLite WAL with ``synchronous=NORMAL``).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .faults import output_error


def write_if_changed(path: Path, data: bytes) -> bool:
    """Replace ``path`` with ``data`` unless it already holds exactly that. True if written.

    An OS error (disk full, read-only, a folder in the way) is an
    :class:`~publisher.errors.OutputError` naming the path and what to do.
    """
    try:
        return _write_if_changed(path, data)
    except OSError as exc:
        raise output_error(exc, path) from exc


def _write_if_changed(path: Path, data: bytes) -> bool:
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return True


def remove_temp_files(folder: Path) -> tuple[Path, ...]:
    """Delete the temporary feed files a killed run left in ``folder``; return them.

    Call it only while holding the state lock and before any feed is written, or the
    temporary file of a writer still at work would go.
    """
    removed = []
    try:
        for path in folder.glob(".*.*.tmp"):  # as write_if_changed names them
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
    except OSError as exc:
        raise output_error(exc, folder) from exc
    return tuple(removed)


def files_stamp(paths: Iterable[Path]) -> str | None:
    """What identifies these files as written: size, mtime and inode of each; None when
    one of them is missing.

    An unchanged file keeps all three; any rewrite, restore or removal changes one.
    Cheaper than reading the files, which matters when most pages are unchanged.
    """
    parts = []
    for path in paths:
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:  # a file in the way of the folder, no permission, ...
            raise output_error(exc, path) from exc
        parts.append(f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}")
    return " ".join(parts)
