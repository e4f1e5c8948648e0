"""What every output shows: a :class:`Feed` of :class:`Item` records, built from the store.

The renderers (Atom, RSS, JSON Feed, digests, HTML pages) all read these records, so the
same entry has the same id, link and dates in every format:

- links are percent-encoded as a browser would send them (``safe_url_string``: spaces,
  non-ASCII paths and international host names), so validators find no bad URI;
- ``updated`` is the stored ``updated`` plus the entry's ``seq`` in microseconds. Stored
  times are whole seconds and ``seq`` is unique within a source, so no two entries of a
  feed share an ``updated`` value (entries of one page with the same date-only value
  used to), and the value never changes unless the stored one does. ``published`` is
  shown exactly as stored.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from w3lib.url import safe_url_string

from ..model import Origin, Site, Source, StoredEntry

GENERATOR = "publisher"


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """One entry as every output shows it."""

    id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    summary: str  # sanitised HTML, or ''
    category: str | None = None
    image: str | None = None
    author: str | None = None
    content: str | None = None  # the article (full_text), else the summary is the content
    origin: Origin | None = None  # a collection's entry: the source it comes from


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Feed:
    """One feed, whatever its format. Compared by identity: the XML renderers build
    feedgen's generator once per Feed and share it between Atom and RSS."""

    stem: str  # the files' name without the extension: <id> or <id>-daily
    id: str
    title: str
    home: str
    base_url: str  # site.base_url: the feed's own address is base_url + stem + extension
    description: str
    author: str
    updated: datetime
    ttl: int
    items: tuple[Item, ...]
    hub: str | None = None
    timezone: str = "UTC"  # the source's: the pages print dates in it

    def url(self, extension: str) -> str:
        return f"{self.base_url}{self.stem}.{extension}"


# A link already in the form safe_url_string gives: http(s), a host of ASCII letters,
# digits and hyphens (no IP address, no port, no punycode), unreserved characters in the
# path (no dot segments) and a non-empty query. Most links are: they skip the parse
# (a quarter of rendering). tests/test_render.py checks the two agree on such links.
_PLAIN = re.compile(
    r"https?://(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z](?:[a-z0-9-]*[a-z0-9])?"
    r"(?:/[A-Za-z0-9_~-]+(?:\.[A-Za-z0-9_~-]+)*)*/?(?:\?[A-Za-z0-9._~=&-]+)?"
)


def public_url(url: str) -> str:
    """``url`` as a browser sends it: percent-encoded, IDNA host. Idempotent."""
    if _PLAIN.fullmatch(url) and "xn--" not in url:
        return url
    return str(safe_url_string(url))


def feed_id(source: Source) -> str:
    """The Atom feed id: from the source id, so moving the feeds elsewhere keeps it."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'publisher-feed:' + source.id)}"


def shown_updated(entry: StoredEntry) -> datetime:
    """The stored ``updated`` made unique within the feed (see the module docstring)."""
    return entry.updated + timedelta(microseconds=entry.seq % 1_000_000)


def item(entry: StoredEntry, origin: Origin | None = None) -> Item:
    return Item(
        id=entry.id,
        title=entry.title,
        link=public_url(entry.link),
        published=entry.published,
        updated=shown_updated(entry),
        summary=entry.summary,
        category=entry.category,
        image=public_url(entry.image) if entry.image else None,
        author=entry.author,
        content=entry.content,
        origin=origin,
    )


def source_feed(
    source: Source,
    site: Site,
    entries: Sequence[StoredEntry],
    *,
    fallback_updated: datetime,
    origins: Mapping[str, Origin] | None = None,
) -> Feed:
    """The feed of ``source`` from its stored ``entries`` (newest first).

    ``fallback_updated`` dates a feed with no entries (all aged out), so that even then
    the bytes do not depend on the clock. ``origins`` (a collection's feed) names the
    source of each entry, by source id.
    """
    named = origins or {}
    items = tuple(item(entry, named.get(entry.source)) for entry in entries)
    return Feed(
        stem=source.id,
        id=feed_id(source),
        title=source.title,
        home=public_url(source.home),
        base_url=site.base_url,
        description=f"Entries from {source.home}",
        author=source.author or source.title,
        updated=max((i.updated for i in items), default=fallback_updated),
        ttl=source.ttl,
        items=items,
        hub=site.websub_hub,
        timezone=source.timezone,
    )
