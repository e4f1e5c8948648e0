"""HTTP for a run: one requests session, and a page's GET sent through its pools directly.

    make_session        the run's session: User-Agent, Accept, compression, a timeout on
                        every request, urllib3 connection pools (keep-alive, TLS) for
                        every host of the run, proxy and CA-bundle settings from the
                        environment
    send_get            one GET through the pool the session's adapter would use, with
                        the session's headers and the environment's proxy; no redirects
    read_body           the response's body, decompressed, in chunks (finish: a 304's)
    redirect_target     where a 3xx response points, as requests reads it

robots.txt and WebSub go through ``Session.get`` and ``Session.post``. A page does not:
``Session.get`` would merge cookies, ``.netrc`` credentials, hooks and auth into every
request, parse ``Set-Cookie`` back into the session and wrap the answer in a
``requests.Response``; the adapter would look the proxy, pool key and TLS settings up
again. For a page that has not changed (HTTP 304) that was two thirds of the client's
time, and nothing a feed fetch needs. :func:`send_get` does what ``HTTPAdapter.send``
does, with the session's own adapter and pools, and works out each host's route (proxy
manager, pool key, TLS settings, the form of the request line) once per session. Errors
are raised as the exceptions requests raises for them, so that callers read one set.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import prepend_scheme_if_needed, select_proxy, urldefragauth
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    LocationValueError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.exceptions import InvalidHeader as _InvalidHeader
from urllib3.exceptions import ProxyError as _ProxyError
from urllib3.exceptions import SSLError as _SSLError

from . import __version__
from .netguard import current, guard_pools

DEFAULT_TIMEOUT = (10.0, 30.0)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MIN_POOLS = 100  # hosts that keep their connection, whatever the run
Response = urllib3.BaseHTTPResponse


class TimeoutAdapter(HTTPAdapter):
    """An adapter that gives every request a timeout unless it already has one."""

    def __init__(self, *args: Any, timeout: tuple[float, float] = DEFAULT_TIMEOUT, **kw: Any):
        self.timeout = timeout
        super().__init__(*args, **kw)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        guard_pools(self.poolmanager)  # the address policy and deadline at connect time

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> urllib3.ProxyManager:
        manager: urllib3.ProxyManager = super().proxy_manager_for(proxy, **kwargs)
        if isinstance(manager, urllib3.ProxyManager):  # SOCKS keeps its own connections
            guard_pools(manager)
        return manager


@dataclass(frozen=True, slots=True, kw_only=True)
class _Route:
    """How requests to one scheme and host go out (what ``HTTPAdapter.send`` works out
    at every request): the pool manager (direct, or the proxy's), the pool's key, and
    whether the request line carries the whole URL (plain HTTP through a proxy)."""

    manager: urllib3.PoolManager
    host: Mapping[str, Any]  # scheme, host, port
    pool_kwargs: dict[str, Any]  # TLS settings
    absolute: bool
    retries: urllib3.Retry


class RunSession(requests.Session):
    """The session of one run: the environment and each host's route read once.

    requests scans the whole of ``os.environ`` (proxies, ``no_proxy``, CA bundle) twice
    for every request: a quarter of the client's time for an unchanged page (HTTP 304).
    The settings only depend on the scheme and host, and one run uses one session, so
    they are kept per host; with no proxy in the environment at all (the usual case)
    they are the same for every host and worked out once. Requests given explicit
    proxies, verify or cert are not cached.
    """

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[str, str, object], dict[str, Any]] = {}
        self._proxied: bool | None = None  # any proxy in the environment? (asked once)
        self.routes: dict[tuple[str, str], _Route] = {}

    def merge_environment_settings(  # type: ignore[override]
        self, url: str, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> dict[str, Any]:
        if proxies or verify is not None or cert is not None:
            return dict(super().merge_environment_settings(url, proxies, stream, verify, cert))
        if self._proxied is None:
            self._proxied = bool(self.trust_env and urllib.request.getproxies())
        if self._proxied or self.proxies:
            parts = urlsplit(url)
            key = (parts.scheme, parts.netloc, stream)
        else:  # no proxy to choose or bypass: the same settings for every host
            key = ("", "", stream)
        settings = self._environment.get(key)
        if settings is None:
            settings = dict(super().merge_environment_settings(url, proxies, stream, verify, cert))
            self._environment[key] = settings
        return {**settings, "proxies": dict(settings["proxies"])}


def user_agent(contact: str | None) -> str:
    """``publisher/<version> (+<contact>)``: honest, and says whom to tell."""
    return f"publisher/{__version__} (+{contact})" if contact else f"publisher/{__version__}"


def make_session(
    *, contact: str | None = None, pool_size: int = 10, hosts: int = MIN_POOLS
) -> requests.Session:
    """One session per run: pooled connections, a timeout on every request.

    ``hosts`` is how many hosts the run fetches from: each keeps its connection for the
    whole run (at least :data:`MIN_POOLS`, at most half the open-file limit; past that,
    the hosts used least recently lose theirs). Fetches go to the hosts in turn, so with
    fewer connections kept than hosts, every page of a host with several would cost a
    new connection (and TLS handshake). ``pool_size`` is the number of connections kept
    per host (one is enough when the :class:`~publisher.hosts.HostGate` is used).
    """
    session = RunSession()
    adapter = TimeoutAdapter(
        pool_connections=pools_for(hosts), pool_maxsize=pool_size, max_retries=0
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.max_redirects = 5  # robots.txt follows redirects through requests: 5 (RFC 9309)
    session.headers["User-Agent"] = user_agent(contact)
    session.headers["Accept"] = "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5"
    return session


def pools_for(hosts: int) -> int:
    """How many hosts keep a connection: ``hosts``, within :data:`MIN_POOLS` and half the
    soft limit on open files (each kept connection holds one)."""
    return max(MIN_POOLS, min(hosts, _open_file_limit() // 2))


def _open_file_limit() -> int:
    try:
        import resource  # POSIX only
    except ImportError:  # pragma: no cover - Windows
        return 2 * MIN_POOLS
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return 1 << 16 if soft == resource.RLIM_INFINITY else int(soft)


def send_get(
    session: requests.Session, url: str, *, headers: Mapping[str, str], timeout: tuple[float, float]
) -> Response:
    """One GET of ``url``, its body not read yet and redirects not followed.

    The request carries the session's headers (``headers`` win, whatever their case) and
    goes out as ``HTTPAdapter.send`` would send it: through the adapter's pool for the
    host, or its proxy's (``HTTPS_PROXY``, ``NO_PROXY``), with the TLS settings of the
    environment (``REQUESTS_CA_BUNDLE``). Read the body with :func:`read_body`, or close
    the response: one closed unread also closes its connection.
    """
    try:
        route = _route(session, url)
        pool = route.manager.connection_from_host(**route.host, pool_kwargs=route.pool_kwargs)
        merged = CaseInsensitiveDict(cast("Mapping[str, str]", session.headers))
        merged.update(headers)
        absolute, path = _targets(url)
        return pool.urlopen(
            "GET",
            absolute if route.absolute else path,
            headers=merged,
            redirect=False,
            assert_same_host=False,
            preload_content=False,
            decode_content=False,
            retries=route.retries,
            timeout=_bounded(timeout),
        )
    except requests.RequestException:
        raise
    except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError) as exc:
        raise _requests_error(exc) from exc


def _bounded(timeout: tuple[float, float]) -> urllib3.Timeout:
    """The request's timeouts, shortened to what is left of its fetch's ``total``."""
    guard = current()
    if guard is None:
        return urllib3.Timeout(connect=timeout[0], read=timeout[1])
    return urllib3.Timeout(connect=guard.bound(timeout[0]), read=guard.bound(timeout[1]))


def read_body(response: Response, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    """The body in chunks, gzip and deflate undone; a broken connection raises what
    ``requests.Response.iter_content`` raises. Read to the end, the connection goes back
    to its pool."""
    with _reading():
        yield from response.stream(chunk_size, decode_content=True)


def finish(response: Response) -> None:
    """Read the body of a response that has none (HTTP 304), so that its connection goes
    back to the pool: a response closed unread also closes its connection."""
    with _reading():
        response.read()


@contextlib.contextmanager
def _reading() -> Iterator[None]:
    try:
        yield
    except ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from exc
    except DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from exc
    except ReadTimeoutError as exc:
        raise requests.ConnectionError(exc) from exc
    except _SSLError as exc:
        raise requests.exceptions.SSLError(exc) from exc


def close(response: Response) -> None:
    """Close ``response``; its connection, closed unless the body was read to the end,
    goes back to the pool (as ``requests.Response.close`` does)."""
    response.close()
    response.release_conn()


def redirect_target(response: Response) -> str | None:
    """The ``Location`` of a redirect, None for any other response. Servers send UTF-8
    there, which the HTTP parser read as Latin-1; like requests, read it again."""
    if response.status not in REDIRECT_STATUSES or "Location" not in response.headers:
        return None
    location: str = response.headers["Location"]
    try:
        return location.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return location


def _route(session: requests.Session, url: str) -> _Route:
    routes = session.routes if isinstance(session, RunSession) else None
    parts = urlsplit(url)
    key = (parts.scheme, parts.netloc)
    route = routes.get(key) if routes is not None else None
    if route is None:
        route = _find_route(session, url)
        if routes is not None:
            routes[key] = route
    return route


def _find_route(session: requests.Session, url: str) -> _Route:
    """What ``HTTPAdapter.get_connection_with_tls_context``, ``cert_verify`` and
    ``request_url`` decide for ``url``, with the session's environment settings."""
    adapter = session.get_adapter(url)
    scheme = urlsplit(url).scheme.lower()
    if not isinstance(adapter, HTTPAdapter):
        raise requests.exceptions.InvalidSchema(f"no HTTP adapter for {url}")
    settings = session.merge_environment_settings(url, {}, True, None, None)
    verify = True if settings["verify"] is None else settings["verify"]
    request = requests.PreparedRequest()
    request.prepare_method("GET")
    request.url = _targets(url)[0]
    try:
        host, pool_kwargs = adapter.build_connection_pool_key_attributes(
            request, verify, settings["cert"]
        )
    except ValueError as exc:
        raise requests.exceptions.InvalidURL(exc) from exc
    manager = adapter.poolmanager
    proxy = select_proxy(request.url, settings["proxies"])
    if proxy:
        proxy = prepend_scheme_if_needed(proxy, "http")  # type: ignore[no-untyped-call]
        if not urllib3.util.parse_url(proxy).host:
            raise requests.exceptions.InvalidProxyURL(
                f"the proxy URL {proxy!r} has no host; check HTTP_PROXY / HTTPS_PROXY"
            )
        manager = adapter.proxy_manager_for(proxy)
    if scheme == "https":
        pool = manager.connection_from_host(**host, pool_kwargs=pool_kwargs)
        try:
            adapter.cert_verify(pool, request.url, verify, settings["cert"])  # type: ignore[no-untyped-call]
        except OSError as exc:  # a CA bundle or client certificate that is not there
            raise requests.RequestException(
                f"{exc}; check REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE"
            ) from exc
    socks = bool(proxy) and urlsplit(str(proxy)).scheme.lower().startswith("socks")
    return _Route(
        manager=manager,
        host=host,
        pool_kwargs=dict(pool_kwargs),
        absolute=bool(proxy) and scheme != "https" and not socks,
        retries=adapter.max_retries,
    )


@functools.lru_cache(maxsize=4096)
def _targets(url: str) -> tuple[str, str]:
    """requests' forms of ``url`` (host in IDNA, path quoted): whole, for a proxy, and
    the path and query, for the host itself. The same at every request, so made once."""
    request = requests.PreparedRequest()
    request.prepare_url(url, None)
    prepared = str(request.url)
    return urldefragauth(prepared), str(request.path_url)


def _requests_error(exc: Exception) -> requests.RequestException:
    """The exception requests' ``HTTPAdapter.send`` raises for this urllib3 error."""
    reason = exc.reason if isinstance(exc, MaxRetryError) and exc.reason is not None else exc
    if isinstance(reason, ConnectTimeoutError) and not isinstance(reason, NewConnectionError):
        return requests.ConnectTimeout(exc)
    if isinstance(reason, ReadTimeoutError):
        return requests.ReadTimeout(exc)
    if isinstance(reason, _ProxyError):
        return requests.exceptions.ProxyError(exc)
    if isinstance(reason, _SSLError):
        return requests.exceptions.SSLError(exc)
    if isinstance(reason, ResponseError):
        return requests.exceptions.RetryError(exc)
    if isinstance(reason, LocationValueError):
        return requests.exceptions.InvalidURL(exc)
    if isinstance(reason, _InvalidHeader):
        return requests.exceptions.InvalidHeader(exc)
    return requests.ConnectionError(exc)
