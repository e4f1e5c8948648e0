"""The store's two engines behind one small surface: SQLite (a file, the default) and
PostgreSQL (a ``postgresql://`` URL, shared by several workers; ``publisher[scale]``).

The SQL lives in :mod:`publisher.store` and :mod:`publisher.store.schema`, written once
with ``?`` placeholders and the ``ON CONFLICT`` upserts both engines share. What differs
is here, and only here:

    placeholders        ?                         %s (translated once per statement)
    a write transaction BEGIN IMMEDIATE            BEGIN (+ an advisory lock to migrate)
    the schema version  PRAGMA user_version        the schema_version table

Each :meth:`Connection.execute` is one round trip to the engine; :attr:`round_trips`
counts them (the scale-out benchmark reports them per source).
"""

from __future__ import annotations

import functools
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from ..errors import StoreError

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
_MIGRATION_LOCK = 0x7075626C  # pg_advisory_xact_lock key: one migrating process at a time


def is_postgres(location: Path | str) -> bool:
    """Whether ``location`` (``site.state``) names a PostgreSQL database."""
    return isinstance(location, str) and location.startswith(POSTGRES_SCHEMES)


class Cursor(Protocol):
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What the store needs of an engine. Rows answer both ``row[0]`` and ``row["name"]``."""

    round_trips: int

    def execute(self, sql: str, params: Sequence[object] = ()) -> Cursor: ...
    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None: ...
    def transaction(self) -> AbstractContextManager[None]: ...
    def get_version(self) -> int: ...
    def set_version(self, version: int) -> None: ...
    def close(self) -> None: ...


class SqliteConnection:
    """A SQLite file in WAL mode, as the store always used it."""

    def __init__(self, path: Path | str, *, readonly: bool = False):
        self.round_trips = 0
        if readonly:  # a reader beside the writer (WAL): never a write, never a lock
            uri = f"{Path(path).resolve().as_uri()}?mode=ro"
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30)
            self._db.row_factory = sqlite3.Row
            return
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=30
        )
        self._db.row_factory = sqlite3.Row
        use_wal(self._db, timeout=30.0)
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")

    def execute(self, sql: str, params: Sequence[object] = ()) -> Cursor:
        self.round_trips += 1
        return self._db.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        self.round_trips += 1
        self._db.executemany(sql, rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.execute("ROLLBACK")
            raise
        self.execute("COMMIT")

    def get_version(self) -> int:
        return int(self.execute("PRAGMA user_version").fetchone()[0])

    def set_version(self, version: int) -> None:
        self.execute(f"PRAGMA user_version = {int(version)}")

    def close(self) -> None:
        self._db.close()


class _Row:
    """A PostgreSQL row read like :class:`sqlite3.Row`: by position or by column name."""

    __slots__ = ("_names", "_values")

    def __init__(self, names: dict[str, int], values: Sequence[Any]):
        self._names = names
        self._values = values

    def __getitem__(self, key: int | str) -> Any:
        return self._values[self._names[key] if isinstance(key, str) else key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _row_factory(cursor: Any) -> Any:
    names = {column.name: index for index, column in enumerate(cursor.description or ())}
    return lambda values: _Row(names, values)


@functools.lru_cache(maxsize=256)
def _pg_sql(sql: str) -> str:
    """The statement with PostgreSQL's placeholders (the store's SQL has no ``?`` or ``%``
    in its literals)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresConnection:
    """One psycopg 3 connection in autocommit mode; transactions are explicit."""

    def __init__(self, url: str):
        try:
            import psycopg
        except ImportError as exc:
            raise StoreError(
                f"site.state is a PostgreSQL URL but psycopg is not installed: "
                f"install publisher[scale] ({exc})"
            ) from exc
        self.round_trips = 0
        try:
            self._db = psycopg.connect(url, autocommit=True, row_factory=_row_factory)
        except psycopg.Error as exc:
            raise StoreError(
                f"{_safe(url)}: cannot connect to the state database: {exc}. Check "
                "site.state (postgresql://user:password@host:port/database) and that the "
                "server is up."
            ) from exc

    def execute(self, sql: str, params: Sequence[object] = ()) -> Cursor:
        self.round_trips += 1
        return self._db.execute(_pg_sql(sql), params)

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        self.round_trips += 1  # psycopg sends the batch as one pipeline
        with self._db.cursor() as cursor:
            cursor.executemany(_pg_sql(sql), list(rows))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._db.transaction():
            self.round_trips += 2  # BEGIN and COMMIT
            yield

    def get_version(self) -> int:
        self.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
        self.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = self.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def set_version(self, version: int) -> None:
        self.execute("DELETE FROM schema_version")
        self.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))

    def close(self) -> None:
        self._db.close()


def _safe(url: str) -> str:
    """``url`` without its password, for messages."""
    scheme, _, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}{at}{host}" if at else url


def open_connection(location: Path | str, *, readonly: bool = False) -> Connection:
    """The engine ``site.state`` names: a PostgreSQL URL, or else a SQLite file;
    ``readonly``: a SQLite file opened for reading only (PostgreSQL readers need nothing)."""
    if is_postgres(location):
        return PostgresConnection(str(location))
    return SqliteConnection(location, readonly=readonly)


def use_wal(db: sqlite3.Connection, *, timeout: float) -> None:
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
