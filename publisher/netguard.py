"""The guard of one fetch: the address policy at connect time, and one deadline overall.

    Guard           what a fetch allows (an :class:`~publisher.addresses.AddressPolicy`)
                    and until when it may run (``timeout.total``, retries included)
    guarding        ``with guarding(guard):`` every request made on this thread obeys it
    GuardedHTTP(S)Connection
                    urllib3 connections that resolve the host once, check every address
                    against the policy, connect to that very address (the Host header,
                    SNI and certificate check keep the name), check a kept-alive
                    connection again before each request, and hand their socket to the
                    guard's deadline

The deadline is kept by one watchdog thread: when it passes, the sockets of the fetch
are shut down, which ends a read blocked on a server sending a byte a second (a
per-read timeout never fires on such a server). Requests made outside any guard (a
WebSub ping, the library used directly) still refuse the addresses that are never
fetched (link-local, cloud metadata, ...).
"""

from __future__ import annotations

import contextlib
import contextvars
import heapq
import itertools
import math
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection

from .addresses import AddressPolicy, IPAddress, parse_host

_OUTSIDE = AddressPolicy(allow_private=True)  # requests made outside any fetch


class Guard:
    """The policy and deadline of one fetch; shared by the requests it makes."""

    def __init__(self, policy: AddressPolicy, *, total: float | None = None):
        self.policy = policy
        self.total = total
        self.deadline = None if total is None else time.monotonic() + total
        self.kinds: list[str] = []  # the kind of every address connected to, in order
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._expired = False
        self.released = False  # the fetch is over: the watchdog may forget it

    @property
    def cut(self) -> bool:
        """True when the deadline shut the fetch's sockets (a body may look complete)."""
        return self._expired

    @property
    def expired(self) -> bool:
        return self._expired or (self.deadline is not None and time.monotonic() >= self.deadline)

    def remaining(self) -> float | None:
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def bound(self, seconds: float) -> float:
        """``seconds``, or less when the deadline is nearer (never 0: urllib3 needs > 0)."""
        left = self.remaining()
        return seconds if left is None else max(0.01, min(seconds, left))

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if self._expired:
                _shut(sock)
            else:
                self._sockets.append(sock)

    def expire(self) -> None:
        with self._lock:
            self._expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut(sock)

    def release(self) -> None:
        """The fetch is over: its sockets go back to the pool untouched."""
        with self._lock:
            self._sockets = []
            self.released = True


_current: contextvars.ContextVar[Guard | None] = contextvars.ContextVar("guard", default=None)


@contextlib.contextmanager
def guarding(guard: Guard) -> Iterator[Guard]:
    """Every request made on this thread inside the block obeys ``guard``."""
    token = _current.set(guard)
    if guard.deadline is not None:
        _WATCHDOG.add(guard)
    try:
        yield guard
    finally:
        _current.reset(token)
        guard.release()


def current() -> Guard | None:
    return _current.get()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread that expires guards at their deadline (started on first use).

    The thread sleeps until the earliest deadline it knows of, and a new guard wakes it
    only when its deadline is earlier still. With one ``timeout.total`` for every source,
    each new deadline is the latest, so fetches go by without waking it: waking it for
    every fetch cost a handover of the interpreter lock per fetch (a third of the CPU
    time of an unchanged page). Guards whose fetch is over are dropped from the front of
    the heap as new ones come and as the thread wakes, so the heap holds about the fetches
    still running, not the run's.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Guard]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._wakes_at = math.inf  # when the thread looks at the heap next

    def add(self, guard: Guard) -> None:
        assert guard.deadline is not None
        with self._wake:
            self._drop_released()
            heapq.heappush(self._heap, (guard.deadline, next(self._order), guard))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="publisher-deadlines", daemon=True
                )
                self._thread.start()
            elif guard.deadline < self._wakes_at:
                self._wakes_at = guard.deadline  # told: no other add need wake it again
                self._wake.notify()

    def _drop_released(self) -> None:
        heap = self._heap
        while heap and heap[0][2].released:
            heapq.heappop(heap)

    def _run(self) -> None:  # pragma: no cover - a daemon thread: runs until exit
        while True:
            with self._wake:
                self._drop_released()
                if not self._heap:
                    self._wakes_at = math.inf
                    self._wake.wait()
                    continue
                when, _, guard = self._heap[0]
                wait = when - time.monotonic()
                if wait > 0:
                    self._wakes_at = when
                    self._wake.wait(wait)
                    continue
                heapq.heappop(self._heap)
            guard.expire()


_WATCHDOG = _Watchdog()


class _Guarded:
    """What both connection classes add to urllib3's (mixed in before them)."""

    _peer: IPAddress | None = None

    def _new_conn(self) -> socket.socket:
        guard = current()
        policy = guard.policy if guard is not None else _OUTSIDE
        this: Any = self
        if this.proxy is not None:  # the proxy connects; the URL's host was checked
            sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        else:
            sock = self._connect_checked(policy, guard)
        if guard is not None:
            guard.watch(sock)
        return sock

    def _connect_checked(self, policy: AddressPolicy, guard: Guard | None) -> socket.socket:
        this: Any = self
        url = f"{this.host}:{this.port}"
        try:
            infos = socket.getaddrinfo(this._dns_host, this.port, 0, socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise NameResolutionError(this.host, this, exc) from exc
        addresses = []
        for _family, _type, _proto, _name, sockaddr in infos:
            address = parse_host(str(sockaddr[0]))
            assert address is not None
            kind = policy.check(address, url=url)  # AddressRefused for any refused one
            addresses.append((address, kind))
        error: OSError | None = None
        for address, kind in addresses:
            try:
                sock = connection.create_connection(
                    (str(address), this.port),
                    this.timeout,
                    source_address=this.source_address,
                    socket_options=this.socket_options,
                )
            except TimeoutError as exc:
                raise ConnectTimeoutError(
                    this, f"Connection to {this.host} timed out (connect timeout={this.timeout})"
                ) from exc
            except OSError as exc:
                error = exc
                continue
            self._peer = address
            if guard is not None:
                guard.kinds.append(kind)
            return sock
        raise NewConnectionError(this, f"Failed to establish a new connection: {error}")

    def request(self, *args: Any, **kwargs: Any) -> None:
        guard = current()
        this: Any = self
        if this.sock is not None and guard is not None:  # a kept-alive connection
            if self._peer is not None:
                guard.kinds.append(guard.policy.check(self._peer, url=f"{this.host}"))
            guard.watch(this.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]


class GuardedHTTPConnection(_Guarded, HTTPConnection):
    pass


class GuardedHTTPSConnection(_Guarded, HTTPSConnection):
    pass


class GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


def guard_pools(manager: urllib3.PoolManager) -> None:
    """Make ``manager`` open guarded connections (direct and proxy managers alike)."""
    manager.pool_classes_by_scheme = {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}
