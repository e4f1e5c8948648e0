"""What a page's GET sends and how its connection is used (publisher.transport), against
real servers on 127.0.0.1: kept-alive connections, header case, redirects with UTF-8,
HTTPS with the environment's CA bundle, a body cut short."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import requests
import trustme

from publisher import transport
from publisher.cli import main
from publisher.config import load_config
from publisher.errors import FetchError
from publisher.fetch import make_session
from publisher.model import Source
from publisher.pipeline import run_once
from publisher.retrieve import Validators
from publisher.store import Store
from publisher.transport import RunSession, pools_for, send_get

from .support.records import fetch, newsroom, newsroom_config, source
from .support.server import LocalServer, Reply, serving

PAGE = b"<html><body><p>news</p></body></html>"


def _source(url: str, **kw: object) -> Source:
    """test_fetch's source, without robots.txt: the servers see only the pages."""
    return source(url, respect_robots=False, **kw)


@pytest.mark.slow
def test_pages_200_and_304_share_one_kept_alive_connection_per_host(serve):
    """Bodies are read to the end (an empty 304 body too), so the connection goes back to
    the pool: five fetches of two pages on one host, one TCP connection."""
    etag = '"v1"'

    def page(path: str, headers: dict[str, str]) -> Reply:
        if headers.get("if-none-match") == etag:
            return Reply(status=304, headers=(("ETag", etag),))
        return Reply(body=PAGE, headers=(("ETag", etag),))

    site = serve({"/a/": page, "/b/": page})
    with make_session() as session:
        first = fetch(_source(site.url("/a/")), session)
        again = fetch(_source(site.url("/a/")), session, validators=Validators(etag=first.etag))
        other = fetch(_source(site.url("/b/")), session)
        fetch(_source(site.url("/b/")), session, validators=Validators(etag=other.etag))
        fetch(_source(site.url("/a/")), session)
    assert (first.status, again.status) == (200, 304)
    assert len(site.seen) == 5
    assert len({seen.client_port for seen in site.seen}) == 1


@pytest.mark.slow
def test_a_source_header_replaces_the_sessions_whatever_its_case(serve):
    site = serve({"/n/": Reply(body=PAGE)})
    src = replace(_source(site.url("/n/")), headers=(("accept", "text/html"),))
    with make_session() as session:
        fetch(src, session)
    (seen,) = site.seen
    accepts = [value for name, value in seen.header_lines if name.lower() == "accept"]
    assert accepts == ["text/html"]


@pytest.mark.slow
def test_a_redirect_to_a_utf8_location_is_followed(serve):
    """The server sends UTF-8 bytes in Location; the HTTP parser reads them as Latin-1,
    and the target is read again as UTF-8 (as requests does) and quoted."""
    site = serve(
        {
            "/old/": Reply(status=301, headers=(("Location", "/caf\u00c3\u00a9/"),)),
            "/caf%C3%A9/": Reply(body=PAGE),
        }
    )
    with make_session() as session:
        page = fetch(_source(site.url("/old/")), session)
    assert page.text == PAGE.decode()
    assert page.permanent_redirect == site.url("/café/")
    assert site.paths() == ["/old/", "/caf%C3%A9/"]


@pytest.mark.slow
def test_each_hosts_route_is_worked_out_once_per_session(serve):
    one, two = serve({"/n/": Reply(body=PAGE)}), serve({"/n/": Reply(body=PAGE)})
    with make_session() as session:
        assert isinstance(session, RunSession)
        for _ in range(3):
            for site in (one, two):
                fetch(_source(site.url("/n/")), session)
        assert sorted(session.routes) == sorted(
            ("http", f"127.0.0.1:{site.port}") for site in (one, two)
        )
    assert len(one.seen) == len(two.seen) == 3


@pytest.mark.slow
def test_a_plain_requests_session_works_too(serve):
    site = serve({"/n/": Reply(body=PAGE)})
    with requests.Session() as session:
        response = send_get(session, site.url("/n/"), headers={}, timeout=(2.0, 2.0))
        try:
            assert response.status == 200
            assert response.read() == PAGE
        finally:
            response.release_conn()


# -- HTTPS ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_site(ca: trustme.CA) -> Iterator[LocalServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    with serving(LocalServer(routes={"/n/": Reply(body=PAGE)}), tls=context) as site:
        yield site


@pytest.mark.slow
def test_https_is_verified_with_the_ca_bundle_the_environment_names(
    tls_site, ca, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    with make_session() as session:
        for _ in range(2):
            page = fetch(_source(tls_site.url("/n/")), session)
            assert page.text == PAGE.decode()
    assert len({seen.client_port for seen in tls_site.seen}) == 1


@pytest.mark.slow
def test_an_untrusted_certificate_fails_thefetch(tls_site, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with (
        make_session() as session,
        pytest.raises(FetchError, match=r"certificate or TLS error: certificate verify failed"),
    ):
        fetch(_source(tls_site.url("/n/")), session)
    assert tls_site.seen == []


def test_a_ca_bundle_that_is_not_there_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    with make_session() as session, pytest.raises(FetchError) as info:
        fetch(_source("https://127.0.0.1:9/n/", retries=2), session)
    assert "missing.pem" in str(info.value)
    assert "REQUESTS_CA_BUNDLE" in str(info.value)


# -- a body cut short -------------------------------------------------------------------


@pytest.mark.slow
def test_a_body_cut_short_fails_with_a_clear_message(serve):
    """The server promises 1,000 bytes, sends 9 and hangs up."""
    body = b"<html><bo" + b" " * 991
    site = serve({"/n/": Reply(body=body, cut=9, headers=(("Content-Type", "text/html"),))})
    broke = "the connection broke while reading"
    with make_session() as session, pytest.raises(FetchError, match=broke):
        fetch(_source(site.url("/n/")), session)
    assert [seen.path for seen in site.seen] == ["/n/"]


# -- many hosts ---------------------------------------------------------------------------

MANY = 120  # hosts: more than the 100 a session keeps by default


def _many_hosts(serve, tmp_path: Path, name: str) -> tuple[list[LocalServer], Path]:  # type: ignore[no-untyped-def]
    page = Reply(body=newsroom("One", "Two"))
    sites = [serve({"/a/": page, "/b/": page}) for _ in range(MANY)]
    listed = [(f"s{n}{p}", site.url(f"/{p}/")) for n, site in enumerate(sites) for p in "ab"]
    folder = tmp_path / name
    folder.mkdir()
    return sites, newsroom_config(folder, listed, respect_robots=False)


@pytest.mark.slow
def test_every_host_of_a_run_keeps_its_connection(serve, tmp_path: Path):
    """Fetches take the hosts in turn (a1 b1 c1 ... a2 b2 ...), so a session that keeps
    connections for fewer hosts than the run has would open a new connection (and TLS
    handshake) for every page of a host with several; `publisher run` sizes it to the
    run's hosts."""
    sites, config = _many_hosts(serve, tmp_path, "sized")
    assert main(["run", "-c", str(config), "-q", "--workers", "4"]) == 0
    assert all(len(site.seen) == 2 for site in sites)
    assert [len({seen.client_port for seen in site.seen}) for site in sites] == [1] * MANY


@pytest.mark.slow
def test_a_session_for_fewer_hosts_loses_connections(serve, tmp_path: Path, now):
    """The same run with a session of the default size: the check above can fail."""
    sites, config = _many_hosts(serve, tmp_path, "default")
    loaded = load_config(config)
    with Store(loaded.site.state) as store, make_session() as session:
        report = run_once(
            loaded.sources, site=loaded.site, session=session, store=store, now=now, workers=4
        )
    assert all(source.ok for source in report.sources)
    assert max(len({seen.client_port for seen in site.seen}) for site in sites) == 2


@pytest.mark.parametrize(
    ("hosts", "open_files", "kept"),
    [
        (10, 1024, 100),  # never fewer than the default
        (150, 1024, 150),  # every host of the run
        (5000, 1024, 512),  # at most half the open-file limit
        (5000, 120, 100),  # a low limit: the default still
    ],
)
def test_kept_connections_stay_within_half_the_open_file_limit(
    monkeypatch: pytest.MonkeyPatch, hosts: int, open_files: int, kept: int
):
    monkeypatch.setattr(transport, "_open_file_limit", lambda: open_files)
    assert pools_for(hosts) == kept
    session = make_session(hosts=hosts)
    assert session.get_adapter("https://x.example/")._pool_connections == kept  # type: ignore[attr-defined]


def test_the_open_file_limit_is_the_processs_own():
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert transport._open_file_limit() == (1 << 16 if soft == resource.RLIM_INFINITY else soft)
