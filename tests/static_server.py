"""A static file server on 127.0.0.1 that behaves like nginx for feed clients.

ETag from the file's mtime, size and content, Last-Modified from its mtime, and 304 to
conditional requests (``If-None-Match`` wins over ``If-Modified-Since``, RFC 9110). Every
request is logged with its status and User-Agent, so tests can see which client was
answered 304. Threaded, bound to 127.0.0.1 on a free port; use it as a context manager.
"""

from __future__ import annotations

import threading
import zlib
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import ClassVar

CONTENT_TYPES = {
    ".atom": "application/atom+xml",
    ".rss": "application/rss+xml",
    ".json": "application/feed+json; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    path: str
    status: int
    agent: str


class StaticServer:
    """Serves ``routes``: URL path -> file (exact), or URL prefix ending in '/' -> folder."""

    def __init__(self, routes: dict[str, Path]):
        self.routes = routes
        self.hits: list[Hit] = []
        self.blind_304 = False  # answer 304 even to unconditional requests (a broken cache)
        self._lock = threading.Lock()
        server = self

        class Handler(_Handler):
            owner: ClassVar[StaticServer] = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def file_for(self, path: str) -> Path | None:
        path = path.split("?", 1)[0]
        if path in self.routes:
            return self.routes[path]
        for prefix, folder in self.routes.items():
            if prefix.endswith("/") and path.startswith(prefix):
                name = path[len(prefix) :]
                if name and "/" not in name and not name.startswith("."):
                    return folder / name
        return None

    def record(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)

    def take_hits(self) -> list[Hit]:
        """The requests since the last call, less robots.txt (the fetch layer's own)."""
        with self._lock:
            hits, self.hits = self.hits, []
        return [hit for hit in hits if hit.path != "/robots.txt"]

    def __enter__(self) -> StaticServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)


def etag_of(path: Path) -> tuple[str, str, bytes]:
    """(ETag, Last-Modified, body) of a file, as nginx would derive them."""
    data = path.read_bytes()
    stat = path.stat()
    etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}-{zlib.crc32(data):08x}"'
    return etag, formatdate(stat.st_mtime, usegmt=True), data


class _Handler(BaseHTTPRequestHandler):
    owner: ClassVar[StaticServer]
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the test output clean; every request is in owner.hits

    def do_GET(self) -> None:
        agent = self.headers.get("User-Agent", "")
        path = self.owner.file_for(self.path)
        if path is None or not path.is_file():
            self._send(404, b"not found", {"Content-Type": "text/plain"}, agent)
            return
        etag, last_modified, data = etag_of(path)
        headers = {"ETag": etag, "Last-Modified": last_modified}
        if self._not_modified(etag, path):
            self._send(304, b"", headers, agent)
            return
        headers["Content-Type"] = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        self._send(200, data, headers, agent)

    def _not_modified(self, etag: str, path: Path) -> bool:
        if self.owner.blind_304:
            return True
        match = self.headers.get("If-None-Match")
        if match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in match.split(",")}
            return etag in tags or "*" in tags
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                when = parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError):
                return False
            return int(path.stat().st_mtime) <= when
        return False

    def _send(self, status: int, body: bytes, headers: dict[str, str], agent: str) -> None:
        self.owner.record(
            Hit(path=self.path, status=status, agent=agent)
        )  # before the client sees it
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)
