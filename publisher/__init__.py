"""publisher: turn newsroom web pages into stable Atom and RSS feeds."""

from __future__ import annotations

import functools

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed distribution's metadata on first use
    (importing :mod:`importlib.metadata` is a start-up cost most commands do not need)."""
    if name == "__version__":
        return _version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newsroom-publisher")  # the distribution name (pyproject.toml)
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"
