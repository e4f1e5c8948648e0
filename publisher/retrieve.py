"""Source -> Page: a retriever per kind of URL, registered by name.

    http, https   publisher.fetch   conditional GET, politely (robots.txt, a gate per host)
    file          publisher.files   a saved page on disk
    render: browser  publisher.browser  any URL, loaded in headless Chromium (issue 16)

A retriever is a module with ``retrieve(source, context) -> Page`` (the
:class:`Retriever` protocol); :data:`RETRIEVERS` maps a URL scheme to it, and the module
is imported on first use. :func:`publisher.fetch.fetch_page` is the one entry point.
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, cast
from urllib.parse import urlsplit

from .model import Page, Source, StoredEntry

if TYPE_CHECKING:
    import requests

    from .hosts import HostGate
    from .robots import RobotsCache

RETRIEVERS: dict[str, str] = {
    "http": "publisher.fetch",
    "https": "publisher.fetch",
    "file": "publisher.files",
}
RENDERERS: dict[str, str] = {"browser": "publisher.browser"}  # by the source's 'render'

# The stored entries of the source among these ids (the store, for publisher.follow).
Known = Callable[[Iterable[str]], Mapping[str, StoredEntry]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Validators:
    """What the last successful fetch returned, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """What a retriever is given besides the source: the run's network and waits."""

    session: requests.Session
    validators: Validators
    env: Mapping[str, str]  # for ${VAR} in headers
    sleep: Callable[[float], None]
    gate: HostGate  # one request at a time per host, min_delay apart
    robots: RobotsCache | None  # None: robots.txt is not consulted
    # kinds of source (issue 16): what publisher.follow needs to stop at known entries
    known: Known | None = None  # None: no store, every entry counts as new
    now: datetime | None = None


class Retriever(Protocol):
    def retrieve(self, source: Source, context: Context) -> Page:
        """The page of ``source``; ``status == 304``: unchanged since the validators."""
        ...


def retriever(source: Source) -> Retriever:
    """The retriever for the source's URL (or for its ``render``)."""
    if source.render is not None:
        return _module_named(RENDERERS[source.render])
    return _module(urlsplit(source.url).scheme.lower())


def close_retrievers() -> None:
    """Close what a retriever keeps for a run (the browser); call it when the run ends.
    Retrievers never imported have nothing to close."""
    for name in RENDERERS.values():
        closer = getattr(sys.modules.get(name), "close", None)
        if closer is not None:
            closer()


@functools.cache
def _module_named(name: str) -> Retriever:
    return cast(Retriever, importlib.import_module(name))


@functools.cache
def _module(scheme: str) -> Retriever:
    return cast(Retriever, importlib.import_module(RETRIEVERS[scheme]))
