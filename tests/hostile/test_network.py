"""Hostile servers: endless answers, internal addresses, redirects, TLS, credentials."""

from __future__ import annotations

import socket
import time
from dataclasses import replace
from pathlib import Path

import pytest

from publisher.addresses import AddressPolicy
from publisher.cli import main
from publisher.errors import AddressRefused, DeadlineError, FetchError
from publisher.fetch import fetch_page, make_session
from publisher.model import Source, Timeout
from publisher.netguard import Guard, guarding
from publisher.transport import send_get

from ..support.server import Reply
from .support import PAGE, drip, raw_server, reply, write_config

pytestmark = pytest.mark.slow


def _source(url: str, **kw: object) -> Source:
    base = Source(id="s", url=url, title="S", home=url, min_delay=0.0, retries=0,
                  respect_robots=False, allow_private=True,
                  timeout=Timeout(connect=2.0, read=2.0, total=2.0))  # fmt: skip
    return replace(base, **kw)  # type: ignore[arg-type]


def _fetch(source: Source):  # type: ignore[no-untyped-def]
    with make_session() as session:
        return fetch_page(source, session=session, env={}, sleep=lambda s: None)


def test_a_server_sending_a_byte_a_second_is_cut_at_timeout_total() -> None:
    with raw_server(drip(30)) as base:
        start = time.monotonic()
        with pytest.raises(DeadlineError, match=r"timeout\.total \(2s"):
            _fetch(_source(base + "/"))
        assert time.monotonic() - start < 4


def test_timeout_total_covers_the_retries() -> None:
    with raw_server(drip(30)) as base:
        start = time.monotonic()
        with pytest.raises(DeadlineError):
            _fetch(_source(base + "/", retries=5))
        assert time.monotonic() - start < 4


def test_a_redirect_to_cloud_metadata_is_refused() -> None:
    with (
        raw_server(
            reply("302 Found", {"Location": "http://169.254.169.254/latest/meta-data/"})
        ) as base,
        pytest.raises(AddressRefused, match=r"169\.254\.169\.254 \(metadata address\)"),
    ):
        _fetch(_source(base + "/"))


def test_a_redirect_to_metadata_in_decimal_is_refused() -> None:
    redirect = reply("302 Found", {"Location": "http://2852039166/"})
    with raw_server(redirect) as base, pytest.raises(AddressRefused, match="metadata"):
        _fetch(_source(base + "/"))


@pytest.mark.parametrize(
    "url", ["http://2130706433/", "http://0x7f.1/", "http://[::ffff:127.0.0.1]/", "http://127.1/"]
)
def test_loopback_in_any_form_needs_allow_private(url: str) -> None:
    with pytest.raises(AddressRefused, match="allow_private: true"):
        _fetch(_source(url, allow_private=False))


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/", "http://[fd00:ec2::254]/", "http://0.0.0.0/", "http://224.0.0.1/"],
)
def test_never_fetched_addresses_even_with_allow_private(url: str) -> None:
    with pytest.raises(AddressRefused, match="allow_addresses"):
        _fetch(_source(url))


def test_a_source_on_loopback_is_fetched_with_allow_private_only() -> None:
    with raw_server(reply("200 OK", {"Content-Type": "text/html"}, PAGE)) as base:
        assert "Entry number 1" in _fetch(_source(base + "/")).text
        with pytest.raises(AddressRefused, match=r"127\.0\.0\.1 \(loopback address\)"):
            _fetch(_source(base + "/", allow_private=False))


def test_a_name_resolving_to_an_internal_address_is_refused_at_connect(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = socket.getaddrinfo

    def rebinding(host, port, *args, **kw):  # type: ignore[no-untyped-def]
        if host == "news.example.org":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port))]
        return real(host, port, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with pytest.raises(AddressRefused, match=r"169\.254\.169\.254"):
        _fetch(_source("http://news.example.org/"))


def test_a_kept_connection_is_checked_again_under_a_stricter_policy() -> None:
    with (
        raw_server(
            reply("200 OK", {"Content-Type": "text/html", "Connection": "keep-alive"}, PAGE)
        ) as base,
        make_session() as session,
    ):
        with guarding(Guard(AddressPolicy(allow_private=True))):
            send_get(session, base + "/", headers={}, timeout=(2, 2)).read()
        with guarding(Guard(AddressPolicy())), pytest.raises(AddressRefused):
            send_get(session, base + "/", headers={}, timeout=(2, 2))


def test_requests_outside_a_fetch_still_refuse_metadata() -> None:
    with make_session() as session, pytest.raises(AddressRefused):
        session.get("http://169.254.169.254/", timeout=1)


def test_a_tls_failure_is_its_own_kind_and_not_retried() -> None:
    with raw_server(reply("200 OK", {})) as base:
        url = base.replace("http://", "https://") + "/"
        start = time.monotonic()
        with pytest.raises(FetchError) as caught:
            _fetch(_source(url, retries=3, timeout=Timeout(connect=2, read=2, total=30)))
        assert caught.value.kind == "tls"
        assert "certificate or TLS error" in str(caught.value)
        assert time.monotonic() - start < 3  # no backoff: not retried


def test_credentials_go_in_a_header_and_never_into_the_feed(  # type: ignore[no-untyped-def]
    tmp_path: Path, serve, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    server = serve({"/": Reply(body=PAGE, headers=(("Content-Type", "text/html"),))})
    url = server.url("/").replace("http://", "http://user:secret@")
    config = write_config(tmp_path, url, site="  allow_private: true\n")
    assert main(["run", "-v", "-c", str(config)]) == 0
    assert server.seen[-1].headers["authorization"] == "Basic dXNlcjpzZWNyZXQ="
    for name in ("s.atom", "s.rss"):
        assert b"secret" not in (tmp_path / "feeds" / name).read_bytes()
    captured = capsys.readouterr()
    assert "secret" not in captured.out + captured.err + caplog.text


def test_a_redirect_loop_is_named() -> None:
    redirect = reply("302 Found", {"Location": "/"})
    with raw_server(redirect) as base, pytest.raises(FetchError, match="redirect loop"):
        _fetch(_source(base + "/"))


def test_an_endless_body_stops_at_max_bytes() -> None:
    with raw_server(drip(30)) as base, pytest.raises(FetchError, match="max_bytes"):
        _fetch(_source(base + "/", max_bytes=5, timeout=Timeout(connect=2, read=2, total=20)))


def test_a_gzip_bomb_stops_at_max_bytes() -> None:
    import gzip

    bomb = gzip.compress(b"\0" * 50_000_000)
    with (
        raw_server(
            reply("200 OK", {"Content-Type": "text/html", "Content-Encoding": "gzip"}, bomb)
        ) as base,
        pytest.raises(FetchError, match="max_bytes"),
    ):
        _fetch(_source(base + "/", max_bytes=1_000_000))


def test_a_server_clock_far_behind_ours_stops_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    headers = {"Content-Type": "text/html", "Date": "Mon, 01 Jan 2001 00:00:00 GMT"}
    with raw_server(reply("200 OK", headers, PAGE)) as base:
        config = write_config(tmp_path, base + "/", site="  allow_private: true\n")
        assert main(["run", "-q", "-c", str(config)]) == 1
    assert "the system clock says" in capsys.readouterr().err
    assert not (tmp_path / "feeds" / "s.atom").exists()
