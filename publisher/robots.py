"""robots.txt: fetched at most once per host per hour, then asked before every request.

The file is fetched through the run's session (so with its timeouts) and through the
run's :class:`~publisher.hosts.HostGate` (so it counts as a request to the host), and
read by :mod:`protego` (RFC 9309: ``*`` and ``$`` in paths, the longest matching rule
wins, ``Allow`` over ``Disallow`` on a tie; the standard library's parser knows none of
these). The group that applies is the one for the user agent's product token (the part
before the first ``/``: ``publisher`` for ``publisher/0.1 (+mailto:...)``), else ``*``.
What a missing or unreachable file means follows RFC 9309 and what crawlers do:

    2xx                      the rules in the file apply
    4xx (404, 401, 403, ...) no rules: everything is allowed
    5xx, timeout, no answer  unreachable: allowed (logged), the next run asks again

Only the User-Agent goes with the request: a source's own ``headers`` (tokens, cookies)
are never sent for robots.txt.

A cache lives for one run, or for the scheduler's life with ``max_age``. Between runs the
files are kept in the state store (:meth:`RobotsCache.load`, :meth:`RobotsCache.to_keep`):
cron runs five minutes apart ask each host once per :data:`ROBOTS_MAX_AGE`, not every run
(RFC 9309 allows caching for up to 24 hours). Unreachable and 5xx answers are not kept.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import requests
from protego import Protego

from .hosts import HostGate, host_key
from .model import RobotsFile

log = logging.getLogger(__name__)

MAX_ROBOTS_BYTES = 512 * 1024  # RFC 9309: parse at least 500 KiB; ignore the rest
MAX_CRAWL_DELAY = 30.0  # seconds: a larger Crawl-delay is honoured up to this
ROBOTS_MAX_AGE = 3600.0  # seconds a host's robots.txt is trusted before it is asked again


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))


@dataclass(frozen=True, slots=True, kw_only=True)
class _Rules:
    parser: Protego | None  # None: no rules, everything allowed
    status: int | None  # HTTP status of robots.txt, None when unreachable
    fetched_at: float = 0.0  # the cache's clock when it was fetched
    body: str = ""  # the text the rules were read from (2xx only)
    loaded: bool = False  # from the store, not fetched by this cache


def product_token(user_agent: str) -> str:
    """The name robots.txt groups are matched against: ``publisher`` for
    ``publisher/0.1 (+mailto:ops@example.org)``, so that the contact in the comment
    (``ops``, ``example``) never picks a group."""
    return user_agent.split("/", 1)[0].strip().lower() or user_agent


class RobotsCache:
    """The robots.txt rules of each host, fetched at most once per instance (one run).

    Thread-safe: two workers asking about the same host wait for one fetch.
    """

    def __init__(
        self,
        *,
        session: requests.Session,
        gate: HostGate,
        max_age: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        """``max_age`` (seconds) makes a long-lived cache (the scheduler's) ask again
        after that long; None keeps the rules for the life of the instance (one run)."""
        self._session = session
        self._gate = gate
        self._max_age = max_age
        self._clock = clock
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._rules: dict[str, _Rules] = {}

    def allowed(
        self,
        url: str,
        *,
        user_agent: str,
        timeout: tuple[float, float],
        min_delay: float = 0.0,
    ) -> bool:
        """May ``user_agent`` fetch ``url``? Fetches the host's robots.txt the first time."""
        rules = self._get(url, user_agent=user_agent, timeout=timeout, min_delay=min_delay)
        return rules.parser is None or rules.parser.can_fetch(url, product_token(user_agent))

    def crawl_delay(self, url: str, *, user_agent: str) -> float | None:
        """The ``Crawl-delay`` the host asks of ``user_agent``, if its rules are known."""
        with self._guard:
            rules = self._rules.get(host_key(url))
        if rules is None or rules.parser is None:
            return None
        delay = rules.parser.crawl_delay(product_token(user_agent))
        if delay is None:
            return None
        return min(float(delay), MAX_CRAWL_DELAY)

    def load(self, files: Iterable[RobotsFile], *, now: datetime) -> None:
        """Take up the files a store kept: those younger than ``max_age`` at ``now``."""
        if self._max_age is None:
            raise ValueError("a RobotsCache without max_age cannot take files from a store")
        for file in files:
            age = (now - file.fetched_at).total_seconds()
            if not 0 <= age < self._max_age:  # too old, or from a clock that went back
                continue
            ok = 200 <= file.status < 300
            rules = _Rules(
                parser=Protego.parse(file.body) if ok else None,
                status=file.status, fetched_at=self._clock() - age,
                body=file.body if ok else "", loaded=True,
            )  # fmt: skip
            with self._guard:
                self._rules.setdefault(file.host, rules)

    def to_keep(self, *, dated: datetime) -> tuple[RobotsFile, ...]:
        """The files this cache fetched that are worth keeping (2xx and 4xx), all dated
        ``dated``: for a run, when it began, so that none looks younger than it is."""
        with self._guard:
            fetched = [(key, rules) for key, rules in self._rules.items() if not rules.loaded]
        return tuple(
            RobotsFile(host=key, fetched_at=dated, status=rules.status, body=rules.body)
            for key, rules in fetched
            if rules.status is not None and 200 <= rules.status < 500
        )

    def _get(
        self, url: str, *, user_agent: str, timeout: tuple[float, float], min_delay: float
    ) -> _Rules:
        key = host_key(url)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                rules = self._rules.get(key)
            stale = (
                rules is not None
                and self._max_age is not None
                and self._clock() - rules.fetched_at > self._max_age
            )
            if rules is None or stale:
                rules = replace(
                    self._fetch(url, user_agent=user_agent, timeout=timeout, min_delay=min_delay),
                    fetched_at=self._clock(),
                )
                with self._guard:
                    self._rules[key] = rules
        return rules

    def _fetch(
        self, url: str, *, user_agent: str, timeout: tuple[float, float], min_delay: float
    ) -> _Rules:
        location = robots_url(url)
        try:
            with self._gate.slot(location, min_delay=min_delay):
                response = self._session.get(
                    location, headers={"User-Agent": user_agent}, timeout=timeout, stream=True
                )
                with response:
                    status = response.status_code
                    body = _read(response) if 200 <= status < 300 else b""
        except requests.RequestException as exc:
            log.info("%s unreachable (%s): allowed", location, type(exc).__name__)
            return _Rules(parser=None, status=None)
        if status >= 500:
            log.info("%s answered HTTP %d: allowed for this run", location, status)
            return _Rules(parser=None, status=status)
        if status >= 400:
            log.debug("%s answered HTTP %d: no rules, allowed", location, status)
            return _Rules(parser=None, status=status)
        if not 200 <= status < 300:  # a 1xx or 3xx that was not followed
            return _Rules(parser=None, status=status)
        text = body.decode("utf-8", errors="replace")
        return _Rules(parser=Protego.parse(text), status=status, body=text)


def _read(response: requests.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_ROBOTS_BYTES:
            break
    return b"".join(chunks)[:MAX_ROBOTS_BYTES]
