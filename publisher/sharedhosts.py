"""Politeness across every ``publisher worker``: one request at a time per host, and
``min_delay`` between two, however many workers on however many machines.

:class:`SharedHostGate` is a :class:`publisher.hosts.HostGate` kept in PostgreSQL: a
session advisory lock per host (``pg_advisory_lock``) holds the host for one request,
and the ``host_slots`` table keeps the time before which the next request to it may not
start (the database's clock, so machines need not agree on theirs). A worker that dies
holding a host loses its connection, and PostgreSQL releases the lock at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .hosts import HostGate, host_key

_PUSH = """
    INSERT INTO host_slots (host, not_before)
    VALUES (%s, (clock_timestamp() + make_interval(secs => %s))::text)
    ON CONFLICT (host) DO UPDATE SET not_before = GREATEST(
        host_slots.not_before::timestamptz, excluded.not_before::timestamptz)::text
"""
_WAIT = """
    SELECT EXTRACT(EPOCH FROM (not_before::timestamptz - clock_timestamp()))
    FROM host_slots WHERE host = %s
"""


class SharedHostGate(HostGate):
    """A :class:`HostGate` shared through the PostgreSQL database at ``url``."""

    def __init__(self, url: str):
        super().__init__()
        import psycopg

        self._db: Any = psycopg.connect(url, autocommit=True)
        self._db_lock = threading.Lock()  # one connection: one statement at a time

    def close(self) -> None:
        self._db.close()

    def _wait(self, key: str) -> float:
        with self._db_lock:
            row = self._db.execute(_WAIT, (key,)).fetchone()
        return 0.0 if row is None else max(0.0, float(row[0]))

    @contextmanager
    def slot(self, url: str, *, min_delay: float) -> Iterator[None]:
        key = host_key(url)
        with self._lock(key):  # this process's threads first, then the other workers
            with self._db_lock:
                self._db.execute("SELECT pg_advisory_lock(hashtextextended(%s, 18))", (key,))
            try:
                for _ in range(100):  # sleep again only if a defer() moved the time
                    wait = self._wait(key)
                    if wait <= 0:
                        break
                    time.sleep(wait)
                yield
            finally:
                with self._db_lock:
                    self._db.execute(_PUSH, (key, min_delay))
                    self._db.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 18))", (key,))

    def defer(self, url: str, seconds: float) -> None:
        with self._db_lock:
            self._db.execute(_PUSH, (host_key(url), seconds))
