"""write: atomic replacement, and no write at all when the bytes are the same."""

from __future__ import annotations

import os
from pathlib import Path

from publisher.write import write_if_changed


def test_writes_new_then_skips_same_then_replaces(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "f.atom"
    assert write_if_changed(path, b"one") is True
    assert path.read_bytes() == b"one"
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    assert write_if_changed(path, b"one") is False
    assert path.stat().st_mtime_ns == 1_000_000_000  # untouched
    inode = path.stat().st_ino
    assert write_if_changed(path, b"two") is True
    assert path.read_bytes() == b"two"
    assert path.stat().st_ino != inode  # replaced, not rewritten in place
    assert [p.name for p in path.parent.iterdir()] == ["f.atom"]  # no temp file left
    assert (path.stat().st_mode & 0o777) == 0o644
