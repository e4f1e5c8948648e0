"""The W3C feed validator (../shared/tools/validate_feed.py --strict) over feed files."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from . import SHARED

VALIDATOR = SHARED / "tools" / "validate_feed.py"


def assert_valid(paths: Iterable[Path]) -> int:
    """Every file passes with no error and no warning (each is checked against its own
    self link). Returns how many files were checked; skips without ../shared."""
    files = sorted(str(path) for path in paths)
    if not VALIDATOR.exists():
        pytest.skip(f"the W3C validator is not at {VALIDATOR} (../shared is missing)")
    assert files, "no feed files to validate"
    done = subprocess.run(
        [sys.executable, str(VALIDATOR), "--strict", *files],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    summary = [line for line in done.stdout.splitlines() if not line.startswith("== ")]
    assert done.returncode == 0, "\n".join(summary) + done.stderr
    assert sum("valid (0 error(s), 0 warning(s))" in line for line in summary) == len(files)
    return len(files)


def feed_files(folder: Path) -> list[Path]:
    """The Atom and RSS files in ``folder`` (the validator reads no JSON Feed)."""
    return sorted(p for p in folder.iterdir() if p.suffix in (".atom", ".rss"))
