"""Servers and configurations for the hostile tests: every server binds 127.0.0.1 only."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

_ITEMS = "".join(
    f"<li><a href='/n/{n}'>Entry number {n}</a><time>2026-11-{n + 1:02d}</time></li>"
    for n in range(5)
)
PAGE = f"<html><body><ul>{_ITEMS}</ul></body></html>".encode()


@contextmanager
def raw_server(answer: Callable[[socket.socket], None]) -> Iterator[str]:
    """A server that hands each connection to ``answer`` (in a thread); yields its base URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            thread = threading.Thread(target=_serve_one, args=(answer, conn, stop), daemon=True)
            thread.start()
            threads.append(thread)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        acceptor.join(5)
        listener.close()
        for thread in threads:
            thread.join(5)


def _serve_one(
    answer: Callable[[socket.socket], None], conn: socket.socket, stop: threading.Event
) -> None:
    conn.settimeout(1.0)
    try:
        conn.recv(65536)  # the request
        answer(conn)
    except OSError:
        pass
    finally:
        conn.close()


def drip(seconds: float) -> Callable[[socket.socket], None]:
    """Headers, then one byte of body every 0.2 s for ``seconds`` (a 'slow loris' answer)."""

    def answer(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>")
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            conn.sendall(b" ")
            time.sleep(0.2)

    return answer


def reply(
    status: str, headers: dict[str, str], body: bytes = b""
) -> Callable[[socket.socket], None]:
    def answer(conn: socket.socket) -> None:
        lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)

    return answer


SELECT = (
    "    select:\n      item: li\n      title: a\n      link: a::attr(href)\n      date: time\n"
)


def write_config(folder: Path, url: str, *, site: str = "", source: str = "") -> Path:
    text = (
        "site:\n  base_url: https://feeds.example.org/\n  output: feeds\n  state: state/s.db\n"
        + site
        + f"sources:\n  - id: s\n    url: {url}\n    retries: 0\n    min_delay: 0\n"
        + "    respect_robots: false\n"
        + source
        + SELECT
    )
    path = folder / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def file_config(folder: Path, entries: int = 5, **kw: str) -> Path:
    """A page of ``entries`` entries on disk and a configuration reading it."""
    page = folder / "page.html"
    items = "".join(
        f"<li><a href='https://example.org/n/{n}'>Entry {n}</a>"
        f"<time>2026-11-{n + 1:02d}</time></li>"
        for n in range(entries)
    )
    page.write_text(f"<html><body><ul>{items}</ul></body></html>", encoding="utf-8")
    return write_config(folder, "page.html", **kw)
