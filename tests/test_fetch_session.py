"""The run's session reads the proxy environment once per host, with requests' own rules."""

from __future__ import annotations

import pytest
import requests

from publisher.fetch import make_session

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
