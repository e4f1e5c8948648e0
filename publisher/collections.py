"""Collections: feeds of their own made from the entries of several sources.

    members            the collection's sources (all when it names none)
    | source_window    each source's feed, after its own filters (publisher.window)
    | merge            the collection's rules; each article once, earliest date kept
    | render_feeds     the same renderer as a source's feed, with each entry's origin
    | write_if_changed

A collection is rendered for the run only when one of its sources wrote its files in
that run, or the collection's own files are missing: a run where nothing changed costs
nothing more. Its id names its files, so it may not be the id of a source.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from .model import Collection, Config, Origin, Site, Source, StoredEntry
from .render import feed_id, output_paths, render, source_feed
from .store import Store
from .window import collection_window, members
from .write import FeedWriter

log = logging.getLogger(__name__)


def as_source(collection: Collection, site: Site) -> Source:
    """The collection as the renderer sees a feed: its id, title and links."""
    return Source(
        id=collection.id,
        url=site.base_url,
        title=collection.title,
        home=site.base_url,
        max_entries=collection.max_entries,
        ttl=collection.ttl,
    )


def collection_names(collection: Collection, site: Site) -> tuple[str, ...]:
    """The names of the collection's files, one per output kind of the site."""
    return tuple(path.name for path in output_paths(Path(), collection.id, site.outputs))


def origins(
    sources: Iterable[Source], site: Site, entries: Sequence[StoredEntry], *, fallback: datetime
) -> dict[str, Origin]:
    """How each source is named in a collection's entries: title, feeds, id and date (the
    newest ``updated`` of its entries in the collection, so the bytes stay stable)."""
    newest: dict[str, datetime] = {}
    for entry in entries:
        newest[entry.source] = max(entry.updated, newest.get(entry.source, entry.updated))
    found = {}
    for source in sources:
        atom_url, rss_url = f"{site.base_url}{source.id}.atom", f"{site.base_url}{source.id}.rss"
        found[source.id] = Origin(
            title=source.title, url=rss_url, atom_url=atom_url, id=feed_id(source),
            updated=newest.get(source.id, fallback),
        )  # fmt: skip
    return found


def write_collections(
    config: Config,
    *,
    changed: Iterable[str],
    store: Store,
    now: datetime,
    out: FeedWriter,
) -> tuple[str, ...]:
    """Write the collections of ``config`` that ``changed`` sources (ids whose files were
    written) belong to, and any whose files are missing; the paths written."""
    touched = set(changed)
    written: list[str] = []
    for collection in config.collections:
        sources = members(collection, config.sources)
        missing = out.stamp(collection_names(collection, config.site)) is None
        if not missing and not touched.intersection(source.id for source in sources):
            continue
        written.extend(
            write_collection(collection, sources, site=config.site, store=store, now=now, out=out)
        )
    return tuple(written)


def write_collection(
    collection: Collection,
    sources: Sequence[Source],
    *,
    site: Site,
    store: Store,
    now: datetime,
    out: FeedWriter,
) -> tuple[str, ...]:
    """Render one collection from the store and write the files whose bytes differ."""
    entries = collection_window(store, collection, sources, now=now)
    states = store.source_states(source.id for source in sources)
    newest = [state.newest for state in states.values() if state.newest is not None]
    fallback = max(newest, default=now)  # an empty collection: dated by the store
    view = source_feed(
        as_source(collection, site), site, entries, fallback_updated=fallback,
        origins=origins(sources, site, entries, fallback=fallback),
    )  # fmt: skip
    files = render(view, site.outputs)
    written = tuple(
        out.where(name)
        for name, data in zip(collection_names(collection, site), files.values(), strict=True)
        if out.write(name, data, max_age=collection.ttl * 60)
    )
    if written:
        log.info("collection %s: %s written", collection.id, ", ".join(written))
    return written
