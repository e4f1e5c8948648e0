"""Politeness towards each host: one request at a time, and a pause between two.

A :class:`HostGate` is shared by every worker of a run. :meth:`HostGate.slot` lets one
request to a host go out at a time, and only once ``min_delay`` seconds have passed since
the previous request to that host *finished*. A server that answers 429 or 503 with
``Retry-After`` can push the next request to that host further away with
:meth:`HostGate.defer`, so that every source on the host waits, not only the one that
was told. The clock and the sleep are passed in, so tests need not wait.

A host is the scheme, host name and port of a URL: ``http://127.0.0.1:8001`` and
``http://127.0.0.1:8002`` are two hosts, as they are two servers.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


@functools.lru_cache(maxsize=4096)  # asked several times per request, for a few URLs
def host_key(url: str) -> str:
    """``scheme://host:port`` of ``url``, lower case, with the default port made explicit."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    except ValueError:  # a port that is not a number: the URL will fail later, key it anyway
        port = 0
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


def count_hosts(urls: Iterable[str]) -> int:
    """How many distinct hosts (:func:`host_key`) ``urls`` are on."""
    return len({host_key(url) for url in urls})


class HostGate:
    """At most one request at a time per host, ``min_delay`` seconds apart. Thread-safe."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._clock = clock
        self._sleep = sleep
        self._guard = threading.Lock()  # protects the two dicts below
        self._locks: dict[str, threading.Lock] = {}
        self._not_before: dict[str, float] = {}

    def _lock(self, key: str) -> threading.Lock:
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = threading.Lock()
            return lock

    def _push(self, key: str, when: float) -> None:
        with self._guard:
            self._not_before[key] = max(self._not_before.get(key, when), when)

    @contextmanager
    def slot(self, url: str, *, min_delay: float) -> Iterator[None]:
        """Hold the host of ``url`` for one request; the next waits ``min_delay`` after it."""
        key = host_key(url)
        with self._lock(key):
            seen = None
            while True:  # sleep again only if a defer() moved the time while we slept
                with self._guard:
                    when = self._not_before.get(key, 0.0)
                if when == seen:
                    break
                seen = when
                wait = when - self._clock()
                if wait > 0:
                    self._sleep(wait)
            try:
                yield
            finally:
                self._push(key, self._clock() + min_delay)

    def defer(self, url: str, seconds: float) -> None:
        """Send nothing to the host of ``url`` for ``seconds`` (a ``Retry-After``)."""
        self._push(host_key(url), self._clock() + seconds)
