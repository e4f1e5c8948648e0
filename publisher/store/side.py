"""What the store keeps beside entries and sources: the articles of full-text sources
and each host's robots.txt. A part of :class:`publisher.store.Store`, which provides the
connection, its lock and transactions."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from ..model import RobotsFile
from .connection import Connection
from .rows import to_ts


class SideTables:
    """Articles and robots.txt files (mixed into :class:`publisher.store.Store`)."""

    _db: Connection
    _lock: threading.RLock

    def _transaction(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def _rows_in(
        self, query: str, values: Iterable[str], *, before: tuple[object, ...] = ()
    ) -> Iterator[Any]:
        raise NotImplementedError

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
