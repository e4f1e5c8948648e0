"""What a feed holds: a source's newest entries that pass its filters, or a collection's
entries merged from its sources, each article once.

Filters are applied here, at render time, over the entries the store keeps: a filtered
entry is stored like any other, so when a filter changes, the entries it lets through
come with the dates they were first seen, and readers never take them for new ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime

from .filters import published
from .links import canonical_link
from .model import Collection, Source, StoredEntry
from .store import Store


def source_window(store: Store, source: Source, *, now: datetime) -> tuple[StoredEntry, ...]:
    """The newest ``max_entries`` entries of ``source`` that its filters publish."""
    limit = source.max_entries
    if not (source.include or source.exclude):
        return store.feed_entries(source.id, limit=limit, max_age_days=source.max_age_days,
                                  now=now)  # fmt: skip
    ask = limit * 2
    while True:  # ends: a query that gives fewer rows than asked has read them all
        rows = store.feed_entries(source.id, limit=ask, max_age_days=source.max_age_days,
                                  now=now)  # fmt: skip
        kept = [e for e in rows if published(e, include=source.include, exclude=source.exclude)]
        if len(kept) >= limit or len(rows) < ask:
            return tuple(kept[:limit])
        ask *= 4


def filters_key(source: Source) -> str:
    """A short key of the source's filters ('' without any), kept with the stamp of its
    feed files so that files written under other filters are rendered again."""
    if not (source.include or source.exclude):
        return ""
    text = repr((source.include, source.exclude)).encode("utf-8")
    return " filters:" + hashlib.sha256(text).hexdigest()[:16]


def members(collection: Collection, sources: Iterable[Source]) -> tuple[Source, ...]:
    """The sources of ``collection``, in the order of ``sources.yaml`` (all when unnamed)."""
    named = set(collection.sources)
    return tuple(source for source in sources if not named or source.id in named)


def collection_window(
    store: Store, collection: Collection, sources: Sequence[Source], *, now: datetime
) -> tuple[StoredEntry, ...]:
    """The entries of ``collection``: its sources' feeds (after their own filters), then
    the collection's rules, each article once."""
    windows = [source_window(store, source, now=now) for source in sources]
    return merge(windows, collection=collection)


def merge(
    windows: Sequence[Sequence[StoredEntry]], *, collection: Collection
) -> tuple[StoredEntry, ...]:
    """Entries of several sources as one feed, newest first, ``max_entries`` of them. Pure.

    An article listed by two sources (the same canonical link) is kept once: the copy
    published first, so its date is the earliest any source gave (on a tie, the source
    listed first). Entries without a link of their own are never merged.
    """
    chosen: dict[str, StoredEntry] = {}
    for entries in windows:
        for entry in entries:
            if not published(entry, include=collection.include, exclude=collection.exclude):
                continue
            key = article_key(entry)
            kept = chosen.get(key)
            if kept is None or entry.published < kept.published:
                chosen[key] = entry
    ordered = sorted(chosen.values(), key=lambda e: (e.published, e.seq, e.source), reverse=True)
    return tuple(ordered[: collection.max_entries])


def article_key(entry: StoredEntry) -> str:
    """The canonical link when the entry's id was made from its link, else its id."""
    from .normalise import entry_id  # collections only: `status` needs no normalise

    link_id = entry_id(source_id="", link=entry.link, title="", date_key=None)
    return "link:" + canonical_link(entry.link) if link_id == entry.id else entry.id
