"""Rebuild a source's history in the store from its published Atom file.

    read_feed       <id>.atom -> StoredEntry records (ids, dates, content as published)
    restore         the entries of the feed file the store does not hold, added to it
    restore_lost    before a run: every source whose store holds nothing while its feed
                    file exists gets its history back first, or fails with a message

A lost, truncated or replaced state store must never shrink a feed: merged into an empty
store, a page showing 10 of the 35 entries of a feed would rewrite the feed with 10,
re-dating the undated ones. The Atom file holds what a rebuild needs: each entry's id,
``published`` and ``updated``, title, link, summary, category and picture.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

from lxml import etree

from .errors import StoreLostError
from .model import Source, SourceState, StoredEntry
from .normalise import fingerprint
from .store import Store

log = logging.getLogger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"
MAX_FEED_BYTES = 64 * 1024 * 1024


def read_feed(path: Path, source_id: str) -> tuple[StoredEntry, ...]:
    """The entries of the Atom file at ``path``, newest first as published.

    :class:`StoreLostError` when the file cannot be read or is not an Atom feed.
    """
    try:
        if path.stat().st_size > MAX_FEED_BYTES:
            raise StoreLostError(f"{path}: the feed file is too large to rebuild from")
        data = path.read_bytes()
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        root = etree.fromstring(data, parser)
    except (OSError, etree.XMLSyntaxError, ValueError) as exc:
        raise StoreLostError(
            f"{path}: cannot read the feed file to rebuild the store's history ({exc}); "
            "restore it from a backup and run `publisher repair`, or remove it to start "
            "the feed again from the page"
        ) from exc
    if root.tag != f"{ATOM}feed":
        raise StoreLostError(f"{path}: not an Atom feed; restore it, or remove it")
    items = root.findall(f"{ATOM}entry")
    return tuple(_entry(item, source_id, seq=len(items) - n) for n, item in enumerate(items))


def _entry(item: etree._Element, source_id: str, *, seq: int) -> StoredEntry:
    def text(tag: str) -> str:
        return (item.findtext(f"{ATOM}{tag}") or "").strip()

    link = item.find(f"{ATOM}link")
    category = item.find(f"{ATOM}category")
    image = item.find(f"{MEDIA}content")
    title = text("title")
    href = link.get("href", "") if link is not None else ""
    summary = text("summary") or text("content")
    if summary == html.escape(title, quote=False):
        summary = ""  # the renderer's stand-in for an entry without a summary
    term = category.get("term") if category is not None else None
    updated = _date(text("updated"))
    if updated.microsecond:  # render.view.shown_updated: the stored time plus seq in us
        seq, updated = updated.microsecond, updated.replace(microsecond=0)
    published = _date(text("published")) if text("published") else updated
    author = (item.findtext(f"{ATOM}author/{ATOM}name") or "").strip() or None
    return StoredEntry(
        source=source_id, id=text("id"), title=title, link=href, summary=summary,
        category=term, published=published, updated=updated,
        first_seen=min(published, updated), last_seen=updated,
        fingerprint=fingerprint(title=title, summary=summary, category=term, link=href),
        seq=seq, image=image.get("url") if image is not None else None, author=author,
    )  # fmt: skip


def _date(value: str) -> datetime:
    try:
        when = datetime.fromisoformat(value)
    except ValueError as exc:
        raise StoreLostError(f"a feed entry has an unreadable date {value[:40]!r}") from exc
    if when.tzinfo is None:
        raise StoreLostError(f"a feed entry has a date without a timezone {value[:40]!r}")
    return when


def restore(store: Store, source: Source, out_dir: Path) -> int:
    """Add the entries of the source's Atom file that the store lacks; how many."""
    path = out_dir / f"{source.id}.atom"
    if not path.is_file():  # none yet; a folder in the way is reported when writing
        return 0
    entries = [entry for entry in read_feed(path, source.id) if entry.id]
    return store.restore_entries(source.id, entries)


def restore_lost(
    sources: Iterable[Source], states: Mapping[str, SourceState], *, store: Store, out_dir: Path
) -> dict[str, Exception]:
    """Before a run: rebuild every source whose store is empty while its feed file exists.

    Returns the sources that could not be rebuilt, with their error: they must not run.
    """
    failed: dict[str, Exception] = {}
    for source in sources:
        if states[source.id].entries_stored:
            continue
        try:
            added = restore(store, source, out_dir)
        except StoreLostError as exc:
            failed[source.id] = exc
            continue
        if added:
            log.warning(
                "%s: the state store had no entries while its feed file shows %d: rebuilt "
                "the history from the feed file (was the store lost or replaced?)",
                source.id,
                added,
            )
    return failed
