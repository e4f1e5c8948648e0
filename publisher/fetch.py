"""Fetch a source's page: HTTP(S) like a good citizen, or a file.

    robots.txt        asked first (once per host per run, see :mod:`publisher.robots`)
    HostGate.slot     one request at a time per host, ``min_delay`` apart (:mod:`.hosts`)
    GET               conditional (If-None-Match / If-Modified-Since), a timeout always,
                      redirects followed by hand (at most 5, loops named, each hop gated)
    retry             connection errors, 429 and 5xx, with backoff or ``Retry-After``
    read              streamed, aborted past ``max_bytes``; gzip/deflate undone by urllib3
    decode            HTTP charset, then ``<meta charset>``, then UTF-8 / windows-1252

The network is passed in as a :class:`requests.Session` made by :func:`make_session`
(:mod:`publisher.transport` sends the GETs through its pools); every request has a
timeout, so none can hang a run. ``sleep`` is passed in too, so tests need not wait.
Header values taken from the environment (``${TOKEN}``) are secrets: they go only to the
source's own host and never into a message.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import requests

from .addresses import AddressPolicy, networks, parse_host
from .answers import backoff, network_reason, retry_after, status_hint, tls_reason
from .clock import check_against_server
from .decode import decode
from .errors import AddressRefused, DeadlineError, FetchError, TlsError
from .extract import FORMATS
from .hosts import HostGate, host_key
from .model import Page, Source
from .netguard import Guard, guarding
from .request import Request, prepare, redact
from .retrieve import Context, Known, Validators, retriever
from .robots import RobotsCache
from .transport import Response, close, finish, read_body, redirect_target, send_get
from .transport import make_session as make_session

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 60.0  # seconds: a longer Retry-After fails the source until the next run


def fetch_page(
    source: Source,
    *,
    session: requests.Session,
    validators: Validators | None = None,
    env: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    gate: HostGate | None = None,
    robots: RobotsCache | None = None,
    known: Known | None = None,
    now: datetime | None = None,
) -> Page:
    """The page of ``source``, from the retriever of its URL (:mod:`publisher.retrieve`);
    ``status == 304`` means unchanged since ``validators``. Further list pages, child
    sitemaps and page titles follow (:mod:`publisher.follow`); ``known`` (the store)
    lets pagination stop at a page of known entries.

    ``gate`` and ``robots`` are shared by the whole run (see :func:`publisher.pipeline.
    run_once`); when they are not given, this call makes its own (``sleep`` is used for
    every wait: backoff, ``Retry-After``, ``min_delay``).
    """
    gate = gate if gate is not None else HostGate(sleep=sleep)
    if source.respect_robots and robots is None:
        robots = RobotsCache(session=session, gate=gate)
    if source.format == "sitemap":  # an index's 304 says nothing of its child sitemaps
        validators = None
    context = Context(
        session=session,
        validators=validators or Validators(),
        env=os.environ if env is None else env,
        sleep=sleep,
        gate=gate,
        robots=robots if source.respect_robots else None,
        known=known,
        now=now,
    )
    page = retriever(source).retrieve(source, context)
    if source.pages > 1 or source.format == "sitemap":
        from .follow import follow  # parsel and the extractors, only for such sources

        page = follow(source, page, context)
    return page


def retrieve(source: Source, context: Context) -> Page:
    """The retriever of ``http(s):`` URLs."""
    if not source.respect_robots:
        log.warning(
            "%s: respect_robots is false: robots.txt of %s is not consulted",
            source.id,
            host_key(source.url),
        )
    guard = Guard(source_policy(source), total=source.timeout.total)
    with guarding(guard):
        try:
            page = _fetch_http(
                source,
                session=context.session,
                validators=context.validators,
                env=context.env,
                gate=context.gate,
                robots=context.robots,
                guard=guard,
            )
        except FetchError as exc:
            if guard.expired and not isinstance(exc, AddressRefused):
                raise _deadline(source, exc.reason) from None
            raise
        if guard.cut:  # the body ended because the deadline closed the connection
            raise _deadline(source, "the answer was cut short")
        return page


def _deadline(source: Source, reason: str) -> DeadlineError:
    return DeadlineError(
        source.url,
        f"gave up after timeout.total ({source.timeout.total:g}s, retries included): the "
        f"server is too slow or never stops sending ({reason}); raise timeout.total only "
        "for a site known to be that slow",
    )


def source_policy(source: Source) -> AddressPolicy:
    """The address policy of the source's own URL (its redirects may get a stricter one)."""
    return AddressPolicy(
        allow_private=bool(source.allow_private), allow=networks(source.allow_addresses)
    )


# The retry loop is ours, not urllib3's ``Retry`` (the session's adapter has it off):
# urllib3 retries inside one ``urlopen`` call, so a retry would skip the HostGate (one
# request at a time per host, ``min_delay`` or Crawl-delay apart; backoff starts at 0.5 s),
# wait with ``time.sleep`` while the host's other sources go on, cut a long Retry-After
# down to its maximum and ask again early (we fail the source: the next run asks), and
# end in a MaxRetryError instead of the status and hint of the last answer. Here every
# attempt (robots.txt check and redirect hops included) goes through ``gate.slot``, and
# a wait is ``gate.defer``. See docs/design.md (2026-12-02).
class _Retry(Exception):
    """One attempt failed in a way that another attempt may fix."""

    def __init__(self, error: FetchError, *, url: str, wait: float | None = None):
        self.error = error
        self.url = url
        self.wait = wait  # from Retry-After; None: use the backoff


def _fetch_http(
    source: Source,
    *,
    session: requests.Session,
    validators: Validators,
    env: Mapping[str, str],
    gate: HostGate,
    robots: RobotsCache | None,
    guard: Guard,
) -> Page:
    request = prepare(source, session, validators, env)
    attempts = source.retries + 1
    for attempt in range(1, attempts + 1):
        try:
            return _attempt(
                source, session=session, request=request, gate=gate, robots=robots, guard=guard
            )
        except _Retry as retry:
            left = guard.remaining()
            delay = retry.wait if retry.wait is not None else backoff(attempt)
            if attempt == attempts or (left is not None and delay >= left):
                if retry.wait is not None:  # the other sources on this host wait as told
                    gate.defer(retry.url, retry.wait)
                raise retry.error from None
            log.info("%s: %s; retrying in %.1fs", source.id, retry.error.reason, delay)
            gate.defer(retry.url, delay)  # every source on this host waits, not only this one
    raise AssertionError("unreachable")  # pragma: no cover


def _attempt(
    source: Source,
    *,
    session: requests.Session,
    request: Request,
    gate: HostGate,
    robots: RobotsCache | None,
    guard: Guard,
) -> Page:
    """One attempt: the request and the redirects it leads to, each through the gate."""
    timeout = (source.timeout.connect, source.timeout.read)
    url = source.url
    visited = [url]
    moved: str | None = None
    permanent = True  # every hop so far was 301/308
    own = source_policy(source)
    for hop in range(MAX_REDIRECTS + 1):
        guard.policy = own if hop == 0 else _followed_policy(own, guard)
        _check_literal(source, url, guard.policy)
        if robots is not None and not robots.allowed(
            url, user_agent=request.user_agent, timeout=timeout, min_delay=source.min_delay
        ):
            raise FetchError(
                source.url,
                f"robots.txt of {host_key(url)} disallows {url} for this user agent; ask the "
                "site for a feed, or set 'respect_robots: false' only with the site's permission",
            )
        delay = source.min_delay
        if robots is not None:
            delay = max(delay, robots.crawl_delay(url, user_agent=request.user_agent) or 0.0)
        same_host = host_key(url) == host_key(source.url)
        # the source's own headers (tokens, cookies) go only to the source's own host
        headers = {
            **(request.headers if same_host else {}),
            **request.conditional,
            "User-Agent": request.user_agent,
        }
        with gate.slot(url, min_delay=delay):
            try:
                response = send_get(session, url, headers=headers, timeout=timeout)
            except requests.exceptions.SSLError as exc:
                where = "" if url == source.url else f" on {url}"
                raise TlsError(source.url, tls_reason(exc, where)) from None
            except AddressRefused as exc:
                raise _refused(source, url, exc) from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                where = "" if url == source.url else f" on {url}"  # a redirect target
                reason = network_reason(exc, where)
                raise _Retry(FetchError(source.url, reason), url=url) from None
            except requests.RequestException as exc:
                reason = redact(f"request failed: {type(exc).__name__}: {exc}", request.secrets)
                raise FetchError(source.url, reason) from None
            try:
                check_against_server(
                    datetime.now(UTC), response.headers.get("Date"), response.headers.get("Age"),
                    url=url,
                )  # fmt: skip
                target = redirect_target(response)
                if target is None:
                    return _page(source, response, url=url, moved=moved, request=request)
                status = response.status
            finally:
                close(response)
        target = urljoin(url, target)
        if urlsplit(target).scheme not in ("http", "https"):
            raise FetchError(source.url, f"{url} redirects to {target}, which is not http(s)")
        if status in (301, 308) and permanent:
            moved = target
        else:
            permanent = False
        if target in visited:
            chain = " -> ".join([*visited[visited.index(target) :], target])
            raise FetchError(source.url, f"redirect loop: {chain}; check 'url' in a browser")
        visited.append(target)
        url = target
    raise FetchError(
        source.url,
        f"more than {MAX_REDIRECTS} redirects ({' -> '.join(visited)}); "
        "set 'url' to the final address",
    )


def _followed_policy(own: AddressPolicy, guard: Guard) -> AddressPolicy:
    """A redirect's policy: private addresses only when the page itself was private."""
    public_origin = any(kind == "public" for kind in guard.kinds)
    if not public_origin:
        return own
    return AddressPolicy(allow_private=False, allow=own.allow, setting=own.setting)


def _check_literal(source: Source, url: str, policy: AddressPolicy) -> None:
    """Refuse a URL whose host is a refused address in any written form (also when a
    proxy, not this process, will connect)."""
    address = parse_host(urlsplit(url).hostname or "")
    if address is not None:
        try:
            policy.check(address, url=url)
        except AddressRefused as exc:
            raise _refused(source, url, exc) from None


def _refused(source: Source, url: str, exc: AddressRefused) -> AddressRefused:
    """The refusal as the source's error; a redirect target is named."""
    where = "" if url == source.url else f"{url} (a redirect): "
    return AddressRefused(source.url, f"{where}{exc.reason}", address=exc.address)


def _page(
    source: Source, response: Response, *, url: str, moved: str | None, request: Request
) -> Page:
    status = response.status
    if status in RETRY_STATUSES:
        wait = retry_after(response)
        reason = f"HTTP {status} {response.reason or ''}".rstrip()
        if wait is not None and wait > MAX_RETRY_AFTER:
            raise FetchError(
                source.url,
                f"{reason}; the server asks us to wait {wait:.0f}s before trying again, "
                "the next run will",
                status=status,
            )
        raise _Retry(
            FetchError(source.url, reason + status_hint(status), status=status),
            url=url,
            wait=wait,
        )
    if status == 304:
        # the connection is kept for the next page of this host; if the empty body cannot
        # be read, the answer stands and close() drops the connection
        with contextlib.suppress(requests.RequestException):
            finish(response)
        return Page(url=url, text="", status=304, permanent_redirect=moved)
    if status >= 400:
        raise FetchError(
            source.url,
            f"HTTP {status} {response.reason or ''}".rstrip() + status_hint(status),
            status=status,
        )
    content_type = response.headers.get("Content-Type", "")
    mime = content_type.split(";")[0].strip().lower()
    if mime and mime not in FORMATS[source.format].content_types and not mime.endswith("+xml"):
        raise FetchError(
            source.url,
            f"the server sent {mime!r}, which format {source.format} does not read; check "
            "that 'url' is the newsroom page itself, or set 'format' (feed, json, sitemap)",
            status=status,
        )
    data = _read_capped(source, response, request)
    charset = _http_charset(content_type)
    text, _ = decode(data, http_charset=charset)
    return Page(
        url=url,
        text=text,
        status=status,
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        content_type=mime or None,
        permanent_redirect=moved,
        language=_content_language(response.headers.get("Content-Language")),
    )


def _content_language(header: str | None) -> str | None:
    """The first tag of a Content-Language header (``de-DE, en`` -> ``de-DE``), or None."""
    tag = (header or "").split(",")[0].strip()
    return tag or None


def _http_charset(content_type: str) -> str | None:
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def _read_capped(source: Source, response: Response, request: Request) -> bytes:
    """The (decompressed) body, or a :class:`FetchError` as soon as it passes ``max_bytes``."""
    too_big = FetchError(
        source.url,
        f"the page is larger than max_bytes ({source.max_bytes} bytes); "
        "raise max_bytes for this source if it is really that big",
    )
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > source.max_bytes:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in read_body(response):
            size += len(chunk)
            if size > source.max_bytes:
                raise too_big
            chunks.append(chunk)
    except requests.RequestException as exc:
        reason = redact(f"the connection broke while reading: {exc}", request.secrets)
        raise FetchError(source.url, reason) from None
    return b"".join(chunks)
