"""One loopback HTTP server for the tests and the benchmarks.

Each :class:`LocalServer` is one host (its own port on 127.0.0.1) answering from a table
of routes: a :class:`Reply`, a list of replies given in turn (the last one repeats), a
function of the path and the request headers, or :class:`Files` served as nginx does
(``ETag``, ``Last-Modified`` and ``304`` to conditional requests). Every request is
recorded (:class:`Seen`: path, headers, status, when). Switches for the cases a fetch must
survive: ``latency`` on every answer, ``blind_304`` (a broken cache), and per reply
a ``delay``, a body sent byte by byte (``trickle``), a connection dropped unanswered
(``drop``) or cut in the middle of the body (``cut``); :func:`redirect` builds a 3xx.
An :class:`Overlap` shared by several servers counts requests in flight, per host and
in all; a :class:`Gate` route answers only when the test lets it.

:class:`Servers` runs any number of them with one accepting thread (a thread per host
would wake up a hundred threads in the benchmarks), a thread per connection, HTTP/1.1
with keep-alive, optionally over TLS; everything stops with it.
"""

from __future__ import annotations

import selectors
import socket
import ssl
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CONTENT_TYPES = {
    ".atom": "application/atom+xml",
    ".rss": "application/rss+xml",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".opml": "text/x-opml; charset=utf-8",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0  # seconds before answering
    trickle: float = 0.0  # seconds between two bytes of the body, sent one by one
    drop: bool = False  # hang up without answering a byte
    cut: int | None = None  # hang up after this many bytes of the body (all are announced)


def redirect(to: str, status: int = 302) -> Reply:
    return Reply(status=status, headers=(("Location", to),))


@dataclass(frozen=True, slots=True, kw_only=True)
class Seen:
    path: str
    headers: dict[str, str]  # names in lower case
    start: float
    end: float
    status: int = 0  # 0: dropped unanswered
    method: str = "GET"
    body: bytes = b""
    client_port: int = 0  # one port: one connection, kept alive
    header_lines: tuple[tuple[str, str], ...] = ()  # as sent, repeated names included


@dataclass(frozen=True, slots=True)
class Files:
    """A file (at its route) or the files of a folder (route ``/feeds/``: the name after
    the prefix, plus ``suffix``). Files are read at every request, so a file
    rewritten on disk is served new at once. The ETag is made from the mtime, the size
    and, with ``checksum``, a CRC-32 of the content (two writes within one tick of the
    file system's clock still differ); without it a 304 costs a ``stat`` only."""

    path: Path
    suffix: str = ""
    checksum: bool = True

    def file(self, route: str, path: str) -> Path | None:
        if path == route and not self.path.is_dir():
            return self.path
        name = path[len(route) :].strip("/")
        if not name or "/" in name or name.startswith("."):
            return None
        return self.path / (name + self.suffix)

    def reply(self, file: Path, headers: dict[str, str], *, blind_304: bool) -> Reply:
        try:
            stat = file.stat()
            data = file.read_bytes() if self.checksum else b""
        except OSError:
            return Reply(status=404, body=b"not found\n", headers=(("Content-Type", "text/plain"),))
        crc = f"-{zlib.crc32(data):08x}" if self.checksum else ""
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}{crc}"'
        validators = (("ETag", etag), ("Last-Modified", formatdate(stat.st_mtime, usegmt=True)))
        if blind_304 or _still_fresh(headers, etag, stat.st_mtime):
            return Reply(status=304, headers=validators)
        kind = CONTENT_TYPES.get(file.suffix, "application/octet-stream")
        body = data if self.checksum else file.read_bytes()
        return Reply(body=body, headers=(*validators, ("Content-Type", kind)))


def _still_fresh(headers: dict[str, str], etag: str, mtime: float) -> bool:
    """``If-None-Match`` wins over ``If-Modified-Since`` (RFC 9110)."""
    match = headers.get("if-none-match")
    if match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in match.split(",")}
        return etag in tags or "*" in tags
    since = headers.get("if-modified-since")
    if since:
        try:
            return int(mtime) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


class Gate:
    """A route that answers ``reply`` only when the test says so (``release``)."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.arrived = threading.Event()
        self.release = threading.Event()

    def __call__(self, path: str, headers: dict[str, str]) -> Reply:
        self.arrived.set()
        self.release.wait(timeout=30)
        return self.reply

    @contextmanager
    def serving(self, path: str = "/page") -> Iterator[str]:
        """Serve this gate at ``path`` on a host of its own; yields its URL. The gate opens
        before the server stops, so no request is left waiting."""
        with serving(LocalServer(routes={path: self})) as server:
            try:
                yield server.url(path)
            finally:
                self.release.set()


Handler = Callable[[str, dict[str, str]], Reply]
Route = Handler | Reply | list[Reply] | Files


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
    routes: dict[str, Route] = field(default_factory=dict)
    latency: float = 0.0  # added to every answer
    blind_304: bool = False  # Files answer 304 even to unconditional requests
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

    def take_seen(self, *, robots: bool = True) -> list[Seen]:
        """The requests since the last call (those for robots.txt only with ``robots``)."""
        with self._lock:
            seen, self.seen = self.seen, []
        return [s for s in seen if robots or s.path != "/robots.txt"]

    def _reply(self, path: str, headers: dict[str, str]) -> Reply:
        clean = path.split("?", 1)[0]
        with self._lock:
            found = self._route(path, clean)
            if found is not None and isinstance(found[1], list):
                replies = found[1]
                return replies.pop(0) if len(replies) > 1 else replies[0]
        if found is None:
            return Reply(status=404, body=b"not found")
        key, route = found
        if isinstance(route, Reply):
            return route
        if isinstance(route, Files):
            file = route.file(key, clean)
            if file is None:
                return Reply(status=404, body=b"not found")
            return route.reply(file, headers, blind_304=self.blind_304)
        assert not isinstance(route, list)
        return route(path, headers)

    def _route(self, path: str, clean: str) -> tuple[str, Route] | None:
        for key in (path, clean):
            if key in self.routes:
                return key, self.routes[key]
        for prefix, route in self.routes.items():
            if prefix.endswith("/") and isinstance(route, Files) and clean.startswith(prefix):
                return prefix, route
        return None


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
            reply = Reply(status=500)
            try:
                reply = server._reply(self.path, headers)
                pause = server.latency + reply.delay
                if pause:
                    time.sleep(pause)
            finally:
                # recorded before the answer goes out: once the client has its answer,
                # the request is in the log and no longer counts as in flight
                seen = Seen(
                    path=self.path, headers=headers, start=start, end=time.monotonic(),
                    status=0 if reply.drop else reply.status, method=method, body=body,
                    client_port=self.client_address[1], header_lines=tuple(self.headers.items()),
                )  # fmt: skip
                with server._lock:
                    server.seen.append(seen)
                if server.overlap is not None:
                    server.overlap.leave(server.port)
            if reply.drop:
                self.close_connection = True
                return
            self._answer(reply)

        def _answer(self, reply: Reply) -> None:
            self.send_response(reply.status)
            names = {name.lower() for name, _ in reply.headers}
            for name, value in reply.headers:
                self.send_header(name, value)
            if "content-length" not in names:
                self.send_header("Content-Length", str(len(reply.body)))
            if "content-type" not in names and reply.status == 200:
                self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            body = b"" if reply.status in (204, 304) else reply.body
            if reply.cut is not None:
                body = body[: reply.cut]
                self.close_connection = True
            if reply.trickle:
                for index in range(len(body)):
                    self.wfile.write(body[index : index + 1])
                    self.wfile.flush()
                    time.sleep(reply.trickle)
            else:
                self.wfile.write(body)
                self.wfile.flush()

        def log_message(self, format: str, *args: object) -> None:
            pass  # every request is in server.seen

    return _Handler


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that hung up
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class Servers:
    """Local servers started one by one, each on 127.0.0.1 (a free port), over TLS with
    ``tls``, accepted by one thread; a context manager that stops them all at once."""

    def __init__(self, *, tls: ssl.SSLContext | None = None) -> None:
        self._tls = tls
        self._selector = selectors.DefaultSelector()
        self._wake, self._waker = socket.socketpair()
        self._selector.register(self._wake, selectors.EVENT_READ, None)
        self._running: list[_HTTPServer] = []
        self._thread: threading.Thread | None = None
        self._stopping = False

    def start(self, server: LocalServer) -> LocalServer:
        httpd = _HTTPServer(("127.0.0.1", 0), _handler_class(server))
        server.port = httpd.server_address[1]
        if self._tls is not None:
            httpd.socket = self._tls.wrap_socket(httpd.socket, server_side=True)
            server.scheme = "https"
        self._running.append(httpd)
        self._selector.register(httpd, selectors.EVENT_READ, httpd)
        if self._thread is None:
            self._thread = threading.Thread(target=self._accept, daemon=True)
            self._thread.start()
        return server

    def _accept(self) -> None:
        while not self._stopping:
            for key, _ in self._selector.select(timeout=1.0):
                if key.data is not None:
                    key.data._handle_request_noblock()

    def stop(self) -> None:
        self._stopping = True
        self._waker.send(b"x")
        if self._thread is not None:
            self._thread.join(timeout=5)
        for httpd in self._running:
            httpd.server_close()
        self._running.clear()
        self._selector.close()
        self._wake.close()
        self._waker.close()

    def __enter__(self) -> Servers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def serving(server: LocalServer, *, tls: ssl.SSLContext | None = None) -> Iterator[LocalServer]:
    """Run ``server`` on 127.0.0.1 (a free port), over TLS with ``tls``; stop it afterwards."""
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
