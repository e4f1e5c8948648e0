"""A small real HTTP server on 127.0.0.1 for the fetch tests.

Each :class:`LocalServer` listens on its own port (so several of them are several hosts),
answers from a table of routes and records every request it gets: path, headers and when
it started and ended. A shared :class:`Overlap` counts requests in flight, per server and
in all, so tests can assert the per-host rule from the server's side.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0  # seconds before answering


@dataclass(frozen=True, slots=True, kw_only=True)
class Seen:
    path: str
    headers: dict[str, str]
    start: float
    end: float
    method: str = "GET"
    body: bytes = b""
    client_port: int = 0  # one port: one connection, kept alive
    header_lines: tuple[tuple[str, str], ...] = ()  # as sent, repeated names included


Handler = Callable[[str, dict[str, str]], Reply]


class Overlap:
    """Requests in flight, per host and in all, with the highest counts seen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.active: dict[int, int] = {}
        self.max_per_host: dict[int, int] = {}
        self.total = 0
        self.max_total = 0

    def enter(self, port: int) -> None:
        with self._lock:
            self.active[port] = self.active.get(port, 0) + 1
            self.max_per_host[port] = max(self.max_per_host.get(port, 0), self.active[port])
            self.total += 1
            self.max_total = max(self.max_total, self.total)

    def leave(self, port: int) -> None:
        with self._lock:
            self.active[port] -= 1
            self.total -= 1


@dataclass
class LocalServer:
    routes: dict[str, Handler | Reply | list[Reply]] = field(default_factory=dict)
    latency: float = 0.0  # added to every answer
    overlap: Overlap | None = None
    seen: list[Seen] = field(default_factory=list)
    port: int = 0
    scheme: str = "http"  # "https" when served with a TLS context
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self) -> list[str]:
        with self._lock:
            return [seen.path for seen in self.seen]

    def _reply(self, path: str, headers: dict[str, str]) -> Reply:
        with self._lock:
            route = self.routes.get(path)
            if isinstance(route, list):
                reply = route.pop(0) if len(route) > 1 else route[0]
                return reply
        if route is None:
            return Reply(status=404, body=b"not found")
        if isinstance(route, Reply):
            return route
        return route(path, headers)


def _handler_class(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall between headers and body
        timeout = 10  # an idle keep-alive connection ends after this

        def do_GET(self) -> None:
            self._handle("GET", b"")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._handle("POST", self.rfile.read(length))

        def _handle(self, method: str, body: bytes) -> None:
            start = time.monotonic()
            if server.overlap is not None:
                server.overlap.enter(server.port)
            headers = {key.lower(): value for key, value in self.headers.items()}
            try:
                reply = server._reply(self.path, headers)
                pause = server.latency + reply.delay
                if pause:
                    time.sleep(pause)
            finally:
                # recorded before the answer goes out: once the client has its answer,
                # the request is in the log and no longer counts as in flight
                end = time.monotonic()
                with server._lock:
                    server.seen.append(
                        Seen(
                            path=self.path,
                            headers=headers,
                            start=start,
                            end=end,
                            method=method,
                            body=body,
                            client_port=self.client_address[1],
                            header_lines=tuple(self.headers.items()),
                        )
                    )
                if server.overlap is not None:
                    server.overlap.leave(server.port)
            self.send_response(reply.status)
            names = {name.lower() for name, _ in reply.headers}
            for name, value in reply.headers:
                self.send_header(name, value)
            if "content-length" not in names:
                self.send_header("Content-Length", str(len(reply.body)))
            if "content-type" not in names and reply.status == 200:
                self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            if reply.status not in (204, 304):
                self.wfile.write(reply.body)
            self.wfile.flush()

        def log_message(self, format: str, *args: object) -> None:
            pass

    return _Handler


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that hung up
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class Servers:
    """Local servers started one by one, each on 127.0.0.1 (a free port) in a thread, and
    stopped together: stopping one waits up to its poll interval, so a hundred stopped
    one after the other would take 5 s."""

    def __init__(self, *, tls: ssl.SSLContext | None = None) -> None:
        self._tls = tls
        self._running: list[tuple[_Quiet, threading.Thread]] = []

    def start(self, server: LocalServer) -> LocalServer:
        httpd = _Quiet(("127.0.0.1", 0), _handler_class(server))
        httpd.daemon_threads = True
        server.port = httpd.server_address[1]
        if self._tls is not None:
            httpd.socket = self._tls.wrap_socket(httpd.socket, server_side=True)
            server.scheme = "https"
        thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        self._running.append((httpd, thread))
        return server

    def stop(self) -> None:
        stoppers = [threading.Thread(target=httpd.shutdown) for httpd, _ in self._running]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join(timeout=5)
        for httpd, thread in self._running:
            httpd.server_close()
            thread.join(timeout=5)
        self._running.clear()

    def __enter__(self) -> Servers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def serving(server: LocalServer, *, tls: ssl.SSLContext | None = None) -> Iterator[LocalServer]:
    """Run ``server`` on 127.0.0.1 (a free port) in a thread, over TLS with ``tls``;
    stop it afterwards."""
    with Servers(tls=tls) as servers:
        yield servers.start(server)


@contextmanager
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel does) and never answers a byte."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()
