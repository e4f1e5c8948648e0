"""Fetch a source's page: HTTP(S) with conditional GET, retries and a size cap, or a file.

The network is passed in as a :class:`requests.Session` made by :func:`make_session`;
its adapter puts a timeout on every request, so none can hang a run. ``sleep`` is passed
in too, so tests need not wait.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import HTTPAdapter

from . import __version__
from .config import Source, expand_env
from .decode import decode
from .errors import ConfigError, FetchError
from .model import Page

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
ACCEPTED_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "text/xml",
                  "application/xml")  # fmt: skip
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 120.0  # seconds: never wait longer than this for one retry
DEFAULT_TIMEOUT = (10.0, 30.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Validators:
    """What the last successful fetch returned, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


class TimeoutAdapter(HTTPAdapter):
    """An adapter that gives every request a timeout unless it already has one."""

    def __init__(self, *args: Any, timeout: tuple[float, float] = DEFAULT_TIMEOUT, **kw: Any):
        self.timeout = timeout
        super().__init__(*args, **kw)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


class EnvironmentOnceSession(requests.Session):
    """A Session that reads the proxy environment once per host, not at every request.

    requests scans the whole of ``os.environ`` (proxies, ``no_proxy``, CA bundle) twice
    for every request: a quarter of the client's time for an unchanged page (HTTP 304).
    The settings only depend on the scheme and host, and one run uses one session, so
    they are kept per host. Requests given explicit proxies, verify or cert are not cached.
    """

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[str, str, object], dict[str, Any]] = {}

    def merge_environment_settings(  # type: ignore[override]
        self, url: str, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> dict[str, Any]:
        if proxies or verify is not None or cert is not None:
            return dict(super().merge_environment_settings(url, proxies, stream, verify, cert))
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, stream)
        settings = self._environment.get(key)
        if settings is None:
            settings = dict(super().merge_environment_settings(url, proxies, stream, verify, cert))
            self._environment[key] = settings
        return {**settings, "proxies": dict(settings["proxies"])}


def user_agent(contact: str | None) -> str:
    """``publisher/<version> (+<contact>)``: honest, and says whom to tell."""
    return f"publisher/{__version__} (+{contact})" if contact else f"publisher/{__version__}"


def make_session(*, contact: str | None = None, pool_size: int = 10) -> requests.Session:
    """One session per run: pooled connections, a timeout on every request."""
    session = EnvironmentOnceSession()
    adapter = TimeoutAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.max_redirects = MAX_REDIRECTS
    session.headers["User-Agent"] = user_agent(contact)
    session.headers["Accept"] = "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5"
    return session


def fetch_page(
    source: Source,
    *,
    session: requests.Session,
    validators: Validators | None = None,
    env: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Page:
    """The page of ``source``; ``status == 304`` means unchanged since ``validators``."""
    if source.is_local:
        return read_file(source.url)
    return _fetch_http(
        source,
        session=session,
        validators=validators or Validators(),
        env=os.environ if env is None else env,
        sleep=sleep,
    )


def read_file(url: str) -> Page:
    path = Path(unquote(urlsplit(url).path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FetchError(url, f"cannot read {path}: {exc.strerror or exc}; check 'url'") from exc
    text, _ = decode(data)
    return Page(url=url, text=text)


def _headers(source: Source, validators: Validators, env: Mapping[str, str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    if source.user_agent:
        headers["User-Agent"] = source.user_agent
    for name, value in source.headers:
        try:
            headers[name] = expand_env(value, env)
        except ConfigError as exc:
            raise FetchError(source.url, f"header {name}: {exc}") from None
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def _fetch_http(
    source: Source,
    *,
    session: requests.Session,
    validators: Validators,
    env: Mapping[str, str],
    sleep: Callable[[float], None],
) -> Page:
    headers = _headers(source, validators, env)
    timeout = (source.timeout.connect, source.timeout.read)
    attempts = source.retries + 1
    for attempt in range(1, attempts + 1):
        try:
            response = session.get(
                source.url, headers=headers, timeout=timeout, stream=True, allow_redirects=True
            )
        except requests.TooManyRedirects as exc:
            raise FetchError(
                source.url, f"more than {MAX_REDIRECTS} redirects (a redirect loop?)"
            ) from exc
        except (requests.ConnectionError, requests.Timeout) as exc:
            if attempt == attempts:
                raise FetchError(source.url, _network_reason(exc, attempts)) from exc
            delay = _backoff(attempt)
            log.info("%s: %s; retrying in %.1fs", source.id, type(exc).__name__, delay)
            sleep(delay)
            continue
        except requests.RequestException as exc:
            raise FetchError(source.url, f"request failed: {exc}") from exc
        with response:
            if response.status_code in RETRY_STATUSES and attempt < attempts:
                delay = _retry_after(response) or _backoff(attempt)
                log.info("%s: HTTP %d; retrying in %.1fs", source.id, response.status_code, delay)
                sleep(delay)
                continue
            return _page(source, response)
    raise AssertionError("unreachable")  # pragma: no cover


def _page(source: Source, response: requests.Response) -> Page:
    moved = None
    for hop in response.history:
        if hop.status_code in (301, 308):
            moved = response.url
    if response.status_code == 304:
        # Read the (empty) body: a response closed unread also closes its connection,
        # and every unchanged page would then cost a new connection.
        response.content  # noqa: B018
        return Page(url=response.url, text="", status=304, permanent_redirect=moved)
    if response.status_code >= 400:
        raise FetchError(
            source.url,
            f"HTTP {response.status_code} {response.reason or ''}".rstrip()
            + _status_hint(response.status_code),
            status=response.status_code,
        )
    content_type = response.headers.get("Content-Type", "")
    mime = content_type.split(";")[0].strip().lower()
    if mime and not mime.startswith(ACCEPTED_TYPES):
        raise FetchError(
            source.url,
            f"the server sent {mime!r}, not an HTML or text page; check that 'url' is the "
            "newsroom page itself",
            status=response.status_code,
        )
    data = _read_capped(source, response)
    text, _ = decode(data, http_charset=response.encoding if "charset" in content_type else None)
    return Page(
        url=response.url,
        text=text,
        status=response.status_code,
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        content_type=mime or None,
        permanent_redirect=moved,
    )


def _read_capped(source: Source, response: requests.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > source.max_bytes:
                raise FetchError(
                    source.url,
                    f"the page is larger than max_bytes ({source.max_bytes} bytes); "
                    "raise max_bytes for this source if it is really that big",
                )
            chunks.append(chunk)
    except requests.RequestException as exc:
        raise FetchError(source.url, f"the connection broke while reading: {exc}") from exc
    return b"".join(chunks)


def _backoff(attempt: int) -> float:
    return float(min(0.5 * 2 ** (attempt - 1), 30.0))


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


def _network_reason(exc: Exception, attempts: int) -> str:
    kind = "timed out" if isinstance(exc, requests.Timeout) else "could not connect"
    return (
        f"{kind} after {attempts} attempt(s) ({type(exc).__name__}); check the URL and "
        "your network, or raise 'timeout' for a slow site"
    )


def _status_hint(status: int) -> str:
    if status == 404:
        return "; the page is gone: find the newsroom's new address and update 'url'"
    if status in (401, 403):
        return "; the site refuses us: check 'headers' or ask the site's owner"
    if status >= 500:
        return "; the site has a problem, the next run will try again"
    return ""
