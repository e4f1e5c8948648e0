"""fetch_page against a real HTTP server on 127.0.0.1: validators, retries, timeouts,
size cap, redirects, robots.txt, charsets, gzip, headers from the environment."""

from __future__ import annotations

import gzip
import itertools
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from publisher import __version__
from publisher.errors import FetchError
from publisher.fetch import fetch_page, make_session
from publisher.hosts import HostGate, host_key
from publisher.model import RobotsFile, Timeout
from publisher.retrieve import Validators
from publisher.robots import RobotsCache

from .support.records import FakeClock, Sleeps, fetch, source
from .support.server import LocalServer, Reply, redirect, serving, silent_port

HTML = b"<html><head><title>t</title></head><body><p>hello</p></body></html>"


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with make_session(contact="mailto:ops@example.org") as s:
        yield s


# -- conditional GET ---------------------------------------------------------------------


@pytest.mark.slow
def test_etag_gives_304(serve, session):
    def page(path: str, headers: dict[str, str]) -> Reply:
        if headers.get("if-none-match") == '"v1"':
            return Reply(status=304, headers=(("ETag", '"v1"'),))
        return Reply(body=HTML, headers=(("ETag", '"v1"'),))

    server = serve({"/news": page})
    first = fetch(source(server.url("/news")), session)
    assert first.status == 200
    assert first.etag == '"v1"'
    assert "hello" in first.text
    second = fetch(source(server.url("/news")), session, validators=Validators(etag=first.etag))
    assert second.status == 304
    assert second.text == ""
    assert server.seen[-1].headers["if-none-match"] == '"v1"'
    assert "if-none-match" not in server.seen[1].headers  # seen[0] is robots.txt


@pytest.mark.slow
def test_last_modified_gives_304(serve, session):
    stamp = "Wed, 25 Nov 2026 10:00:00 GMT"

    def page(path: str, headers: dict[str, str]) -> Reply:
        if headers.get("if-modified-since") == stamp:
            return Reply(status=304)
        return Reply(body=HTML, headers=(("Last-Modified", stamp),))

    server = serve({"/news": page})
    first = fetch(source(server.url("/news")), session)
    assert first.last_modified == stamp
    assert first.etag is None
    again = fetch(source(server.url("/news")), session, validators=Validators(last_modified=stamp))
    assert again.status == 304
    assert "if-none-match" not in server.seen[-1].headers


# -- retries -------------------------------------------------------------------------------


@pytest.mark.slow
def test_503_twice_then_200_is_retried_with_backoff(serve, session):
    server = serve({"/news": [Reply(status=503), Reply(status=503), Reply(body=HTML)]})
    sleeps = Sleeps()
    page = fetch(source(server.url("/news"), retries=3), session, sleep=sleeps)
    assert page.status == 200
    assert "hello" in page.text
    assert server.paths() == ["/robots.txt", "/news", "/news", "/news"]
    assert sleeps.calls == [pytest.approx(0.5, abs=0.2), pytest.approx(1.0, abs=0.2)]


@pytest.mark.slow
def test_503_until_retries_run_out_fails_with_status(serve, session):
    server = serve({"/news": Reply(status=503)})
    with pytest.raises(FetchError, match="HTTP 503") as info:
        fetch(source(server.url("/news"), retries=2), session)
    assert info.value.status == 503
    assert server.paths().count("/news") == 3


@pytest.mark.slow
def test_429_waits_as_told_by_retry_after(serve, session):
    server = serve(
        {"/news": [Reply(status=429, headers=(("Retry-After", "7"),)), Reply(body=HTML)]}
    )
    sleeps = Sleeps()
    page = fetch(source(server.url("/news"), retries=3), session, sleep=sleeps)
    assert page.status == 200
    assert sleeps.calls == [pytest.approx(7.0, abs=0.5)]


@pytest.mark.slow
def test_429_with_a_long_retry_after_fails_now_instead_of_waiting(serve, session):
    server = serve({"/news": Reply(status=429, headers=(("Retry-After", "3600"),))})
    sleeps = Sleeps()
    with pytest.raises(FetchError, match="wait 3600s") as info:
        fetch(source(server.url("/news"), retries=3), session, sleep=sleeps)
    assert info.value.status == 429
    assert sleeps.calls == []
    assert server.paths().count("/news") == 1


@pytest.mark.slow
def test_retry_after_holds_back_other_sources_on_the_same_host(serve, session):
    server = serve(
        {
            "/a": [Reply(status=503, headers=(("Retry-After", "5"),)), Reply(body=HTML)],
            "/b": Reply(body=HTML),
        }
    )
    clock = FakeClock()
    gate = HostGate(clock=clock, sleep=clock.sleep)
    with pytest.raises(FetchError, match="HTTP 503"):
        fetch(source(server.url("/a"), retries=0), session, gate=gate)
    assert clock.slept == []
    fetch(source(server.url("/b")), session, gate=gate)  # the host asked for 5 s of quiet
    assert clock.slept == [pytest.approx(5.0)]


@pytest.mark.slow
def test_404_is_not_retried(serve, session):
    server = serve({})
    with pytest.raises(FetchError, match=r"HTTP 404.*update 'url'") as info:
        fetch(source(server.url("/gone"), retries=3), session)
    assert info.value.status == 404
    assert server.paths().count("/gone") == 1


@pytest.mark.slow
def test_a_server_that_never_answers_times_out_fast(session):
    with silent_port() as port:
        src = source(
            f"http://127.0.0.1:{port}/news", retries=1, timeout=Timeout(connect=1.0, read=0.3)
        )
        sleeps = Sleeps()
        started = time.monotonic()
        with pytest.raises(FetchError, match="timed out") as info:
            fetch(src, session, sleep=sleeps, robots=None)
        elapsed = time.monotonic() - started
    # robots.txt (unreachable: allowed) and two page attempts, 0.3 s each
    assert 0.6 <= elapsed < 3.0
    assert info.value.status is None
    assert len(sleeps.calls) == 1  # one backoff between the two attempts


@pytest.mark.slow
def test_connection_refused_is_reported(session):
    with silent_port() as port:
        pass  # closed again: nothing listens there now
    with pytest.raises(FetchError, match="could not connect"):
        fetch(source(f"http://127.0.0.1:{port}/news"), session)


# -- size, type, encoding ------------------------------------------------------------------


@pytest.mark.slow
def test_body_over_the_cap_fails(serve, session):
    server = serve({"/big": Reply(body=b"x" * 5000, headers=(("Content-Type", "text/html"),))})
    with pytest.raises(FetchError, match=r"larger than max_bytes \(1000 bytes\)"):
        fetch(source(server.url("/big"), max_bytes=1000), session)
    assert fetch(source(server.url("/big"), max_bytes=5000), session).text == "x" * 5000


@pytest.mark.slow
def test_gzip_body_is_decoded_and_the_cap_counts_decoded_bytes(serve, session):
    body = b"<html><body>" + b"<p>caf\xc3\xa9 news</p>" * 2000 + b"</body></html>"
    packed = gzip.compress(body)
    assert len(packed) < 2000 < len(body)
    headers = (("Content-Encoding", "gzip"), ("Content-Type", "text/html; charset=utf-8"))
    server = serve({"/news": Reply(body=packed, headers=headers)})
    page = fetch(source(server.url("/news")), session)
    assert page.text == body.decode("utf-8")
    assert "gzip" in server.seen[-1].headers["accept-encoding"]
    with pytest.raises(FetchError, match="larger than max_bytes"):
        fetch(source(server.url("/news"), max_bytes=len(body) // 2), session)


@pytest.mark.slow
def test_deflate_body_is_decoded(serve, session):
    import zlib

    headers = (("Content-Encoding", "deflate"), ("Content-Type", "text/html"))
    server = serve({"/news": Reply(body=zlib.compress(HTML), headers=headers)})
    assert fetch(source(server.url("/news")), session).text == HTML.decode()


@pytest.mark.slow
def test_latin1_page_with_meta_charset_and_no_http_charset(serve, session):
    body = (
        '<html><head><meta charset="iso-8859-1"><title>Déclaration</title></head>'
        "<body><p>Les défenseurs des droits à Montréal</p></body></html>"
    ).encode("iso-8859-1")
    server = serve({"/fr": Reply(body=body, headers=(("Content-Type", "text/html"),))})
    page = fetch(source(server.url("/fr")), session)
    assert "Les défenseurs des droits à Montréal" in page.text
    assert "\ufffd" not in page.text


@pytest.mark.slow
def test_meta_charset_is_used_when_http_has_none(serve, session):
    # windows-1251 bytes are valid windows-1252 too: only the <meta> gives the right text
    body = '<meta charset="windows-1251"><p>Новости</p>'.encode("cp1251")
    server = serve({"/ru": Reply(body=body, headers=(("Content-Type", "text/html"),))})
    assert "<p>Новости</p>" in fetch(source(server.url("/ru")), session).text


@pytest.mark.slow
def test_http_charset_wins_over_meta(serve, session):
    body = '<meta charset="iso-8859-1"><p>Новости</p>'.encode("koi8-r")
    headers = (("Content-Type", "text/html; charset=KOI8-R"),)
    server = serve({"/ru": Reply(body=body, headers=headers)})
    assert "<p>Новости</p>" in fetch(source(server.url("/ru")), session).text


@pytest.mark.slow
def test_undecodable_bytes_do_not_crash(serve, session):
    body = b"<meta charset='utf-8'><p>ok \xff\xfe broken</p>"
    server = serve({"/x": Reply(body=body, headers=(("Content-Type", "text/html"),))})
    assert "ok \ufffd\ufffd broken" in fetch(source(server.url("/x")), session).text


@pytest.mark.slow
def test_a_pdf_is_refused_with_a_clear_message(serve, session):
    server = serve({"/x": Reply(body=b"%PDF-1.4", headers=(("Content-Type", "application/pdf"),))})
    with pytest.raises(FetchError, match="sent 'application/pdf', which format html does not read"):
        fetch(source(server.url("/x")), session)


# -- redirects -----------------------------------------------------------------------------


@pytest.mark.slow
def test_redirect_chain_is_followed_and_a_permanent_move_reported(serve, session):
    server = serve(
        {
            "/old": redirect("/newer", 301),
            "/newer": redirect("/newest", 308),
            "/newest": redirect("/today"),  # temporary: not where to point 'url'
            "/today": Reply(body=HTML),
        }
    )
    page = fetch(source(server.url("/old")), session)
    assert page.url == server.url("/today")
    assert page.permanent_redirect == server.url("/newest")
    assert server.paths() == ["/robots.txt", "/old", "/newer", "/newest", "/today"]


@pytest.mark.slow
def test_temporary_redirect_is_not_reported_as_a_move(serve, session):
    server = serve({"/a": redirect("/b"), "/b": redirect("/c", 301), "/c": Reply(body=HTML)})
    page = fetch(source(server.url("/a")), session)
    assert page.url == server.url("/c")
    assert page.permanent_redirect is None


@pytest.mark.slow
def test_redirect_loop_fails_with_the_loop_named(serve, session):
    server = serve({"/x": redirect("/y"), "/y": redirect("/x")})
    with pytest.raises(FetchError, match="redirect loop") as info:
        fetch(source(server.url("/x")), session)
    assert f"{server.url('/x')} -> {server.url('/y')} -> {server.url('/x')}" in str(info.value)
    assert server.paths() == ["/robots.txt", "/x", "/y"]


@pytest.mark.slow
def test_more_than_five_redirects_fail(serve, session):
    server = serve({f"/r{n}": redirect(f"/r{n + 1}") for n in range(10)})
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch(source(server.url("/r0")), session)
    assert server.paths().count("/r5") == 1
    assert "/r6" not in server.paths()


# -- robots.txt ----------------------------------------------------------------------------


ROBOTS = b"User-agent: *\nDisallow: /private/\n\nUser-agent: publisher\nDisallow: /nobots/\n"


@pytest.mark.slow
def test_robots_disallow_fails_the_source_without_fetching_it(serve, session):
    server = serve(
        {
            "/robots.txt": Reply(body=ROBOTS, headers=(("Content-Type", "text/plain"),)),
            "/private/news": Reply(body=HTML),
            "/nobots/news": Reply(body=HTML),
            "/news": Reply(body=HTML),
        }
    )
    gate = HostGate()
    robots = RobotsCache(session=session, gate=gate)

    def get(path: str, **kw: object):  # type: ignore[no-untyped-def]
        return fetch(source(server.url(path), **kw), session, gate=gate, robots=robots)

    with pytest.raises(FetchError, match=r"robots\.txt of .* disallows"):
        get("/nobots/news")  # the group for 'publisher'
    with pytest.raises(FetchError, match=r"robots\.txt of .* disallows"):
        get("/private/news", user_agent="otherbot/2.0")  # the '*' group
    # our own group wins over '*' (RFC 9309), and it allows /private/
    assert get("/private/news").status == 200
    assert get("/news").status == 200
    assert server.paths() == ["/robots.txt", "/private/news", "/news"]  # robots.txt once


@pytest.mark.slow
def test_robots_404_means_allowed(serve, session):
    server = serve({"/news": Reply(body=HTML)})
    assert fetch(source(server.url("/news")), session).status == 200
    assert server.paths() == ["/robots.txt", "/news"]
    assert server.seen[0].headers["user-agent"].startswith("publisher/")


@pytest.mark.slow
def test_robots_500_means_allowed_for_this_run(serve, session):
    server = serve({"/robots.txt": Reply(status=500), "/news": Reply(body=HTML)})
    assert fetch(source(server.url("/news")), session).status == 200


@pytest.mark.slow
def test_respect_robots_false_skips_robots_with_a_warning(serve, session, caplog):
    server = serve(
        {"/robots.txt": Reply(body=b"User-agent: *\nDisallow: /\n"), "/news": Reply(body=HTML)}
    )
    with caplog.at_level(logging.WARNING, logger="publisher.fetch"):
        page = fetch(source(server.url("/news"), respect_robots=False), session)
    assert page.status == 200
    assert server.paths() == ["/news"]
    assert "respect_robots is false" in caplog.text


@pytest.mark.slow
def test_robots_is_checked_on_the_redirect_target_host(serve, session):
    other = serve(
        {"/robots.txt": Reply(body=b"User-agent: *\nDisallow: /\n"), "/x": Reply(body=HTML)}
    )
    server = serve({"/news": redirect(other.url("/x"))})
    with pytest.raises(FetchError, match="disallows"):
        fetch(source(server.url("/news")), session)
    assert other.paths() == ["/robots.txt"]


@pytest.mark.slow
@pytest.mark.parametrize(("hops", "disallowed"), [(5, True), (6, False)])
def test_robots_txt_is_followed_through_five_redirects_and_no_more(
    serve, session, hops, disallowed
):
    """RFC 9309: five redirects to a robots.txt are followed; past that (the session's
    ``max_redirects``) it counts as unreachable, which allows everything."""
    chain = ["/robots.txt", *(f"/r{n}" for n in range(1, hops + 1))]
    routes = {here: redirect(there) for here, there in itertools.pairwise(chain)}
    routes[chain[-1]] = Reply(body=b"User-agent: *\nDisallow: /\n")
    server = serve({**routes, "/news": Reply(body=HTML)})
    if disallowed:
        with pytest.raises(FetchError, match="disallows"):
            fetch(source(server.url("/news")), session)
        assert server.paths() == chain
    else:
        assert fetch(source(server.url("/news")), session).status == 200
        assert server.paths() == [*chain[:-1], "/news"]  # the sixth redirect is not followed


# -- headers, user agent, secrets --------------------------------------------------------


@pytest.mark.slow
def test_user_agent_names_publisher_and_the_contact(serve, session):
    server = serve({"/news": Reply(body=HTML)})
    fetch(source(server.url("/news")), session)
    agent = f"publisher/{__version__} (+mailto:ops@example.org)"
    assert [seen.headers["user-agent"] for seen in server.seen] == [agent, agent]
    fetch(source(server.url("/news"), user_agent="custom/1.0"), session)
    assert server.seen[-1].headers["user-agent"] == "custom/1.0"


@pytest.mark.slow
def test_headers_expand_env_and_stay_on_the_source_host(serve, session):
    other = serve({"/x": Reply(body=HTML)})
    server = serve({"/news": redirect(other.url("/x"))})
    src = source(
        server.url("/news"),
        headers=(("Authorization", "Bearer ${PUB_TOKEN}"), ("X-Plain", "plain")),
    )
    page = fetch_page(src, session=session, env={"PUB_TOKEN": "s3cr3t-t0k3n"}, sleep=Sleeps())
    assert page.status == 200
    assert server.seen[-1].headers["authorization"] == "Bearer s3cr3t-t0k3n"
    assert "authorization" not in server.seen[0].headers  # robots.txt: no secrets
    assert all("authorization" not in seen.headers for seen in other.seen)
    assert all("x-plain" not in seen.headers for seen in other.seen)


@pytest.mark.slow
def test_missing_env_var_fails_and_names_the_variable(serve, session):
    server = serve({"/news": Reply(body=HTML)})
    src = source(server.url("/news"), headers=(("Authorization", "Bearer ${PUB_MISSING}"),))
    with pytest.raises(FetchError, match="PUB_MISSING is not set"):
        fetch_page(src, session=session, env={}, sleep=Sleeps())
    assert server.paths() == []


@pytest.mark.slow
def test_a_broken_secret_is_not_shown_in_the_error(serve, session):
    server = serve({"/news": Reply(body=HTML)})
    src = source(server.url("/news"), headers=(("Cookie", "sid=${PUB_SID}"),))
    with pytest.raises(FetchError) as info:
        fetch_page(src, session=session, env={"PUB_SID": "abc123secret\n"}, sleep=Sleeps())
    assert "abc123secret" not in str(info.value)
    assert "line break" in str(info.value)


# -- the host gate -------------------------------------------------------------------------


def test_gate_spaces_requests_to_one_host_by_min_delay():
    clock = FakeClock()
    gate = HostGate(clock=clock, sleep=clock.sleep)
    with gate.slot("http://a.example/1", min_delay=2.0):
        clock.now += 0.5  # the request takes 0.5 s
    with gate.slot("http://b.example/1", min_delay=2.0):  # another host: no wait
        pass
    assert clock.slept == []
    clock.now += 0.25
    with gate.slot("http://A.example:80/2", min_delay=2.0):  # same host as the first
        pass
    assert clock.slept == [pytest.approx(1.75)]
    gate.defer("http://a.example/", 30)
    with gate.slot("https://a.example/", min_delay=0):  # https is another host (port 443)
        pass
    assert len(clock.slept) == 1
    with gate.slot("http://a.example/3", min_delay=0):
        pass
    assert clock.slept[-1] == pytest.approx(30)


@pytest.mark.slow
def test_crawl_delay_in_robots_txt_spaces_requests_more_than_min_delay(serve, session):
    server = serve(
        {
            "/robots.txt": Reply(body=b"User-agent: *\nCrawl-delay: 4\n"),
            "/a": Reply(body=HTML),
            "/b": Reply(body=HTML),
        }
    )
    clock = FakeClock()
    gate = HostGate(clock=clock, sleep=clock.sleep)
    robots = RobotsCache(session=session, gate=gate)
    fetch(source(server.url("/a"), min_delay=1.0), session, gate=gate, robots=robots)
    fetch(source(server.url("/b"), min_delay=1.0), session, gate=gate, robots=robots)
    # robots.txt -> /a: min_delay (the Crawl-delay is not known yet); /a -> /b: Crawl-delay
    assert clock.slept == [pytest.approx(1.0), pytest.approx(4.0)]


def test_gate_lets_one_thread_per_host_in_at_a_time():
    import threading

    gate = HostGate()
    inside: dict[str, int] = {"a": 0, "b": 0}
    most: dict[str, int] = {"a": 0, "b": 0}
    lock = threading.Lock()

    def work(host: str) -> None:
        for _ in range(5):
            with gate.slot(f"http://{host}.example/", min_delay=0):
                with lock:
                    inside[host] += 1
                    most[host] = max(most[host], inside[host])
                time.sleep(0.002)
                with lock:
                    inside[host] -= 1

    threads = [threading.Thread(target=work, args=(h,)) for h in "aabbab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert most == {"a": 1, "b": 1}


@pytest.mark.slow
def test_retry_after_as_an_http_date(serve, session):
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime

    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    server = serve(
        {"/news": [Reply(status=503, headers=(("Retry-After", when),)), Reply(body=HTML)]}
    )
    sleeps = Sleeps()
    assert fetch(source(server.url("/news"), retries=1), session, sleep=sleeps).status == 200
    assert sleeps.calls == [pytest.approx(20, abs=1.5)]


@pytest.mark.slow
def test_redirect_to_another_scheme_fails(serve, session):
    server = serve({"/x": redirect("ftp://files.example.org/news")})
    with pytest.raises(FetchError, match="not http"):
        fetch(source(server.url("/x")), session)


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://Example.org/a?b", "http://example.org:80"),
        ("http://example.org:80/", "http://example.org:80"),
        ("https://example.org/", "https://example.org:443"),
        ("http://127.0.0.1:8001/x", "http://127.0.0.1:8001"),
        ("http://[::1]:8080/", "http://[::1]:8080"),
    ],
)
def test_host_key(url, key):
    from publisher.hosts import host_key

    assert host_key(url) == key


def test_redact_hides_plain_and_escaped_forms():
    from publisher.request import redact

    text = "bad value 'tok\\r\\nX' and tok\r\nX"
    assert redact(text, ("tok\r\nX",)) == "bad value '***' and ***"


@pytest.mark.slow
def test_a_long_lived_robots_cache_asks_again_after_max_age():
    server = LocalServer(routes={"/robots.txt": Reply(status=404)})
    now = [0.0]
    with serving(server), make_session() as session:
        cache = RobotsCache(session=session, gate=HostGate(), max_age=60, clock=lambda: now[0])
        for moment in (0.0, 30.0, 61.0, 100.0):
            now[0] = moment
            assert cache.allowed(server.url("/a"), user_agent="t", timeout=(2, 2))
    assert server.paths() == ["/robots.txt", "/robots.txt"]  # at 0 and at 61


@pytest.mark.slow
def test_kept_robots_files_are_taken_up_by_age_and_only_those_worth_keeping_are_given():
    """What a store hands back is used while young (here: the disallow applies without a
    request) and ignored when old or dated after ``now`` (a clock that went back)."""
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    server = LocalServer(routes={"/robots.txt": Reply(status=404)})
    with serving(server), make_session() as session:
        host = host_key(server.url("/"))
        for age, asked in ((timedelta(minutes=59), False), (timedelta(minutes=61), True),
                           (timedelta(minutes=-5), True)):  # fmt: skip
            cache = RobotsCache(session=session, gate=HostGate(), max_age=3600)
            kept = RobotsFile(host=host, fetched_at=now - age, status=200,
                              body="User-agent: *\nDisallow: /private\n")  # fmt: skip
            cache.load([kept], now=now)
            before = server.paths().count("/robots.txt")
            allowed = cache.allowed(server.url("/private/x"), user_agent="t", timeout=(2, 2))
            assert allowed is asked  # the live file is a 404: no rules
            assert server.paths().count("/robots.txt") - before == int(asked)
            # only what this cache fetched (the 404) is worth keeping, dated as asked
            assert cache.to_keep(dated=now) == (
                (RobotsFile(host=host, fetched_at=now, status=404),) if asked else ()
            )
    with pytest.raises(ValueError, match="max_age"):
        RobotsCache(session=requests.Session(), gate=HostGate()).load([], now=now)
