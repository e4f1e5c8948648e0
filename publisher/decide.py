"""Decisions over data: what is new, what changed, whether a page looks broken. Pure."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from .model import Entry, StoredEntry

LAYOUT_CHANGED = "no entries found: the page layout may have changed"


@dataclass(frozen=True, slots=True, kw_only=True)
class MergePlan:
    """What storing one page's entries will do."""

    new: tuple[StoredEntry, ...]  # first seen now
    changed: tuple[StoredEntry, ...]  # content changed: ``updated`` moves to now
    refreshed: tuple[StoredEntry, ...]  # seen again; display-only edits (whitespace, scheme)

    @property
    def writes(self) -> tuple[StoredEntry, ...]:
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
    new: list[StoredEntry] = []
    changed: list[StoredEntry] = []
    refreshed: list[StoredEntry] = []
    seq = next_seq
    for entry in reversed(incoming):
        old = existing.get(entry.id)
        if old is None:
            published = entry.published or now
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
                )
            )
            seq += 1
            continue
        shown = replace(
            old,
            title=entry.title,
            link=entry.link,
            summary=entry.summary,
            category=entry.category,
            image=entry.image,
            fingerprint=entry.fingerprint,
            last_seen=now,
            raw_key=entry.raw_key,
        )
        if entry.fingerprint != old.fingerprint:
            changed.append(replace(shown, updated=max(now, old.updated)))
        else:
            refreshed.append(shown)
    new.reverse()
    return MergePlan(new=tuple(new), changed=tuple(changed), refreshed=tuple(refreshed))


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
