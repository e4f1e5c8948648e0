"""The shared loopback server's fault switches, seen through a real fetch."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from publisher.fetch import make_session

from .support.records import fetch, source
from .support.server import Reply

HTML = b"<html><body><p>hello</p></body></html>"


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with make_session() as s:
        yield s


@pytest.mark.slow
def test_a_dropped_connection_is_retried(serve, session):
    server = serve({"/news": [Reply(drop=True), Reply(body=HTML)]})
    page = fetch(source(server.url("/news"), retries=1, respect_robots=False), session)
    assert "hello" in page.text
    assert [seen.status for seen in server.seen] == [0, 200]  # 0: hung up unanswered


@pytest.mark.slow
def test_a_body_sent_byte_by_byte_arrives_whole(serve, session):
    server = serve({"/news": Reply(body=HTML, trickle=0.002)})
    started = time.monotonic()
    page = fetch(source(server.url("/news"), respect_robots=False), session)
    assert time.monotonic() - started >= 0.002 * len(HTML)  # it was sent one byte at a time
    assert page.text == HTML.decode()
