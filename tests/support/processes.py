"""Child processes of the tests: ``python -m publisher``, polling, stopping by pid."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def publisher(*args: str, cwd: Path, **kw: object) -> subprocess.Popen[str]:
    """``python -m publisher ARGS`` in ``cwd``."""
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "publisher", *args], cwd=cwd, text=True, **kw
    )


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``check`` every 50 ms for at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def stop(process: subprocess.Popen[str]) -> None:
    """Kill ``process`` (by its pid) if it still runs; always reap it."""
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)
