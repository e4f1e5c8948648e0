"""Stored entries -> feed files, one renderer per output kind. Pure.

A renderer is a function ``(Feed) -> bytes`` (the :class:`Renderer` protocol) over the
records of :mod:`publisher.render.view`; :data:`OUTPUTS` registers each by name with its
file extension and media type, and ``site.outputs`` chooses which are written. Adding a
format is one module and one line in :data:`OUTPUTS`. feedgen is used only in
:mod:`publisher.render.xml`.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from ..model import Site, Source

if TYPE_CHECKING:
    from .view import Feed, feed_id, source_feed

__all__ = [
    "OUTPUTS",
    "Feed",
    "Output",
    "Renderer",
    "feed_id",
    "output_paths",
    "output_urls",
    "render",
    "source_feed",
]


def __getattr__(name: str) -> Any:
    """The view's records and functions, imported on first use: the commands that only
    name feed files (``status``) need neither them nor w3lib."""
    if name in ("Feed", "feed_id", "source_feed"):
        from . import view

        return getattr(view, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Renderer(Protocol):
    def __call__(self, feed: Feed, /) -> bytes:
        """The file's bytes: the same feed always gives the same bytes."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Output:
    """A registered output kind."""

    name: str  # what site.outputs lists
    extension: str  # <id>.<extension>
    media_type: str  # what a server should send it as (with charset=utf-8)
    renderer: str  # "module:function", imported on first use


OUTPUTS: dict[str, Output] = {
    o.name: o
    for o in (
        Output(name="atom", extension="atom", media_type="application/atom+xml",
               renderer="publisher.render.xml:atom"),
        Output(name="rss", extension="rss", media_type="application/rss+xml",
               renderer="publisher.render.xml:rss"),
        Output(name="json", extension="json", media_type="application/feed+json",
               renderer="publisher.render.jsonfeed:render"),
    )
}  # fmt: skip


@functools.cache
def renderer(name: str) -> Renderer:
    """The renderer of the output ``name`` (a key of :data:`OUTPUTS`)."""
    module, _, function = OUTPUTS[name].renderer.partition(":")
    return cast(Renderer, getattr(importlib.import_module(module), function))


def render(feed: Feed, outputs: Iterable[str]) -> dict[str, bytes]:
    """The bytes of each of ``outputs`` (names in :data:`OUTPUTS`), in the order given."""
    return {name: renderer(name)(feed) for name in outputs}


def output_paths(out_dir: Path, stem: str, outputs: Iterable[str]) -> tuple[Path, ...]:
    return tuple(out_dir / f"{stem}.{OUTPUTS[name].extension}" for name in outputs)


def output_urls(site: Site, source: Source) -> tuple[str, ...]:
    """The public URLs of the source's feed files: their self links."""
    return tuple(f"{site.base_url}{source.id}.{OUTPUTS[n].extension}" for n in site.outputs)
