"""publisher: turn newsroom web pages into stable Atom and RSS feeds."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("newsroom-publisher")  # the distribution name (pyproject.toml)
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["__version__"]
