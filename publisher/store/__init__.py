"""The state store: SQLite through the standard library, or PostgreSQL (site.state a
``postgresql://`` URL, see :mod:`publisher.store.connection`), with the same SQL.

It remembers every entry a source ever showed (first seen, last seen, content
fingerprint) and each source's last fetch (validators, outcome, failure count).

    schema      migrations, the same for both engines
    connection  what differs between the engines (placeholders, BEGIN, schema version)
    rows        records <-> rows
    side        articles (full text) and robots.txt files, beside the entries

A page is read with one call (:meth:`Store.prior`) and written in one transaction
(:meth:`Store.commit_success`); what a run learnt of its unchanged pages and of the feed
files it wrote is recorded in one more transaction at its end (:meth:`Store.record_run`).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..decide import MergePlan
from ..errors import StoreError
from ..faults import store_error
from ..model import SourceState, StoredEntry
from .connection import Connection, open_connection
from .rows import chunks, entry_of, row_of, state_of, to_ts
from .schema import MIGRATIONS, SCHEMA_VERSION, sql_statements
from .side import SideTables

# Failure kinds that mean "the page answered, but without usable entries".
LAYOUT_KINDS = frozenset({"layout", "extract"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Prior:
    """What the store holds for one source before its page is merged (see Store.prior)."""

    known: Mapping[str, StoredEntry]  # by raw key: entries seen before exactly as now
    window: tuple[StoredEntry, ...]  # the feed as it stands, newest first
    next_seq: int


class Store(SideTables):
    """A state store on a SQLite file or a PostgreSQL database. Use as a context manager,
    or call :meth:`close`."""

    def __init__(self, path: Path | str, *, worker: str | None = None, readonly: bool = False):
        """``path``: a SQLite file, or a ``postgresql://`` URL. ``worker``: the name
        recorded against each source this store records a run of (``publisher worker``).
        ``readonly``: only read an existing store (a worker process of the run's pool,
        beside the run's one writer): no migration, no write."""
        self.path = path if isinstance(path, str) and "://" in path else Path(path)
        self.worker = worker
        self._lock = threading.RLock()
        try:
            self._db: Connection = open_connection(path, readonly=readonly)
        except (sqlite3.DatabaseError, OSError) as exc:
            raise store_error(path, exc) from exc
        if readonly:
            return
        try:
            self._migrate()
        except BaseException as exc:
            self._db.close()
            if isinstance(exc, sqlite3.DatabaseError | OSError):
                raise store_error(path, exc) from exc
            raise

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    @property
    def round_trips(self) -> int:
        """Statements sent to the engine so far (each one round trip)."""
        return self._db.round_trips

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self._lock, self._db.transaction():
            yield self._db

    def _migrate(self) -> None:
        """Apply the missing migrations in one transaction.

        The version is read again inside the transaction, so two processes opening an old
        store at once migrate it once.
        """
        with self._transaction() as db:
            version = db.get_version()
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: the state store has schema version {version}, newer than "
                    f"this publisher understands ({SCHEMA_VERSION}); upgrade publisher"
                )
            for number in range(version, SCHEMA_VERSION):
                for statement in sql_statements(MIGRATIONS[number]):
                    db.execute(statement)
                db.set_version(number + 1)

    # -- entries --------------------------------------------------------------------------

    def entries(self, source_id: str, ids: Iterable[str] | None = None) -> dict[str, StoredEntry]:
        """The stored entries of a source, by id (only ``ids`` when given)."""
        with self._lock:
            if ids is None:
                rows = self._db.execute("SELECT * FROM entries WHERE source = ?", (source_id,))
                return {row["id"]: entry_of(row) for row in rows}
            query = "SELECT * FROM entries WHERE source = ? AND id IN ({marks})"
            wanted = self._rows_in(query, ids, before=(source_id,))
            return {row["id"]: entry_of(row) for row in wanted}

    def _rows_in(
        self, query: str, values: Iterable[str], *, before: tuple[object, ...] = ()
    ) -> Iterator[Any]:
        """The rows of ``query``, whose ``IN ({marks})`` takes ``values`` (see :func:`chunks`).
        Call it holding the lock."""
        for chunk in chunks(dict.fromkeys(values)):
            yield from self._db.execute(
                query.format(marks=",".join("?" * len(chunk))), (*before, *chunk)
            )

    def prior(
        self, source_id: str, raw_keys: Iterable[str], *, limit: int,
        max_age_days: int | None, now: datetime,
    ) -> Prior:  # fmt: skip
        """All a page's decision needs from the store, in one read.

        The entries last made from one of ``raw_keys``, the feed as it stands (as
        :meth:`feed_entries`) and the next insertion number.
        """
        with self._lock:
            query = "SELECT * FROM entries WHERE source = ? AND raw_key IN ({marks})"
            known = {row["raw_key"]: entry_of(row)
                     for row in self._rows_in(query, raw_keys, before=(source_id,))}  # fmt: skip
            window = self.feed_entries(source_id, limit=limit, max_age_days=max_age_days, now=now)
            row = self._db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM entries WHERE source = ?", (source_id,)
            ).fetchone()
        return Prior(known=known, window=window, next_seq=int(row[0]))

    def feed_entries(
        self, source_id: str, *, limit: int, max_age_days: int | None = None,
        now: datetime | None = None,
    ) -> tuple[StoredEntry, ...]:  # fmt: skip
        """The newest ``limit`` entries, newest first; ties broken by page position."""
        query = "SELECT * FROM entries WHERE source = ?"
        params: list[object] = [source_id]
        if max_age_days is not None and now is not None:
            query += " AND published >= ?"
            params.append(to_ts(now - timedelta(days=max_age_days)))
        query += " ORDER BY published DESC, seq DESC LIMIT ?"
        params.append(limit)
        with self._lock:
            return tuple(entry_of(row) for row in self._db.execute(query, params))

    def entries_first_seen(
        self, source_id: str, *, since: datetime, before: datetime
    ) -> tuple[StoredEntry, ...]:
        """The entries first seen in ``[since, before)``, oldest first (for digests)."""
        query = (
            "SELECT * FROM entries WHERE source = ? AND first_seen >= ? AND first_seen < ? "
            "ORDER BY first_seen, seq"
        )
        with self._lock:
            rows = self._db.execute(query, (source_id, to_ts(since), to_ts(before)))
            return tuple(entry_of(row) for row in rows)

    # -- sources --------------------------------------------------------------------------

    def source_states(self, source_ids: Iterable[str]) -> dict[str, SourceState]:
        """What the store knows about each of these sources, by id, in a few queries."""
        wanted = list(dict.fromkeys(source_ids))
        with self._lock:
            rows = {
                row["id"]: row
                for row in self._rows_in("SELECT * FROM sources WHERE id IN ({marks})", wanted)
            }
            query = (
                "SELECT source, COUNT(*), MAX(published) FROM entries "
                "WHERE source IN ({marks}) GROUP BY source"
            )
            stats = {
                source: (count, newest) for source, count, newest in self._rows_in(query, wanted)
            }
        return {source_id: state_of(source_id, rows.get(source_id), stats.get(source_id))
                for source_id in wanted}  # fmt: skip

    def source_ids(self) -> tuple[str, ...]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id FROM sources UNION SELECT DISTINCT source FROM entries ORDER BY 1"
            )
            return tuple(row[0] for row in rows)

    def commit_success(
        self, source_id: str, plan: MergePlan | None, *, now: datetime, status: int | None,
        etag: str | None, last_modified: str | None, entries_seen: int | None,
    ) -> None:  # fmt: skip
        """Store a page's entries and the source's success, in one transaction.

        ``plan`` is None for an unchanged page (HTTP 304): only the outcome is recorded.
        """
        stamp = to_ts(now)
        with self._transaction() as db:
            if plan is not None:
                db.executemany(
                    """
                    INSERT INTO entries (source, id, title, link, summary, category,
                        published, updated, first_seen, last_seen, fingerprint, seq, image,
                        raw_key, author)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (source, id) DO UPDATE SET
                        title = excluded.title, link = excluded.link,
                        summary = excluded.summary, category = excluded.category,
                        updated = excluded.updated, last_seen = excluded.last_seen,
                        fingerprint = excluded.fingerprint, image = excluded.image,
                        raw_key = excluded.raw_key, author = excluded.author,
                        content = CASE WHEN entries.fingerprint = excluded.fingerprint
                            THEN entries.content END,
                        content_tries = CASE WHEN entries.fingerprint = excluded.fingerprint
                            THEN entries.content_tries ELSE 0 END
                    """,
                    [row_of(entry) for entry in plan.writes],
                )
            db.execute(
                """
                INSERT INTO sources (id, etag, last_modified, last_attempt, last_success,
                    last_status, failures, last_error, error_kind, entries_seen, worker)
                VALUES (?, ?, ?, ?, ?, ?, 0, NULL, NULL, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    etag = excluded.etag, last_modified = excluded.last_modified,
                    last_attempt = excluded.last_attempt, last_success = excluded.last_success,
                    last_status = excluded.last_status, failures = 0, last_error = NULL,
                    error_kind = NULL, layout_failures = 0,
                    entries_seen = COALESCE(excluded.entries_seen, sources.entries_seen),
                    worker = excluded.worker
                """,
                (source_id, etag, last_modified, stamp, stamp, status, entries_seen, self.worker),
            )
            if plan is not None and plan.seen:
                query = "UPDATE entries SET last_seen = ? WHERE source = ? AND id IN ({marks})"
                for chunk in chunks(plan.seen):
                    marks = ",".join("?" * len(chunk))
                    db.execute(query.format(marks=marks), (to_ts(now), source_id, *chunk))
            if plan is not None:  # the feed files are behind until record_run
                db.execute("UPDATE sources SET feed_digest = NULL WHERE id = ?", (source_id,))

    def restore_entries(self, source_id: str, entries: Iterable[StoredEntry]) -> int:
        """Add entries rebuilt from a feed file (:mod:`publisher.repair`); those the store
        already holds are kept as they are. How many were added."""
        with self._transaction() as db:
            count = "SELECT COUNT(*) FROM entries WHERE source = ?"
            before = int(db.execute(count, (source_id,)).fetchone()[0])
            db.executemany(
                """
                INSERT INTO entries (source, id, title, link, summary, category,
                    published, updated, first_seen, last_seen, fingerprint, seq, image,
                    raw_key, author)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (source, id) DO NOTHING
                """,
                [row_of(entry) for entry in entries if entry.source == source_id],
            )
            return int(db.execute(count, (source_id,)).fetchone()[0]) - before

    def record_run(
        self,
        *,
        now: datetime,
        not_modified: Iterable[str] = (),
        published: Mapping[str, str | None] | None = None,
    ) -> None:
        """What a run learnt besides its changed pages, in one transaction: the sources
        that answered HTTP 304 (a success), and the stamp of the feed files written for
        each source in ``published`` (the files now show what the store holds).

        Unchanged pages are most of a run; one transaction for all of them, rather than
        one each, is most of the cost of a run where nothing changed.
        """
        stamp = to_ts(now)
        unchanged = [(stamp, stamp, self.worker, source_id) for source_id in not_modified]
        stamps = [(digest, source_id) for source_id, digest in (published or {}).items()]
        if not (unchanged or stamps):
            return
        with self._transaction() as db:
            db.executemany(
                """
                UPDATE sources SET last_attempt = ?, last_success = ?, last_status = 304,
                    failures = 0, last_error = NULL, error_kind = NULL, layout_failures = 0,
                    worker = ?
                WHERE id = ?
                """,
                unchanged,
            )
            db.executemany("UPDATE sources SET feed_digest = ? WHERE id = ?", stamps)

    def record_failure(
        self, source_id: str, *, now: datetime, error: str, kind: str, status: int | None = None
    ) -> None:
        """Count one more consecutive failure; entries and validators stay as they were.

        A failure of a kind in :data:`LAYOUT_KINDS` (the page had no usable entries) also
        counts towards ``layout_failures``; other kinds leave that count alone.
        """
        layout = int(kind in LAYOUT_KINDS)
        with self._transaction() as db:
            db.execute(
                """
                INSERT INTO sources (id, last_attempt, last_status, failures, last_error,
                    error_kind, layout_failures, worker)
                VALUES (?, ?, ?, 1, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    last_attempt = excluded.last_attempt, last_status = excluded.last_status,
                    failures = sources.failures + 1, last_error = excluded.last_error,
                    error_kind = excluded.error_kind,
                    layout_failures = sources.layout_failures + excluded.layout_failures,
                    worker = excluded.worker
                """,
                (source_id, to_ts(now), status, error, kind, layout, self.worker),
            )
