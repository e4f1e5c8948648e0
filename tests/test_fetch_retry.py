"""Retries are fetch's own loop, not urllib3's ``Retry``: what that loop gives and urllib3's
would not (see the comment above ``publisher.fetch._Retry``). Each retry passes through
the host gate (``min_delay`` and Crawl-delay apart, one request at a time per host), its
wait holds back the other sources of the host, and the session never retries by itself,
so the attempts are the ones ``retries`` allows."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from publisher.errors import FetchError
from publisher.fetch import fetch_page, make_session
from publisher.hosts import HostGate
from publisher.model import Source
from publisher.robots import RobotsCache

from .support import records
from .support.records import FakeClock
from .support.server import Reply

HTML = b"<html><head><title>t</title></head><body><p>hello</p></body></html>"


def source(url: str, **kw: object) -> Source:
    """The shared test source, with one retry."""
    return records.source(url, **{"retries": 1, **kw})


@pytest.mark.slow
@pytest.mark.parametrize(
    ("robots_txt", "min_delay", "waits"),
    [
        # robots.txt -> /news waits min_delay; /news (503) -> retry waits the longer of
        # min_delay and the backoff (0.5 s)
        (b"", 2.0, [2.0, 2.0]),
        (b"", 0.2, [0.2, 0.5]),
        # a Crawl-delay spaces the retry too (the first /news waits min_delay: the
        # Crawl-delay is read from robots.txt, which went out before it was known)
        (b"User-agent: *\nCrawl-delay: 3\n", 0.0, [3.0]),
    ],
)
def test_a_retry_waits_as_long_as_the_host_asks(
    serve, robots_txt: bytes, min_delay: float, waits: list[float]
) -> None:
    routes: dict[str, object] = {"/news": [Reply(status=503), Reply(body=HTML)]}
    if robots_txt:
        routes["/robots.txt"] = Reply(body=robots_txt, headers=(("Content-Type", "text/plain"),))
    server = serve(routes)
    clock = FakeClock()
    gate = HostGate(clock=clock, sleep=clock.sleep)
    with make_session() as session:
        robots = RobotsCache(session=session, gate=gate)
        src = source(server.url("/news"), min_delay=min_delay)
        page = fetch_page(src, session=session, env={}, gate=gate, robots=robots)
    assert page.status == 200
    assert server.paths() == ["/robots.txt", "/news", "/news"]
    assert clock.slept == [pytest.approx(wait) for wait in waits]


@pytest.mark.slow
def test_a_retry_holds_back_the_other_sources_of_the_host(serve) -> None:
    """A 503 with Retry-After: 1 for source a: source b, on the same host, asked while a
    waits, goes out only after a's retry, not in the quiet the host asked for."""
    server = serve(
        {
            "/a": [Reply(status=503, headers=(("Retry-After", "1"),)), Reply(body=HTML)],
            "/b": Reply(body=HTML),
        }
    )
    gate = HostGate()
    errors: list[BaseException] = []
    with make_session() as session:
        robots = RobotsCache(session=session, gate=gate)

        def fetch_a() -> None:
            try:
                fetch_page(source(server.url("/a")), session=session, env={}, gate=gate,
                           robots=robots)  # fmt: skip
            except BaseException as exc:  # handed to the test's thread
                errors.append(exc)

        worker = threading.Thread(target=fetch_a)
        worker.start()
        for _ in range(200):  # until the server has answered a's first request
            if server.paths().count("/a") == 1:
                break
            time.sleep(0.01)
        time.sleep(0.2)  # a has read the 503 and is waiting in the gate
        page = fetch_page(source(server.url("/b")), session=session, env={}, gate=gate,
                          robots=robots)  # fmt: skip
        worker.join(timeout=10)
    assert not errors
    assert page.status == 200
    assert server.paths() == ["/robots.txt", "/a", "/a", "/b"]
    first_a, second_a, b = (seen for seen in server.seen if seen.path != "/robots.txt")
    assert second_a.start - first_a.end >= 0.95
    assert b.start >= second_a.end


@contextmanager
def hanging_up() -> Iterator[tuple[int, list[int]]]:
    """A port on 127.0.0.1 that accepts each connection and closes it at once, unanswered;
    the list counts the connections."""
    accepted: list[int] = []
    stop = threading.Event()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.05)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            accepted.append(1)
            conn.close()

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        yield sock.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join(timeout=5)
        sock.close()


@pytest.mark.slow
@pytest.mark.parametrize("retries", [0, 2])
def test_the_session_never_retries_by_itself(retries: int) -> None:
    """A server that hangs up gets exactly ``retries + 1`` connections, with our backoff
    between them: urllib3's own retries are off in the session's adapter."""
    slept: list[float] = []
    with hanging_up() as (port, accepted), make_session() as session:
        src = source(f"http://127.0.0.1:{port}/news", retries=retries, respect_robots=False)
        with pytest.raises(FetchError, match="could not connect") as info:
            fetch_page(src, session=session, env={}, sleep=slept.append)
    assert len(accepted) == retries + 1
    assert slept == [pytest.approx(wait, abs=0.01) for wait in (0.5, 1.0)[:retries]]
    assert info.value.status is None
    assert session.get_adapter("http://127.0.0.1/").max_retries.total == 0
