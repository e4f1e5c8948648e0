"""Decisions over data: what is new, what changed, whether a page looks broken. Pure."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from .model import Entry, StoredEntry

LAYOUT_CHANGED = "no entries found: the page layout may have changed"


@dataclass(frozen=True, slots=True, kw_only=True)
class MergePlan:
    """What storing one page's entries will do."""

    new: tuple[StoredEntry, ...]  # first seen now
    changed: tuple[StoredEntry, ...]  # content changed: ``updated`` moves to now
    refreshed: tuple[StoredEntry, ...]  # seen again; display-only edits (whitespace, scheme)
    seen: tuple[str, ...] = ()  # ids seen again exactly as stored: only last_seen moves

    @property
    def writes(self) -> tuple[StoredEntry, ...]:
        """The entries to write whole (``seen`` ones only need their last_seen moved)."""
        return self.new + self.changed + self.refreshed


def plan_merge(
    existing: Mapping[str, StoredEntry],
    incoming: Sequence[Entry],
    *,
    source_id: str,
    now: datetime,
    next_seq: int,
) -> MergePlan:
    """Compare the entries on the page with what the store has.

    ``published`` never moves once stored. ``updated`` moves only when the content
    fingerprint changes. New entries are numbered bottom of the page first, so that
    among equal dates the entry nearer the top sorts as newer.
    """
    now = stored_time(now)
    new: list[StoredEntry] = []
    changed: list[StoredEntry] = []
    refreshed: list[StoredEntry] = []
    seen: list[str] = []
    seq = next_seq
    for entry in reversed(incoming):
        old = existing.get(entry.id)
        if old is None:
            published = stored_time(entry.published) if entry.published else now
            new.append(
                StoredEntry(
                    source=source_id,
                    id=entry.id,
                    title=entry.title,
                    link=entry.link,
                    summary=entry.summary,
                    category=entry.category,
                    published=published,
                    updated=published,
                    first_seen=now,
                    last_seen=now,
                    fingerprint=entry.fingerprint,
                    seq=seq,
                    image=entry.image,
                    raw_key=entry.raw_key,
                    author=entry.author,
                )
            )
            seq += 1
            continue
        if _as_stored(entry, old):
            seen.append(old.id)
            continue
        shown = replace(
            old,
            title=entry.title,
            link=entry.link,
            summary=entry.summary,
            category=entry.category,
            image=entry.image,
            author=entry.author,
            fingerprint=entry.fingerprint,
            last_seen=now,
            raw_key=entry.raw_key,
        )
        if entry.fingerprint != old.fingerprint:
            # the article was of the old content: fetched again (store: content cleared)
            changed.append(replace(shown, updated=max(now, old.updated), content=None))
        else:
            refreshed.append(shown)
    new.reverse()
    seen.reverse()
    return MergePlan(
        new=tuple(new), changed=tuple(changed), refreshed=tuple(refreshed), seen=tuple(seen)
    )


def stored_time(value: datetime) -> datetime:
    """``value`` as the store keeps it: UTC, whole seconds."""
    return value.astimezone(UTC).replace(microsecond=0)


def feed_window(
    window: Sequence[StoredEntry],
    plan: MergePlan,
    *,
    limit: int,
    max_age_days: int | None,
    now: datetime,
) -> tuple[StoredEntry, ...]:
    """The feed after ``plan`` is stored, from the feed before it (``window``, as the
    store gave it): the newest ``limit`` entries, newest first, ties broken by page
    position, as :meth:`publisher.store.Store.feed_entries` would read them.

    Only written entries can join the window: an entry neither in it nor written kept
    its date, and the window only gained entries.
    """
    entries = {entry.id: entry for entry in window}
    entries.update((entry.id, entry) for entry in plan.writes)
    chosen = list(entries.values())
    if max_age_days is not None:
        cutoff = stored_time(now) - timedelta(days=max_age_days)
        chosen = [entry for entry in chosen if entry.published >= cutoff]
    ordered = sorted(chosen, key=lambda entry: (entry.published, entry.seq), reverse=True)
    return tuple(ordered[:limit])


def _as_stored(entry: Entry, old: StoredEntry) -> bool:
    """Whether ``entry`` is what the store holds already, all that a write would set."""
    return (
        entry.fingerprint == old.fingerprint
        and entry.title == old.title
        and entry.link == old.link
        and entry.summary == old.summary
        and entry.category == old.category
        and entry.image == old.image
        and entry.raw_key == old.raw_key
        and entry.author == old.author
    )


def layout_problem(found: int, usual: int | None, *, ratio: float) -> str | None:
    """Why ``found`` entries look like a broken page, given the ``usual`` count, or None.

    A source that had entries and now has none, or fewer than ``ratio`` of its usual
    count, probably changed its layout or served an error page: publishing that would
    empty the feed.
    """
    if not usual:
        return None
    if found == 0:
        return (
            f"{LAYOUT_CHANGED} (the last good run had {usual} entries); check the "
            "selectors, or whether the page is an error page. The feed was left as it was."
        )
    floor = math.ceil(usual * ratio)
    if found < floor:
        return (
            f"only {found} entries found where the last good run had {usual}: the page "
            "layout may have changed; check the selectors, or lower min_entries_ratio if "
            "the page really lists fewer now. The feed was left as it was."
        )
    return None
