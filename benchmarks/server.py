"""The benchmark corpus over HTTP: the shared loopback server of the tests
(``tests/support/server.py``), one host (port) per ``corpus.PAGES_PER_HOST`` pages.

Each page is served at ``/<source id>/`` from ``<folder>/<source id>.html`` with an
``ETag`` (mtime and size, as nginx makes it: a 304 costs a ``stat`` only) and a
``Last-Modified``; a request whose ``If-None-Match`` or ``If-Modified-Since`` still holds
gets ``304 Not Modified``. Every answer waits ``latency`` seconds; ``/robots.txt`` allows
everything. Files are read at every request, so a page rewritten on disk is served new.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.server import Files, LocalServer, Reply, Servers

ROBOTS = Reply(body=b"User-agent: *\nAllow: /\n", headers=(("Content-Type", "text/plain"),))


class CorpusServers:
    """``hosts`` servers on 127.0.0.1 serving ``folder``; a context manager."""

    def __init__(self, folder: Path, *, hosts: int, latency: float = 0.0):
        self._servers = Servers()
        self._hosts = [
            LocalServer(
                routes={"/robots.txt": ROBOTS, "/": Files(folder, suffix=".html", checksum=False)},
                latency=latency,
            )
            for _ in range(hosts)
        ]

    @property
    def urls(self) -> list[str]:
        return [host.base for host in self._hosts]

    def reset_stats(self) -> dict[str, int]:
        """Requests since the last call: all, pages answered 200, answers 304."""
        seen = [request for host in self._hosts for request in host.take_seen()]
        return {
            "requests": len(seen),
            "ok": sum(1 for s in seen if s.status == 200 and s.path != "/robots.txt"),
            "not_modified": sum(1 for s in seen if s.status == 304),
        }

    def __enter__(self) -> CorpusServers:
        for host in self._hosts:
            self._servers.start(host)
        return self

    def __exit__(self, *exc: object) -> None:
        self._servers.stop()
