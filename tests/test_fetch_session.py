"""The run's session reads the proxy environment once per host, with requests' own rules;
what a fetch sends (proxy, headers, no cookies), against real servers on 127.0.0.1."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest
import requests

from publisher.fetch import fetch_page, make_session
from publisher.model import Source, Timeout

from .support.server import Reply

URLS = ("http://news.example.org/a/", "http://news.example.org/b/", "https://local.test/x/")


def _settings(session: requests.Session, url: str) -> dict[str, object]:
    return dict(session.merge_environment_settings(url, {}, True, None, None))


@pytest.mark.parametrize("no_proxy", ["", "local.test"])
def test_settings_are_those_requests_gives(monkeypatch: pytest.MonkeyPatch, no_proxy: str):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3129")
    monkeypatch.setenv("NO_PROXY", no_proxy)
    session, plain = make_session(), requests.Session()
    for url in URLS + URLS:
        assert _settings(session, url) == _settings(plain, url)
    bypassed = _settings(session, URLS[2])["proxies"]
    assert ("https" in bypassed) is (no_proxy == "")  # type: ignore[operator]


def test_settings_are_read_once_per_host_and_never_shared(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    session = make_session()
    first = _settings(session, URLS[0])
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9999")  # one run, one environment
    second = _settings(session, URLS[1])
    assert second == first
    assert second["proxies"] is not first["proxies"]  # callers may change their copy
    # Explicit settings are never cached.
    explicit = session.merge_environment_settings(URLS[0], {}, True, False, None)
    assert explicit["verify"] is False


def test_without_any_proxy_the_settings_are_worked_out_once(monkeypatch: pytest.MonkeyPatch):
    """No proxy in the environment: nothing to choose or bypass per host, so one set of
    settings (requests' own) serves every host; with a proxy, each host is asked."""
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    calls: list[str] = []
    original = requests.Session.merge_environment_settings

    def counted(self, url, *args):  # type: ignore[no-untyped-def]
        calls.append(url)
        return original(self, url, *args)

    monkeypatch.setattr(requests.Session, "merge_environment_settings", counted)
    session, plain = make_session(), requests.Session()
    for url in URLS + URLS:
        assert _settings(session, url) == original(plain, url, {}, True, None, None)
    assert calls == [URLS[0]]
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3129")
    proxied = make_session()
    for url in URLS + URLS:
        _settings(proxied, url)
    assert calls[1:] == [URLS[0], URLS[2]]  # once per host (a/ and b/ share one)


# -- what a fetch sends: the environment's proxy, no cookies kept ------------------------


@pytest.mark.slow
def test_fetch_goes_through_the_proxy_the_environment_names(monkeypatch, serve):
    """A fetch sends its request to ``HTTP_PROXY`` (here a local server playing the proxy),
    with the absolute URL as the request target, as every HTTP proxy expects."""
    proxy = serve({"http://news.example.org/newsroom/": Reply(body=b"<p>via proxy</p>")})
    monkeypatch.setenv("HTTP_PROXY", proxy.base)
    monkeypatch.setenv("NO_PROXY", "")
    with make_session() as session:
        page = fetch_page(
            _source("http://news.example.org/newsroom/"), session=session, env={}, sleep=_no_wait
        )
    assert page.text == "<p>via proxy</p>"
    assert proxy.paths() == ["http://news.example.org/newsroom/"]


@pytest.mark.slow
def test_no_proxy_is_honoured(monkeypatch, serve):
    site = serve({"/newsroom/": Reply(body=b"<p>direct</p>")})
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with make_session() as session:
        page = fetch_page(_source(site.url("/newsroom/")), session=session, env={}, sleep=_no_wait)
    assert page.text == "<p>direct</p>"


@pytest.mark.slow
def test_cookies_a_site_sets_are_not_sent_back(serve):
    """A feed fetch is not a browsing session: no cookie jar, so no tracking across runs
    or sources; a site that needs a cookie gets it from the source's ``headers``."""
    cookie = Reply(body=b"<p>x</p>", headers=(("Set-Cookie", "visitor=42; Path=/"),))
    site = serve({"/newsroom/": [cookie, cookie]})
    with make_session() as session:
        for _ in range(2):
            fetch_page(_source(site.url("/newsroom/")), session=session, env={}, sleep=_no_wait)
    assert [seen.headers.get("cookie") for seen in site.seen] == [None, None]


@pytest.mark.slow
def test_the_sessions_headers_go_with_every_fetch_and_the_sources_win(serve):
    site = serve({"/newsroom/": Reply(body=b"<p>x</p>")})
    with make_session(contact="mailto:ops@example.org") as session:
        src = replace(_source(site.url("/newsroom/")), headers=(("Accept", "text/html"),))
        fetch_page(src, session=session, env={}, sleep=_no_wait)
    (seen,) = site.seen
    assert seen.headers["user-agent"].endswith("(+mailto:ops@example.org)")
    assert seen.headers["accept"] == "text/html"
    assert "gzip" in seen.headers["accept-encoding"]


def _no_wait(seconds: float) -> None:
    pass


def _source(url: str) -> Source:
    return Source(
        id="s", url=url, title="S", home=url, min_delay=0.0, retries=0, respect_robots=False,
        allow_private=True,
        timeout=Timeout(connect=2.0, read=2.0),
    )  # fmt: skip
