"""The store on PostgreSQL agrees with the store on SQLite (issue 18).

One hand-kept schema for both engines: the same tables, columns and types after every
migration, and the same answers for the same sequence of calls. The guarantees that
tests/test_store.py proves for SQLite are proved here again for PostgreSQL: first-seen
dates and ids never move, a failed transaction changes nothing, processes opening the
store together migrate it once, a newer schema is refused.

A real PostgreSQL server on loopback (tests/scale_servers.py), hence slow.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from publisher.decide import MergePlan
from publisher.errors import StoreError
from publisher.model import RobotsFile, StoredEntry
from publisher.store import SCHEMA_VERSION, Store

from .support import NOW
from .support.records import stored_entry

pytestmark = pytest.mark.slow


def stored(n: int, *, seq: int | None = None) -> StoredEntry:
    return stored_entry(
        n, source="newsroom", fingerprint=f"{n:032x}", seq=n if seq is None else seq
    )


def commit(store: Store, *entries: StoredEntry, now: datetime = NOW) -> None:
    store.commit_success(
        "newsroom", MergePlan(new=entries, changed=(), refreshed=()), now=now, status=200,
        etag='"v1"', last_modified="Thu, 26 Nov 2026 11:00:00 GMT", entries_seen=len(entries),
    )  # fmt: skip


def sqlite_schema(path: Path) -> dict[str, list[tuple[str, str]]]:
    db = sqlite3.connect(path)
    try:
        tables = [row[0] for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]  # fmt: skip
        return {
            table: sorted(
                (row[1], row[2].lower()) for row in db.execute(f"PRAGMA table_info({table})")
            )
            for table in tables
        }
    finally:
        db.close()


def postgres_schema(url: str) -> dict[str, list[tuple[str, str]]]:
    with psycopg.connect(url) as db:
        rows = db.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name <> 'schema_version'"
        ).fetchall()
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        found.setdefault(table, []).append((column, kind))
    return {table: sorted(columns) for table, columns in sorted(found.items())}


def test_both_engines_have_the_same_tables_columns_and_types(tmp_path: Path, pg_url: str):
    Store(tmp_path / "state.db").close()
    Store(pg_url).close()
    assert sqlite_schema(tmp_path / "state.db") == postgres_schema(pg_url)


def calls(store: Store) -> list[Any]:
    """A sequence of calls covering every method; what each answered."""
    answers: list[Any] = []
    first = [stored(n) for n in range(1, 6)]
    commit(store, *first)
    answers.append(store.entries("newsroom"))
    later = NOW + timedelta(hours=1)
    changed = dataclasses.replace(first[0], title="Changed", fingerprint="f" * 32, last_seen=later)
    store.commit_success(
        "newsroom", MergePlan(new=(stored(9, seq=9),), changed=(changed,), refreshed=(),
                              seen=(first[1].id,)),
        now=later, status=200, etag=None, last_modified=None, entries_seen=6,
    )  # fmt: skip
    answers.append(store.entries("newsroom", [first[0].id, first[1].id, "missing"]))
    answers.append(store.prior("newsroom", ["k1"], limit=3, max_age_days=2, now=later))
    answers.append(store.feed_entries("newsroom", limit=50))
    store.record_failure("newsroom", now=later, error="boom", kind="layout", status=200)
    store.record_failure("other", now=later, error="down", kind="fetch", status=503)
    answers.append(store.source_states(["newsroom", "other", "unknown"]))
    store.record_run(now=later, not_modified=["other"], published={"newsroom": "stamp"})
    answers.append(store.source_states(["newsroom", "other"]))
    answers.append(store.source_ids())
    store.save_full_text("newsroom", [(first[2].id, "<p>article</p>"), (first[3].id, None)])
    answers.append(store.full_text_tries("newsroom", [first[2].id, first[3].id]))
    answers.append(store.full_text_counts("newsroom"))
    robots = RobotsFile(host="http://127.0.0.1:80", fetched_at=NOW, status=200, body="x")
    store.save_robots_files([robots])
    store.save_robots_files([dataclasses.replace(robots, body="y", fetched_at=later)])
    answers.append(store.robots_files(since=NOW))
    return answers


def test_both_engines_answer_the_same_sequence_of_calls_alike(tmp_path: Path, pg_url: str):
    with Store(tmp_path / "state.db", worker="w1") as lite, Store(pg_url, worker="w1") as pg:
        assert calls(lite) == calls(pg)
        assert pg.source_states(["newsroom"])["newsroom"].worker == "w1"


def test_first_seen_and_seq_never_move_on_postgres(pg_url: str):
    with Store(pg_url) as store:
        entry = stored(1)
        commit(store, entry)
        moved = dataclasses.replace(
            entry, first_seen=NOW + timedelta(days=3), seq=99, published=NOW, title="New title"
        )
        commit(store, moved, now=NOW + timedelta(days=3))
        (kept,) = store.entries("newsroom").values()
    assert (kept.first_seen, kept.seq, kept.published, kept.title) == (
        entry.first_seen, entry.seq, entry.published, "New title",
    )  # fmt: skip


def test_a_failed_transaction_changes_nothing_on_postgres(pg_url: str):
    with Store(pg_url) as store:
        commit(store, stored(1))
        broken = dataclasses.replace(stored(2), title=None)  # type: ignore[arg-type]
        with pytest.raises(psycopg.errors.NotNullViolation):
            commit(store, stored(3), broken)
        assert list(store.entries("newsroom")) == [stored(1).id]
        assert store.source_states(["newsroom"])["newsroom"].entries_seen == 1


def test_processes_opening_a_new_database_together_migrate_it_once(pg_url: str):
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_store() -> None:
        try:
            start.wait(timeout=10)
            Store(pg_url).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    with psycopg.connect(pg_url) as db:
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]


def test_a_newer_database_is_refused(pg_url: str):
    Store(pg_url).close()
    with psycopg.connect(pg_url) as db:
        db.execute("UPDATE schema_version SET version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError, match="newer than this publisher understands"):
        Store(pg_url)


def test_an_unreachable_database_is_named_without_its_password():
    with pytest.raises(StoreError, match=r"postgresql://me@127\.0\.0\.1:1/db: cannot connect"):
        Store("postgresql://me:secret@127.0.0.1:1/db")
