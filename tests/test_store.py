"""The state store on a temporary SQLite file: migrations, merges, history, failures.

- Migrations are tested from every older schema version: a file is built at version k
  by applying ``MIGRATIONS[:k]``, filled with rows, then opened with :class:`Store`.
- ``published``, ``first_seen`` and ``seq`` never move once stored.
- Retention: the feed holds the newest ``max_entries`` (default 50) and optionally only
  entries younger than ``max_age_days``; the rows stay (tombstones), so an entry that
  leaves the page, or the feed, is never new again.
- Failures count per source; layout failures count separately, for "broken".
"""

from __future__ import annotations

import sqlite3
import textwrap
import threading
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from publisher.config import load_config
from publisher.decide import MergePlan
from publisher.errors import StoreError
from publisher.fetch import make_session
from publisher.model import StoredEntry
from publisher.pipeline import run_once
from publisher.store import MIGRATIONS, SCHEMA_VERSION, Store, sql_statements

from .support import NOW


def stored(n: int, *, published: datetime | None = None, seq: int | None = None) -> StoredEntry:
    when = published or NOW - timedelta(days=n)
    return StoredEntry(
        source="newsroom",
        id=f"urn:uuid:00000000-0000-0000-0000-{n:012d}",
        title=f"Entry {n}",
        link=f"https://example.org/news/{n}/",
        summary=f"<p>Summary {n}</p>",
        category="Report",
        published=when,
        updated=when,
        first_seen=NOW,
        last_seen=NOW,
        fingerprint=f"{n:032x}",
        seq=seq if seq is not None else n,
    )


def commit(store: Store, *entries: StoredEntry, now: datetime = NOW) -> None:
    store.commit_success(
        "newsroom", MergePlan(new=entries, changed=(), refreshed=()), now=now, status=200,
        etag='"v1"', last_modified="Thu, 26 Nov 2026 11:00:00 GMT", entries_seen=len(entries),
    )  # fmt: skip


# -- migrations ----------------------------------------------------------------------------------

# A value for every column any version has had. A migration that adds a NOT NULL column
# without a default must add a sample here, or the test below says so.
SAMPLE = {
    "entries": {
        "source": "newsroom",
        "id": "urn:uuid:11111111-2222-3333-4444-555555555555",
        "title": "Court halts harbour evictions",
        "link": "https://example.org/news/harbour/",
        "summary": "<p>The court ordered a stop.</p>",
        "category": "Press Release",
        "published": "2026-10-14T00:00:00+00:00",
        "updated": "2026-10-15T09:30:00+00:00",
        "first_seen": "2026-10-14T12:00:00+00:00",
        "last_seen": "2026-11-20T12:00:00+00:00",
        "fingerprint": "0123456789abcdef0123456789abcdef",
        "seq": 7,
    },
    "sources": {
        "id": "newsroom",
        "etag": '"abc"',
        "last_modified": "Fri, 20 Nov 2026 12:00:00 GMT",
        "last_attempt": "2026-11-20T12:00:00+00:00",
        "last_success": "2026-11-20T12:00:00+00:00",
        "last_status": 200,
        "failures": 0,
        "last_error": None,
        "error_kind": None,
        "entries_seen": 5,
    },
}


def build_store_at(path: Path, version: int) -> None:
    """A store file as publisher at schema ``version`` left it, with one row per table."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("BEGIN")
        for script in MIGRATIONS[:version]:
            for statement in sql_statements(script):
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {version}")
        for table, sample in SAMPLE.items():
            columns = db.execute(f"PRAGMA table_info({table})").fetchall()
            if not columns:
                continue
            names = [column[1] for column in columns]
            missing = [
                c[1] for c in columns if c[1] not in sample and c[3] and c[4] is None
            ]  # notnull without a default
            assert not missing, f"add a sample value for {table}.{missing} to SAMPLE"
            present = [name for name in names if name in sample]
            marks = ",".join("?" * len(present))
            db.execute(
                f"INSERT INTO {table} ({','.join(present)}) VALUES ({marks})",
                [sample[name] for name in present],
            )
        db.execute("COMMIT")
    finally:
        db.close()


def user_version(path: Path) -> int:
    """The schema version a store file says it has (SQLite's ``user_version``)."""
    with sqlite3.connect(path) as db:
        return int(db.execute("PRAGMA user_version").fetchone()[0])


def schema(path: Path) -> dict[str, list[tuple[object, ...]]]:
    db = sqlite3.connect(path)
    try:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        found = {table: db.execute(f"PRAGMA table_info({table})").fetchall() for table in tables}
        indexes = db.execute(
            "SELECT name, tbl_name FROM sqlite_master WHERE type='index' AND sql IS NOT NULL"
        ).fetchall()
        found["<indexes>"] = sorted(indexes)
        return found
    finally:
        db.close()


@pytest.mark.parametrize("version", range(SCHEMA_VERSION))
def test_migrates_from_every_older_version_and_keeps_the_data(tmp_path: Path, version: int):
    path = tmp_path / "state.db"
    build_store_at(path, version)
    with Store(path) as store:
        assert user_version(path) == SCHEMA_VERSION
        if version >= 1:
            (entry,) = store.entries("newsroom").values()
            expected = SAMPLE["entries"]
            assert entry.id == expected["id"]
            assert entry.title == expected["title"]
            assert entry.published == datetime.fromisoformat(str(expected["published"]))
            assert entry.updated == datetime.fromisoformat(str(expected["updated"]))
            assert entry.seq == expected["seq"]
            state = store.source_states(["newsroom"])["newsroom"]
            assert state.etag == SAMPLE["sources"]["etag"]
            assert state.entries_seen == 5
            assert state.failures == 0
            assert state.layout_failures == 0
            prior = store.prior("newsroom", (), limit=50, max_age_days=None, now=NOW)
            assert prior.next_seq == 8
    fresh = tmp_path / "fresh.db"
    Store(fresh).close()
    assert schema(path) == schema(fresh)  # the migrated file is what a new one is
    with Store(path) as store:  # opening again migrates nothing
        assert user_version(path) == SCHEMA_VERSION


def test_a_newer_store_is_refused(tmp_path: Path):
    path = tmp_path / "state.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer than this publisher understands"):
        Store(path)


def _open_together(path: Path, count: int) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def open_store() -> None:
        try:
            start.wait(timeout=10)
            Store(path).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def test_connections_opening_an_old_store_together_migrate_it_once(tmp_path: Path):
    for attempt in range(5):
        path = tmp_path / f"state-{attempt}.db"
        build_store_at(path, 1)
        errors = _open_together(path, 4)
        assert not errors, errors
        with Store(path) as store:
            assert user_version(path) == SCHEMA_VERSION
            assert len(store.entries("newsroom")) == 1


def test_sql_statements_splits_scripts_with_semicolons_in_strings():
    script = "CREATE TABLE t (a TEXT DEFAULT ';');\nINSERT INTO t VALUES ('x;y');\n"
    assert list(sql_statements(script)) == [
        "CREATE TABLE t (a TEXT DEFAULT ';');",
        "INSERT INTO t VALUES ('x;y');",
    ]
    with pytest.raises(StoreError, match="incomplete"):
        list(sql_statements("CREATE TABLE t (a TEXT DEFAULT ';'"))


def test_the_store_uses_wal(tmp_path: Path):
    with Store(tmp_path / "state.db") as store:
        del store
        db = sqlite3.connect(tmp_path / "state.db")
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        db.close()


# -- entries: what never moves -------------------------------------------------------------------


def test_entries_round_trip(tmp_path: Path):
    entries = [stored(n) for n in range(1, 4)]
    with Store(tmp_path / "state.db") as store:
        commit(store, *entries)
        assert store.entries("newsroom") == {entry.id: entry for entry in entries}
        assert store.entries("newsroom", [entries[0].id]) == {entries[0].id: entries[0]}
        assert store.entries("other") == {}


def test_published_first_seen_and_seq_never_move(tmp_path: Path):
    original = stored(1)
    later = NOW + timedelta(days=3)
    with Store(tmp_path / "state.db") as store:
        commit(store, original)
        moved = replace(
            original,
            title="Corrected title",
            published=later,
            first_seen=later,
            seq=99,
            updated=later,
            last_seen=later,
            fingerprint="f" * 32,
        )
        store.commit_success(
            "newsroom", MergePlan(new=(), changed=(moved,), refreshed=()), now=later,
            status=200, etag=None, last_modified=None, entries_seen=1,
        )  # fmt: skip
        (kept,) = store.entries("newsroom").values()
    assert kept.published == original.published
    assert kept.first_seen == original.first_seen
    assert kept.seq == original.seq
    assert kept.title == "Corrected title"
    assert kept.updated == later
    assert kept.last_seen == later


def test_a_failed_commit_changes_nothing(tmp_path: Path):
    naive = replace(stored(2), updated=datetime(2026, 11, 26, 12, 0))
    with Store(tmp_path / "state.db") as store:
        with pytest.raises(ValueError, match="naive"):
            commit(store, stored(1), naive)
        assert store.entries("newsroom") == {}
        assert store.source_states(["newsroom"])["newsroom"].last_success is None


# -- retention -------------------------------------------------------------------------------


def test_the_feed_is_the_newest_max_entries_and_the_rest_stays(tmp_path: Path):
    entries = [stored(n) for n in range(1, 61)]
    with Store(tmp_path / "state.db") as store:
        commit(store, *entries)
        feed = store.feed_entries("newsroom", limit=50)
        assert [entry.title for entry in feed] == [f"Entry {n}" for n in range(1, 51)]
        assert len(store.entries("newsroom")) == 60  # tombstones: never deleted
        assert store.source_states(["newsroom"])["newsroom"].entries_stored == 60


def test_equal_dates_keep_page_order(tmp_path: Path):
    same = NOW - timedelta(days=1)
    with Store(tmp_path / "state.db") as store:
        commit(store, stored(1, published=same, seq=3), stored(2, published=same, seq=2))
        commit(store, stored(3, published=same, seq=1))
        assert [e.title for e in store.feed_entries("newsroom", limit=10)] == [
            "Entry 1",
            "Entry 2",
            "Entry 3",
        ]


def test_max_age_days_drops_old_entries_from_the_feed_only(tmp_path: Path):
    with Store(tmp_path / "state.db") as store:
        commit(store, *(stored(n) for n in (1, 5, 29, 31, 90)))
        feed = store.feed_entries("newsroom", limit=50, max_age_days=30, now=NOW)
        assert [entry.title for entry in feed] == ["Entry 1", "Entry 5", "Entry 29"]
        assert len(store.entries("newsroom")) == 5


# -- failures --------------------------------------------------------------------------------


def test_failures_are_counted_and_reset(tmp_path: Path):
    with Store(tmp_path / "state.db") as store:
        commit(store, stored(1))
        store.record_failure("newsroom", now=NOW, error="no entries found", kind="layout")
        store.record_failure("newsroom", now=NOW, error="timed out", kind="fetch")
        store.record_failure("newsroom", now=NOW, error="no entries found", kind="extract")
        state = store.source_states(["newsroom"])["newsroom"]
        assert (state.failures, state.layout_failures, state.error_kind) == (3, 2, "extract")
        assert state.etag == '"v1"'  # validators of the last good run stay
        assert state.entries_seen == 1
        assert len(store.entries("newsroom")) == 1
        commit(store, stored(1))
        state = store.source_states(["newsroom"])["newsroom"]
        assert (state.failures, state.layout_failures, state.last_error) == (0, 0, None)


def test_not_modified_is_a_success_that_keeps_the_rest(tmp_path: Path):
    later = NOW + timedelta(hours=1)
    with Store(tmp_path / "state.db") as store:
        commit(store, stored(1))
        store.record_run(now=NOW, published={"newsroom": "stamp"})
        store.record_failure("newsroom", now=NOW, error="HTTP 503", kind="fetch", status=503)
        store.record_run(now=later, not_modified=["newsroom", "never-seen"])
        state = store.source_states(["newsroom"])["newsroom"]
        assert (state.failures, state.last_error, state.last_status) == (0, None, 304)
        assert (state.last_attempt, state.last_success) == (later, later)
        assert (state.etag, state.entries_seen, state.feed_digest) == ('"v1"', 1, "stamp")
        assert (
            store.source_states(["never-seen"])["never-seen"].last_success is None
        )  # no row is made up
        commit(store, stored(2))  # new entries: the files are behind until published
        assert store.source_states(["newsroom"])["newsroom"].feed_digest is None


def test_a_first_failure_creates_the_source_row(tmp_path: Path):
    with Store(tmp_path / "state.db") as store:
        store.record_failure("fresh", now=NOW, error="no entries found", kind="layout")
        state = store.source_states(["fresh"])["fresh"]
        assert (state.failures, state.layout_failures) == (1, 1)
        store.record_failure("other", now=NOW, error="HTTP 500", kind="fetch", status=500)
        other = store.source_states(["other"])["other"]
        assert (other.failures, other.layout_failures, other.last_status) == (1, 0, 500)


# -- history through the pipeline: entries that leave page 1 stay --------------------------


def _page(numbers: list[int]) -> str:
    items = "".join(
        f"""<article class="news-item"><time datetime="2026-{1 + n // 28:02d}-{1 + n % 28:02d}">
        </time><h3><a href="https://example.org/news/{n}/">Entry {n}</a></h3>
        <p class="summary">Summary {n}</p></article>"""
        for n in numbers
    )
    return f"<html><body>{items}</body></html>"


def _config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            site:
              base_url: https://feeds.example.org/
              output: feeds
              state: state.db
            sources:
              - id: newsroom
                title: Newsroom
                url: page.html
                home: https://example.org/newsroom/
            """
        )
        + textwrap.indent(extra, "    ")
        + textwrap.indent(
            textwrap.dedent(
                """\
                select:
                  item: "article.news-item"
                  title: "h3 a::text"
                  link: "h3 a::attr(href)"
                  date: "time::attr(datetime)"
                  summary: "p.summary"
                """
            ),
            "    ",
        ),
        encoding="utf-8",
    )
    return path


def _run(config_path: Path, now: datetime):
    config = load_config(config_path)
    with Store(config.site.state) as store, make_session() as session:
        report = run_once(config.sources, site=config.site, session=session, store=store, now=now)
        feed = store.feed_entries("newsroom", limit=1000)
    return report.sources[0], [entry.title for entry in feed]


def test_entries_pushed_off_page_one_stay_in_the_feed(tmp_path: Path):
    config = _config(tmp_path)
    page = tmp_path / "page.html"
    page.write_text(_page([10, 9, 8, 7, 6]), encoding="utf-8")
    report, _ = _run(config, NOW)
    assert report.new == 5
    page.write_text(_page([13, 12, 11, 10, 9]), encoding="utf-8")  # 8, 7, 6 went to page 2
    report, titles = _run(config, NOW + timedelta(hours=1))
    assert (report.ok, report.new, report.changed) == (True, 3, 0)
    assert titles == [f"Entry {n}" for n in range(13, 5, -1)]
    rss = (tmp_path / "feeds" / "newsroom.rss").read_text(encoding="utf-8")
    assert rss.count("<item>") == 8


def test_default_max_entries_is_50_and_an_entry_back_from_the_archive_is_not_new(
    tmp_path: Path,
):
    config = _config(tmp_path)
    page = tmp_path / "page.html"
    page.write_text(_page(list(range(60, 0, -1))), encoding="utf-8")
    report, _ = _run(config, NOW)
    assert report.new == 60
    rss = (tmp_path / "feeds" / "newsroom.rss").read_text(encoding="utf-8")
    assert rss.count("<item>") == 50
    assert "Entry 10<" not in rss  # aged out of the feed ...
    before = (tmp_path / "feeds" / "newsroom.rss").read_bytes()
    page.write_text(_page([*list(range(60, 0, -1))[:50], 3]), encoding="utf-8")
    report, _ = _run(config, NOW + timedelta(days=1))
    assert (report.new, report.changed) == (0, 0)  # ... and not new when it comes back
    assert (tmp_path / "feeds" / "newsroom.rss").read_bytes() == before


def test_max_age_days_in_the_pipeline(tmp_path: Path):
    config = _config(tmp_path, "max_age_days: 30\n")
    page = tmp_path / "page.html"
    # dates 2026-11-03 .. 2026-11-21, and 2026-01-03: older than 30 days on 2026-11-26
    page.write_text(_page([300, 295, 290, 285, 282, 2]), encoding="utf-8")
    report, _ = _run(config, NOW)
    assert report.new == 6
    rss = (tmp_path / "feeds" / "newsroom.rss").read_text(encoding="utf-8")
    assert rss.count("<item>") == 5
    assert "Entry 2<" not in rss
