"""Write feed files atomically, and only when their bytes change.

An unchanged file keeps its mtime, so a static server keeps its ETag and Last-Modified
and pollers get 304. A new file is written to a temporary file in the same folder, then
moved over the old one: readers see the old file or the new one, never a partial one.

There is no ``fsync`` before the move (it was a third of a first run's write time): a
feed file is derived from the state store, and the next run rewrites any file whose bytes
differ from what it renders, so even a file cut short by a power failure heals itself.
The store makes the same trade (SQLite WAL with ``synchronous=NORMAL``).

Where feeds go is a seam (:class:`FeedWriter`), chosen by ``site.output``: a local folder
(:class:`LocalWriter`, the default) or an ``s3://bucket/prefix`` URL
(:class:`publisher.s3write.S3Writer`, ``publisher[scale]``).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Protocol

from .faults import output_error

S3_SCHEME = "s3://"


class FeedWriter(Protocol):
    """Where a run's feed files go. ``name`` is a file name, e.g. ``newsroom.atom``."""

    def write(self, name: str, data: bytes, *, max_age: int) -> bool:
        """Store ``data`` as ``name`` unless it already holds exactly that; True if written.
        ``max_age``: seconds readers and caches may keep it."""
        ...

    def stamp(self, names: Iterable[str]) -> str | None:
        """What identifies these files as written; None when one is missing."""
        ...

    def where(self, name: str) -> str:
        """The file's full location, for reports."""
        ...


class LocalWriter:
    """Feed files in a local folder (atomic replace, only when bytes change)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def write(self, name: str, data: bytes, *, max_age: int) -> bool:
        return write_if_changed(self.folder / name, data)

    def stamp(self, names: Iterable[str]) -> str | None:
        return files_stamp(self.folder / name for name in names)

    def where(self, name: str) -> str:
        return str(self.folder / name)


def open_writer(location: Path | str, *, generated: datetime) -> FeedWriter:
    """The writer ``site.output`` names. ``generated``: when the run rendered its files
    (an S3 object written by a later run is never replaced by an earlier one's)."""
    if isinstance(location, str) and location.startswith(S3_SCHEME):
        from .s3write import S3Writer

        return S3Writer(location, generated=generated)
    return LocalWriter(Path(location))


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
