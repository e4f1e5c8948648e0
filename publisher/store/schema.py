"""The store's schema: migrations in order, the same for SQLite and PostgreSQL.

The schema version lives in ``PRAGMA user_version`` (SQLite) or the ``schema_version``
table (PostgreSQL), see :mod:`publisher.store.connection`; :data:`MIGRATIONS` upgrades
older stores in order. Only types both engines read alike: TEXT (timestamps as UTC ISO
8601) and INTEGER.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from ..errors import StoreError

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

# The article of each entry (full_text: publisher.fulltext): its sanitised HTML, and how
# many fetches of it failed (retried up to fulltext.MAX_TRIES). Both are cleared when the
# entry's content changes (commit_success), so a changed entry is fetched again.
_V7 = """
        ALTER TABLE entries ADD COLUMN content TEXT;
        ALTER TABLE entries ADD COLUMN content_tries INTEGER NOT NULL DEFAULT 0;
"""

# The entry's own author (select.author), shown as Atom <author> and RSS dc:creator.
_V8 = """
        ALTER TABLE entries ADD COLUMN author TEXT;
"""

# Scale-out (publisher worker): which worker last ran each source, shown by `publisher
# status`; and each host's next allowed request time, shared by every worker
# (publisher.sharedhosts; a single process keeps it in memory and leaves this empty).
_V9 = """
        ALTER TABLE sources ADD COLUMN worker TEXT;
        CREATE TABLE host_slots (
            host        TEXT PRIMARY KEY,
            not_before  TEXT NOT NULL
        );
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
    _V7,
    _V8,
    _V9,
)
SCHEMA_VERSION = len(MIGRATIONS)


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
