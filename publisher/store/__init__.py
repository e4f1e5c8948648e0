"""The embedded state store: SQLite through the standard library.

It remembers every entry a source ever showed (first seen, last seen, content
fingerprint) and each source's last fetch (validators, outcome, failure count).

    schema   migrations (PRAGMA user_version) and connection set-up
    rows     records <-> rows

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

from ..decide import MergePlan
from ..errors import StoreError
from ..faults import store_error
from ..model import RobotsFile, SourceState, StoredEntry
from .rows import chunks, entry_of, row_of, state_of, to_ts
from .schema import MIGRATIONS, SCHEMA_VERSION, sql_statements, use_wal

# Failure kinds that mean "the page answered, but without usable entries".
LAYOUT_KINDS = frozenset({"layout", "extract"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Prior:
    """What the store holds for one source before its page is merged (see Store.prior)."""

    known: Mapping[str, StoredEntry]  # by raw key: entries seen before exactly as now
    window: tuple[StoredEntry, ...]  # the feed as it stands, newest first
    next_seq: int


class Store:
    """A state store on one SQLite file. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: Path | str, *, readonly: bool = False):
        """``readonly``: only read an existing store (a worker process of the run's pool,
        beside the run's one writer): no migration, no write."""
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            if readonly:
                self._db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                           check_same_thread=False, timeout=30)  # fmt: skip
                self._db.row_factory = sqlite3.Row
                return
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(path), isolation_level=None, check_same_thread=False, timeout=30
            )
            self._db.row_factory = sqlite3.Row
            use_wal(self._db, timeout=30.0)
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except (sqlite3.DatabaseError, OSError) as exc:
            raise store_error(path, exc) from exc

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")

    def _migrate(self) -> None:
        """Apply the missing migrations in one transaction.

        The version is read again inside the transaction, so two processes opening an old
        store at once migrate it once.
        """
        with self._transaction() as db:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: the state store has schema version {version}, newer than "
                    f"this publisher understands ({SCHEMA_VERSION}); upgrade publisher"
                )
            for number in range(version, SCHEMA_VERSION):
                for statement in sql_statements(MIGRATIONS[number]):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")

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
    ) -> Iterator[sqlite3.Row]:
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
                    last_status, failures, last_error, error_kind, entries_seen)
                VALUES (?, ?, ?, ?, ?, ?, 0, NULL, NULL, ?)
                ON CONFLICT (id) DO UPDATE SET
                    etag = excluded.etag, last_modified = excluded.last_modified,
                    last_attempt = excluded.last_attempt, last_success = excluded.last_success,
                    last_status = excluded.last_status, failures = 0, last_error = NULL,
                    error_kind = NULL, layout_failures = 0,
                    entries_seen = COALESCE(excluded.entries_seen, sources.entries_seen)
                """,
                (source_id, etag, last_modified, to_ts(now), to_ts(now), status, entries_seen),
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
            before = db.total_changes
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
            return db.total_changes - before

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
        unchanged = [(stamp, stamp, source_id) for source_id in not_modified]
        stamps = [(digest, source_id) for source_id, digest in (published or {}).items()]
        if not (unchanged or stamps):
            return
        with self._transaction() as db:
            db.executemany(
                """
                UPDATE sources SET last_attempt = ?, last_success = ?, last_status = 304,
                    failures = 0, last_error = NULL, error_kind = NULL, layout_failures = 0
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
        with self._transaction() as db:
            db.execute(
                """
                INSERT INTO sources (id, last_attempt, last_status, failures, last_error,
                    error_kind, layout_failures)
                VALUES (?, ?, ?, 1, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    last_attempt = excluded.last_attempt, last_status = excluded.last_status,
                    failures = sources.failures + 1, last_error = excluded.last_error,
                    error_kind = excluded.error_kind,
                    layout_failures = sources.layout_failures + excluded.layout_failures
                """,
                (source_id, to_ts(now), status, error, kind, int(kind in LAYOUT_KINDS)),
            )

    # -- full text (publisher.fulltext) ---------------------------------------------------

    def save_full_text(self, source_id: str, results: Iterable[tuple[str, str | None]]) -> None:
        """Store fetched articles, ``(entry id, html)``; ``None`` counts a failed try.

        The feed files are behind the store afterwards, until :meth:`record_run`.
        """
        rows = list(results)
        if not rows:
            return
        with self._transaction() as db:
            db.executemany(
                "UPDATE entries SET content = ?, content_tries = content_tries + 1 "
                "WHERE source = ? AND id = ?",
                [(content, source_id, entry_id) for entry_id, content in rows],
            )
            if any(content is not None for _, content in rows):
                db.execute("UPDATE sources SET feed_digest = NULL WHERE id = ?", (source_id,))

    def full_text_tries(self, source_id: str, ids: Iterable[str]) -> dict[str, int]:
        """How many fetches of these entries' articles failed so far, by id."""
        query = "SELECT id, content_tries FROM entries WHERE source = ? AND id IN ({marks})"
        with self._lock:
            return {row[0]: row[1] for row in self._rows_in(query, ids, before=(source_id,))}

    def full_text_counts(self, source_id: str) -> tuple[int, int]:
        """``(entries with their article, entries whose fetch failed and gave up or waits)``."""
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(content), COUNT(*) FILTER (WHERE content IS NULL AND "
                "content_tries > 0) FROM entries WHERE source = ?",
                (source_id,),
            ).fetchone()
        return int(row[0]), int(row[1])

    # -- robots.txt ----------------------------------------------------------------------

    def robots_files(self, *, since: datetime) -> tuple[RobotsFile, ...]:
        """The robots.txt files fetched at ``since`` or later."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM robots WHERE fetched_at >= ? ORDER BY host", (to_ts(since),)
            ).fetchall()
        return tuple(
            RobotsFile(
                host=row["host"],
                fetched_at=datetime.fromisoformat(row["fetched_at"]),
                status=row["status"],
                body=row["body"],
            )
            for row in rows
        )

    def save_robots_files(self, files: Iterable[RobotsFile]) -> None:
        """Keep these robots.txt files (one per host: a newer one replaces the older)."""
        rows = [(f.host, to_ts(f.fetched_at), f.status, f.body) for f in files]
        if not rows:
            return
        with self._transaction() as db:
            db.executemany(
                """
                INSERT INTO robots (host, fetched_at, status, body) VALUES (?, ?, ?, ?)
                ON CONFLICT (host) DO UPDATE SET fetched_at = excluded.fetched_at,
                    status = excluded.status, body = excluded.body
                """,
                rows,
            )
