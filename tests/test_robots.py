"""robots.txt read by protego (RFC 9309): ``*`` and ``$`` in paths, the longest rule wins,
``Allow`` wins a tie, the group of our product token, Crawl-delay. The standard library's
parser, used before, ignored ``*`` and ``$`` (``Disallow: /*.html$`` let everything
through) and took the first rule in file order instead of the longest."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from publisher.errors import FetchError
from publisher.fetch import fetch_page, make_session
from publisher.hosts import HostGate
from publisher.model import RobotsFile, Source, Timeout
from publisher.robots import MAX_CRAWL_DELAY, RobotsCache, product_token

from .support.server import Reply

HTML = b"<html><head><title>t</title></head><body><p>hello</p></body></html>"
AGENT = "publisher/0.1.0 (+mailto:ops@example.org)"
WHEN = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
HOST = "http://news.example:80"


def cache_with(body: str) -> RobotsCache:
    """A cache holding ``body`` as the host's robots.txt, as a store hands it back: asking
    it sends no request (the session would fail the test if it were used)."""
    cache = RobotsCache(session=requests.Session(), gate=HostGate(), max_age=3600)
    cache.load([RobotsFile(host=HOST, fetched_at=WHEN, status=200, body=body)], now=WHEN)
    return cache


def allowed(body: str, path: str, agent: str = AGENT) -> bool:
    return cache_with(body).allowed(
        "http://news.example" + path, user_agent=agent, timeout=(0.001, 0.001)
    )


@pytest.mark.parametrize(
    ("body", "path", "expected"),
    [
        # '$' anchors the end, '*' matches any run of characters
        ("User-agent: *\nDisallow: /*.html$\n", "/news.html", False),
        ("User-agent: *\nDisallow: /*.html$\n", "/2026/11/news.html", False),
        ("User-agent: *\nDisallow: /*.html$\n", "/news.html?page=2", True),
        ("User-agent: *\nDisallow: /*.html$\n", "/news.htm", True),
        ("User-agent: *\nDisallow: /*.html$\n", "/news", True),
        ("User-agent: *\nDisallow: /$\n", "/", False),
        ("User-agent: *\nDisallow: /$\n", "/news", True),
        ("User-agent: *\nDisallow: /*/print/\n", "/news/print/1", False),
        ("User-agent: *\nDisallow: /*?session=\n", "/news?session=4", False),
        # the longest rule wins, whatever the order in the file
        ("User-agent: *\nDisallow: /news/\nAllow: /news/public/\n", "/news/public/a", True),
        ("User-agent: *\nAllow: /news/public/\nDisallow: /news/\n", "/news/public/a", True),
        ("User-agent: *\nDisallow: /news/\nAllow: /news/public/\n", "/news/private", False),
        ("User-agent: *\nAllow: /news\nDisallow: /news/archive\n", "/news/archive/1", False),
        # a tie: Allow wins (the least restrictive rule)
        ("User-agent: *\nDisallow: /news\nAllow: /news\n", "/news", True),
        # an empty Disallow disallows nothing
        ("User-agent: *\nDisallow:\n", "/news", True),
        # robots.txt itself is always allowed
        ("User-agent: *\nDisallow: /\n", "/robots.txt", True),
    ],
)  # fmt: skip
def test_rules(body: str, path: str, expected: bool) -> None:
    assert allowed(body, path) is expected


GROUPS = (
    "User-agent: *\nDisallow: /\n\n"
    "User-agent: publisher\nDisallow: /private/\n\n"
    "User-agent: example\nDisallow: /news\n"
)


@pytest.mark.parametrize(
    ("agent", "path", "expected"),
    [
        (AGENT, "/news", True),  # our group, not the contact's 'example' nor '*'
        (AGENT, "/private/x", False),
        ("Publisher/2.0", "/private/x", False),  # case does not matter
        ("otherbot/1.0 (+mailto:ops@example.org)", "/news", False),  # '*'
        ("example/1.0", "/news", False),
        ("example/1.0", "/about", True),
    ],
)
def test_the_group_of_the_product_token_applies(agent: str, path: str, expected: bool) -> None:
    assert allowed(GROUPS, path, agent) is expected


def test_product_token() -> None:
    assert product_token(AGENT) == "publisher"
    assert product_token("Mozilla/5.0 (compatible; Foobot/1.0)") == "mozilla"
    assert product_token("/odd") == "/odd"


@pytest.mark.parametrize(
    ("body", "delay"),
    [
        ("User-agent: *\nCrawl-delay: 4\n", 4.0),
        ("User-agent: *\nCrawl-delay: 2.5\n", 2.5),  # the standard library dropped fractions
        ("User-agent: *\nCrawl-delay: 600\n", MAX_CRAWL_DELAY),  # honoured up to the cap
        ("User-agent: *\nCrawl-delay: soon\n", None),
        ("User-agent: *\nCrawl-delay: 9\n\nUser-agent: publisher\nCrawl-delay: 1\n", 1.0),
        ("User-agent: *\nDisallow: /x\n", None),
    ],
)
def test_crawl_delay(body: str, delay: float | None) -> None:
    cache = cache_with(body)
    url = "http://news.example/news"
    assert cache.allowed(url, user_agent=AGENT, timeout=(0.001, 0.001))
    assert cache.crawl_delay(url, user_agent=AGENT) == delay


def test_a_body_that_is_not_robots_txt_allows_everything() -> None:
    """An HTML error page served as 200 for /robots.txt has no rules."""
    assert allowed("<html><body>Not found</body></html>", "/news")
    assert allowed("\x00\ufffd garbage \ufffd", "/news")


@pytest.mark.slow
def test_a_wildcard_disallow_stops_the_fetch_of_news_html(serve) -> None:
    """Through the normal fetch path, against a real server: the page is never asked for,
    the error says which rule file refused which URL and what to do."""
    server = serve(
        {
            "/robots.txt": Reply(
                body=b"User-agent: *\nDisallow: /*.html$\n",
                headers=(("Content-Type", "text/plain"),),
            ),
            "/news.html": Reply(body=HTML),
            "/news.html?page=2": Reply(body=HTML),
            "/news": Reply(body=HTML),
        }
    )
    gate = HostGate()
    with make_session(contact="mailto:ops@example.org") as session:
        robots = RobotsCache(session=session, gate=gate)

        def fetch(path: str):  # type: ignore[no-untyped-def]
            url = server.url(path)
            src = Source(id="s", url=url, title="S", home=url, min_delay=0.0, retries=0,
                         allow_private=True, timeout=Timeout(connect=2.0, read=2.0))  # fmt: skip
            return fetch_page(src, session=session, env={}, gate=gate, robots=robots)

        with pytest.raises(FetchError) as caught:
            fetch("/news.html")
        assert fetch("/news").status == 200
        assert fetch("/news.html?page=2").status == 200  # '$': the rule ends at .html
    error = caught.value
    assert error.url == server.url("/news.html")
    assert error.status is None
    assert error.reason == (
        f"robots.txt of http://127.0.0.1:{server.port} disallows {server.url('/news.html')} "
        "for this user agent; ask the site for a feed, or set 'respect_robots: false' only "
        "with the site's permission"
    )
    assert server.paths() == ["/robots.txt", "/news", "/news.html?page=2"]
