"""The embedded state store: SQLite through the standard library.

It remembers every entry a source ever showed (first seen, last seen, content
fingerprint) and each source's last fetch (validators, outcome, failure count).
Writes for one source happen in one transaction. The schema version lives in
``PRAGMA user_version``; :data:`MIGRATIONS` upgrades older files in order.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .decide import MergePlan
from .errors import StoreError
from .faults import store_error
from .model import RobotsFile, StoredEntry

_V1 = """
        CREATE TABLE entries (
            source      TEXT NOT NULL,
            id          TEXT NOT NULL,
            title       TEXT NOT NULL,
            link        TEXT NOT NULL,
            summary     TEXT NOT NULL,
            category    TEXT,
            published   TEXT NOT NULL,
            updated     TEXT NOT NULL,
            first_seen  TEXT NOT NULL,
            last_seen   TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            seq         INTEGER NOT NULL,
            PRIMARY KEY (source, id)
        );
        CREATE INDEX entries_by_date ON entries (source, published DESC, seq DESC);
        CREATE TABLE sources (
            id             TEXT PRIMARY KEY,
            etag           TEXT,
            last_modified  TEXT,
            last_attempt   TEXT,
            last_success   TEXT,
            last_status    INTEGER,
            failures       INTEGER NOT NULL DEFAULT 0,
            last_error     TEXT,
            error_kind     TEXT,
            entries_seen   INTEGER
        );
"""

# The entry's picture, published as media:content for mail digests and readers.
_V2 = """
        ALTER TABLE entries ADD COLUMN image TEXT;
"""

# Consecutive runs that found no usable entries (layout / extract failures): the
# "broken" count. Fetch failures neither add to it nor reset it; a success resets it.
_V3 = """
        ALTER TABLE sources ADD COLUMN layout_failures INTEGER NOT NULL DEFAULT 0;
"""

# A digest of the feed files last written for the source; NULL while the store holds
# entries the files do not show yet (set NULL in the same transaction as the entries).
_V4 = """
        ALTER TABLE sources ADD COLUMN feed_digest TEXT;
"""

# Each host's robots.txt, so that runs a few minutes apart do not all ask for it again
# (kept for robots.ROBOTS_MAX_AGE). Only answers worth keeping: 2xx (rules) and 4xx (none).
_V5 = """
        CREATE TABLE robots (
            host        TEXT PRIMARY KEY,
            fetched_at  TEXT NOT NULL,
            status      INTEGER NOT NULL,
            body        TEXT NOT NULL DEFAULT ''
        );
"""

# What each entry was last made from (normalise.raw_key): an entry seen again exactly as
# it was is taken from the store instead of being normalised again.
_V6 = """
        ALTER TABLE entries ADD COLUMN raw_key TEXT;
        CREATE INDEX entries_by_raw_key ON entries (source, raw_key);
"""

# Each migration is the SQL that takes the schema from version i to i + 1.
# Append, never edit: stores in the field are at every one of these versions.
MIGRATIONS: tuple[str, ...] = (
    _V1,
    _V2,
    _V3,
    _V4,
    _V5,
    _V6,
)
SCHEMA_VERSION = len(MIGRATIONS)

# Failure kinds that mean "the page answered, but without usable entries".
LAYOUT_KINDS = frozenset({"layout", "extract"})


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceState:
    """What the store knows about one source's fetches."""

    id: str
    etag: str | None = None
    last_modified: str | None = None
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_status: int | None = None
    failures: int = 0
    last_error: str | None = None
    error_kind: str | None = None
    entries_seen: int | None = None
    layout_failures: int = 0  # consecutive runs without usable entries
    feed_digest: str | None = None  # stamp of the files last written; None: they are behind
    entries_stored: int = 0
    newest: datetime | None = None


def _ts(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store")
    return value.astimezone(UTC).isoformat(timespec="seconds")


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Store:
    """A state store on one SQLite file. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(path), isolation_level=None, check_same_thread=False, timeout=30
            )
            self._db.row_factory = sqlite3.Row
            _use_wal(self._db, timeout=30.0)
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._lock = threading.RLock()
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

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    # -- entries --------------------------------------------------------------------------

    def entries(self, source_id: str, ids: Iterable[str] | None = None) -> dict[str, StoredEntry]:
        """The stored entries of a source, by id (only ``ids`` when given)."""
        with self._lock:
            if ids is None:
                rows = self._db.execute("SELECT * FROM entries WHERE source = ?", (source_id,))
                return {row["id"]: _entry(row) for row in rows}
            query = "SELECT * FROM entries WHERE source = ? AND id IN ({marks})"
            wanted = self._rows_in(query, ids, before=(source_id,))
            return {row["id"]: _entry(row) for row in wanted}

    def entries_by_raw_key(self, source_id: str, keys: Iterable[str]) -> dict[str, StoredEntry]:
        """The stored entries of a source last made from one of these raw keys, by key."""
        query = "SELECT * FROM entries WHERE source = ? AND raw_key IN ({marks})"
        with self._lock:
            rows = self._rows_in(query, keys, before=(source_id,))
            return {row["raw_key"]: _entry(row) for row in rows}

    def _rows_in(
        self, query: str, values: Iterable[str], *, before: tuple[object, ...] = ()
    ) -> Iterator[sqlite3.Row]:
        """The rows of ``query``, whose ``IN ({marks})`` takes ``values`` (see :func:`_chunks`).
        Call it holding the lock."""
        for chunk in _chunks(dict.fromkeys(values)):
            yield from self._db.execute(
                query.format(marks=",".join("?" * len(chunk))), (*before, *chunk)
            )

    def next_seq(self, source_id: str) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM entries WHERE source = ?", (source_id,)
            ).fetchone()
        return int(row[0])

    def feed_entries(
        self, source_id: str, *, limit: int, max_age_days: int | None = None,
        now: datetime | None = None,
    ) -> tuple[StoredEntry, ...]:  # fmt: skip
        """The newest ``limit`` entries, newest first; ties broken by page position."""
        query = "SELECT * FROM entries WHERE source = ?"
        params: list[object] = [source_id]
        if max_age_days is not None and now is not None:
            query += " AND published >= ?"
            params.append(_ts(now - timedelta(days=max_age_days)))
        query += " ORDER BY published DESC, seq DESC LIMIT ?"
        params.append(limit)
        with self._lock:
            return tuple(_entry(row) for row in self._db.execute(query, params))

    # -- sources --------------------------------------------------------------------------

    def source_state(self, source_id: str) -> SourceState:
        return self.source_states((source_id,))[source_id]

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
        return {source_id: _state(source_id, rows.get(source_id), stats.get(source_id))
                for source_id in wanted}  # fmt: skip

    def source_ids(self) -> tuple[str, ...]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id FROM sources UNION SELECT DISTINCT source FROM entries ORDER BY 1"
            )
            return tuple(row[0] for row in rows)

    def commit_success(
        self,
        source_id: str,
        plan: MergePlan | None,
        *,
        now: datetime,
        status: int | None,
        etag: str | None,
        last_modified: str | None,
        entries_seen: int | None,
    ) -> None:
        """Store a page's entries and the source's success, in one transaction.

        ``plan`` is None for an unchanged page (HTTP 304): only the outcome is recorded.
        """
        with self._transaction() as db:
            if plan is not None:
                db.executemany(
                    """
                    INSERT INTO entries (source, id, title, link, summary, category,
                        published, updated, first_seen, last_seen, fingerprint, seq, image,
                        raw_key)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (source, id) DO UPDATE SET
                        title = excluded.title, link = excluded.link,
                        summary = excluded.summary, category = excluded.category,
                        updated = excluded.updated, last_seen = excluded.last_seen,
                        fingerprint = excluded.fingerprint, image = excluded.image,
                        raw_key = excluded.raw_key
                    """,
                    [_row(entry) for entry in plan.writes],
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
                (source_id, etag, last_modified, _ts(now), _ts(now), status, entries_seen),
            )
            if plan is not None and plan.seen:
                query = "UPDATE entries SET last_seen = ? WHERE source = ? AND id IN ({marks})"
                for chunk in _chunks(plan.seen):
                    marks = ",".join("?" * len(chunk))
                    db.execute(query.format(marks=marks), (_ts(now), source_id, *chunk))
            if plan is not None:  # the feed files are behind until record_published
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
                    raw_key)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (source, id) DO NOTHING
                """,
                [_row(entry) for entry in entries if entry.source == source_id],
            )
            return db.total_changes - before

    def record_not_modified(self, source_ids: Iterable[str], *, now: datetime) -> None:
        """Record that these sources answered HTTP 304 (a success), in one transaction.

        Unchanged pages are most of a run; one transaction for all of them, rather than
        one each, is most of the cost of a run where nothing changed.
        """
        stamp = _ts(now)
        with self._transaction() as db:
            db.executemany(
                """
                UPDATE sources SET last_attempt = ?, last_success = ?, last_status = 304,
                    failures = 0, last_error = NULL, error_kind = NULL, layout_failures = 0
                WHERE id = ?
                """,
                [(stamp, stamp, source_id) for source_id in source_ids],
            )

    def record_published(self, source_id: str, digest: str | None) -> None:
        """The feed files now show what the store holds; ``digest`` identifies them."""
        with self._transaction() as db:
            db.execute("UPDATE sources SET feed_digest = ? WHERE id = ?", (digest, source_id))

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
                (source_id, _ts(now), status, error, kind, int(kind in LAYOUT_KINDS)),
            )

    # -- robots.txt ----------------------------------------------------------------------

    def robots_files(self, *, since: datetime) -> tuple[RobotsFile, ...]:
        """The robots.txt files fetched at ``since`` or later."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM robots WHERE fetched_at >= ? ORDER BY host", (_ts(since),)
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
        rows = [(f.host, _ts(f.fetched_at), f.status, f.body) for f in files]
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


def _chunks(values: Iterable[str]) -> Iterator[tuple[str, ...]]:
    """``values`` 500 at a time: SQLite limits the parameters of one statement."""
    items = tuple(values)
    for start in range(0, len(items), 500):
        yield items[start : start + 500]


def _use_wal(db: sqlite3.Connection, *, timeout: float) -> None:
    """Switch the file to write-ahead logging, waiting for other connections up to
    ``timeout`` seconds.

    SQLite answers "database is locked" at once, without its busy timeout, when two
    connections switch an old (rollback-journal) file to WAL together, as a run and
    ``publisher status`` may do on a store from an older version.
    """
    deadline = time.monotonic() + timeout
    pause = 0.01
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def sql_statements(script: str) -> Iterator[str]:
    """The statements of an SQL script, one at a time (``execute`` takes only one)."""
    statement = ""
    pieces = script.split(";")
    for number, piece in enumerate(pieces):
        statement += piece if number == len(pieces) - 1 else piece + ";"
        if sqlite3.complete_statement(statement):
            if statement.strip(" \t\n;"):
                yield statement.strip()
            statement = ""
    if statement.strip(" \t\n;"):
        raise StoreError(f"incomplete SQL statement in a migration: {statement.strip()!r}")


def _state(
    source_id: str, row: sqlite3.Row | None, stats: tuple[int, str | None] | None
) -> SourceState:
    count, newest = stats or (0, None)
    if row is None:
        return SourceState(id=source_id, entries_stored=count, newest=_dt(newest))
    return SourceState(
        id=source_id,
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_attempt=_dt(row["last_attempt"]),
        last_success=_dt(row["last_success"]),
        last_status=row["last_status"],
        failures=row["failures"],
        last_error=row["last_error"],
        error_kind=row["error_kind"],
        entries_seen=row["entries_seen"],
        layout_failures=row["layout_failures"],
        feed_digest=row["feed_digest"],
        entries_stored=count,
        newest=_dt(newest),
    )


def _row(entry: StoredEntry) -> tuple[object, ...]:
    return (
        entry.source, entry.id, entry.title, entry.link, entry.summary, entry.category,
        _ts(entry.published), _ts(entry.updated), _ts(entry.first_seen), _ts(entry.last_seen),
        entry.fingerprint, entry.seq, entry.image, entry.raw_key,
    )  # fmt: skip


def _entry(row: sqlite3.Row) -> StoredEntry:
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
    )
