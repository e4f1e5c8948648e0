"""Serve a corpus folder over HTTP on 127.0.0.1, as many hosts (one port per host).

Each page is served at ``/<source id>/`` from ``<folder>/<source id>.html`` with an
``ETag`` (mtime and size, as nginx makes it) and a ``Last-Modified``; a request whose
``If-None-Match`` or ``If-Modified-Since`` still holds gets ``304 Not Modified``. The
server speaks HTTP/1.1 with keep-alive, can add latency to every response, and serves a
permissive ``/robots.txt``. Files are read at every request, so a page rewritten on disk
is served new at once.
"""

from __future__ import annotations

import functools
import os
import selectors
import threading
import time
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: CorpusHTTPServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        server = self.server
        server.count("requests")
        if server.latency:
            time.sleep(server.latency)
        if self.path == "/robots.txt":
            self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
            return
        name = self.path.strip("/").split("?")[0]
        path = server.folder / f"{name}.html"
        try:
            stat = os.stat(path) if name and "/" not in name else None
        except FileNotFoundError:
            stat = None
        if stat is None:
            self._send(404, b"not found\n", "text/plain")
            return
        etag, modified = _validators(stat.st_mtime_ns, stat.st_size)
        if self._fresh(etag, stat.st_mtime):
            server.count("not_modified")
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", modified)
            self.end_headers()
            return
        server.count("ok")
        body = path.read_bytes()
        self._send(200, body, "text/html; charset=utf-8", etag=etag, modified=modified)

    def _fresh(self, etag: str, mtime: float) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None:
            return etag in [tag.strip() for tag in match.split(",")]
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return int(mtime) <= parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError):
                return False
        return False

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        *,
        etag: str | None = None,
        modified: str | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
        if modified:
            self.send_header("Last-Modified", modified)
        self.end_headers()
        self.wfile.write(body)


@functools.lru_cache(maxsize=8192)
def _validators(mtime_ns: int, size: int) -> tuple[str, str]:
    return f'"{mtime_ns:x}-{size:x}"', formatdate(mtime_ns / 1e9, usegmt=True)


class CorpusHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(
        self,
        folder: Path,
        *,
        latency: float,
        stats: dict[str, int],
        lock: threading.Lock,
        port: int = 0,
    ):
        super().__init__(("127.0.0.1", port), _Handler)
        self.folder = folder
        self.latency = latency
        self._stats = stats
        self._lock = lock

    def count(self, key: str) -> None:
        with self._lock:
            self._stats[key] = self._stats.get(key, 0) + 1


class CorpusServers:
    """``hosts`` HTTP servers on 127.0.0.1 serving ``folder``; a context manager.

    Ports are chosen by the system, unless ``first_port`` pins them (``first_port + h``
    for host ``h``), as a byte-for-byte comparison of feeds from two runs needs.
    """

    def __init__(self, folder: Path, *, hosts: int, latency: float = 0.0, first_port: int = 0):
        self.folder = folder
        self.stats: dict[str, int] = {}
        self._lock = threading.Lock()
        self._servers = [
            CorpusHTTPServer(
                folder,
                latency=latency,
                stats=self.stats,
                lock=self._lock,
                port=first_port + host if first_port else 0,
            )
            for host in range(hosts)
        ]
        self._running = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{server.server_address[1]}" for server in self._servers]

    def start(self) -> CorpusServers:
        """One thread accepts for every host (a loop per host would wake up 100 threads);
        each connection then gets its own thread, as in ThreadingHTTPServer."""
        self._running.set()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()
        return self

    def _accept(self) -> None:
        with selectors.DefaultSelector() as selector:
            for server in self._servers:
                selector.register(server, selectors.EVENT_READ, server)
            while self._running.is_set():
                for key, _ in selector.select(timeout=0.2):
                    key.data.handle_request()

    def stop(self) -> None:
        self._running.clear()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for server in self._servers:
            server.server_close()

    def reset_stats(self) -> dict[str, int]:
        with self._lock:
            old = dict(self.stats)
            self.stats.clear()
        return old

    def __enter__(self) -> CorpusServers:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
