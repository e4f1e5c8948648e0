"""Records and pages that several test modules build on: a source to fetch, an injected
sleep, newsroom pages with their configuration, and the entries of the render tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from publisher.fetch import fetch_page
from publisher.model import Page, Site, Source, StoredEntry, Timeout
from publisher.render import render, source_feed

from . import NOW
from .config import BULLETIN, SELECT, write_config
from .server import Reply

# -- fetching ------------------------------------------------------------------------------


class FakeClock:
    """The gate's clock and sleep: sleeping moves the clock, nothing waits."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Sleeps:
    """An injected sleep: records what it was asked to wait, waits nothing."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def source(url: str, **kw: Any) -> Source:
    """A source at ``url`` that fails fast: no delay, no retries, 2 s timeouts; allowed
    to fetch from 127.0.0.1 (``allow_private``)."""
    base = Source(
        id="s", url=url, title="S", home=url, min_delay=0.0, retries=0, allow_private=True,
        timeout=Timeout(connect=2.0, read=2.0),
    )  # fmt: skip
    return replace(base, **kw)


def fetch(src: Source, session: requests.Session, **kw: Any) -> Page:
    """``fetch_page`` with no environment and :class:`Sleeps` unless told otherwise."""
    kw.setdefault("sleep", Sleeps())
    return fetch_page(src, session=session, env={}, **kw)


def bulletin_page() -> Reply:
    """The example bulletin as a plain-text page."""
    body = BULLETIN.encode("utf-8")
    return Reply(body=body, headers=(("Content-Type", "text/plain; charset=utf-8"),))


# -- newsroom pages ------------------------------------------------------------------------


def newsroom(*titles: str, footer: str = "") -> bytes:
    """A newsroom page with one dated entry per title (the :data:`SELECT` layout)."""
    items = "".join(
        f'<article class="news-item"><time datetime="2026-11-{10 + n:02d}">x</time>'
        f'<h3><a href="/news/{n}/">{title}</a></h3><p class="summary">About {title}.</p>'
        "</article>"
        for n, title in enumerate(titles)
    )
    return f"<html><body><main>{items}</main><footer>{footer}</footer></body></html>".encode()


def newsroom_config(
    folder: Path,
    sources: Iterable[tuple[str, str] | tuple[str, str, Mapping[str, Any]]],
    *,
    min_delay: float = 0,
    **extra: Any,
) -> Path:
    """``sources.yaml`` for newsroom pages at these (id, url[, keys of its own]), state and
    feeds in ``folder``, no retries and 2 s timeouts; ``extra`` keys go to every source."""
    listed = [
        {"id": source_id, "url": url, "select": SELECT, **extra, **(own[0] if own else {})}
        for source_id, url, *own in sources
    ]
    return write_config(
        folder,
        listed,
        site={"output": "feeds", "state": "state/state.db", "contact": "mailto:ops@example.org"},
        defaults={"min_delay": min_delay, "retries": 0, "timeout": 2},
    )


# -- rendering -----------------------------------------------------------------------------

SITE = Site(base_url="https://feeds.example.org/", output=Path("feeds"), state=Path("s.db"))
SOURCE = Source(
    id="example-newsroom",
    url="https://www.example.org/news/",
    home="https://www.example.org/news/",
    title="Example & Co: News",
    author="Example & Co",
    format="text",
)


def stored_entry(n: int, **kw: Any) -> StoredEntry:
    """Entry ``n`` of :data:`SOURCE`, published on day ``n`` of 2026, as the store holds it."""
    published = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=n)
    values: dict[str, Any] = dict(
        source=SOURCE.id,
        id=f"urn:uuid:00000000-0000-5000-8000-{n:012d}",
        title=f"Entry <{n}> & more",
        link=f"https://www.example.org/news/{n}",
        summary=f'<p>Summary {n} with <a href="https://www.example.org/x">a link</a></p>',
        category="Report" if n % 2 else None,
        published=published,
        updated=published + timedelta(hours=n % 3),
        first_seen=NOW,
        last_seen=NOW,
        fingerprint="f",
        seq=n,
    )
    values.update(kw)
    return StoredEntry(**values)


ENTRIES = tuple(stored_entry(n) for n in (3, 2, 1))  # newest first, as the store returns them


@dataclass(frozen=True)
class RenderedFiles:
    atom: bytes
    rss: bytes
    json: bytes


def render_feeds(
    source: Source, site: Site, entries: tuple[StoredEntry, ...], *, fallback_updated: datetime
) -> RenderedFiles:
    """Every output kind of ``source``, as the pipeline renders them."""
    feed = source_feed(source, site, entries, fallback_updated=fallback_updated)
    return RenderedFiles(**render(feed, ("atom", "rss", "json")))
