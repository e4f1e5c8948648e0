"""Records <-> rows (SQLite or PostgreSQL): every timestamp is stored as UTC ISO 8601 text."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from ..model import SourceState, StoredEntry


def to_ts(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store")
    return value.astimezone(UTC).isoformat(timespec="seconds")


def from_ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def chunks(values: Iterable[str]) -> Iterator[tuple[str, ...]]:
    """``values`` 500 at a time: SQLite limits the parameters of one statement."""
    items = tuple(values)
    for start in range(0, len(items), 500):
        yield items[start : start + 500]


def state_of(source_id: str, row: Any, stats: tuple[int, str | None] | None) -> SourceState:
    count, newest = stats or (0, None)
    if row is None:
        return SourceState(id=source_id, entries_stored=count, newest=from_ts(newest))
    return SourceState(
        id=source_id,
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_attempt=from_ts(row["last_attempt"]),
        last_success=from_ts(row["last_success"]),
        last_status=row["last_status"],
        failures=row["failures"],
        last_error=row["last_error"],
        error_kind=row["error_kind"],
        entries_seen=row["entries_seen"],
        layout_failures=row["layout_failures"],
        feed_digest=row["feed_digest"],
        worker=row["worker"],
        entries_stored=count,
        newest=from_ts(newest),
    )


def row_of(entry: StoredEntry) -> tuple[object, ...]:
    return (
        entry.source, entry.id, entry.title, entry.link, entry.summary, entry.category,
        to_ts(entry.published), to_ts(entry.updated), to_ts(entry.first_seen),
        to_ts(entry.last_seen), entry.fingerprint, entry.seq, entry.image, entry.raw_key,
        entry.author,
    )  # fmt: skip


def entry_of(row: Any) -> StoredEntry:
    return StoredEntry(
        source=row["source"],
        id=row["id"],
        title=row["title"],
        link=row["link"],
        summary=row["summary"],
        category=row["category"],
        published=datetime.fromisoformat(row["published"]),
        updated=datetime.fromisoformat(row["updated"]),
        first_seen=datetime.fromisoformat(row["first_seen"]),
        last_seen=datetime.fromisoformat(row["last_seen"]),
        fingerprint=row["fingerprint"],
        seq=row["seq"],
        image=row["image"],
        raw_key=row["raw_key"],
        content=row["content"],
        author=row["author"],
    )
