"""The full text of entries (``full_text: true``): each entry's own page, fetched once.

    todo       the entries of the feed without their article, tried fewer than MAX_TRIES
               times, newest first, at most ``max_full_text_per_run`` of them
    fetch      publisher.fetch.fetch_page on the entry's link: the run's HostGate (one
               request at a time per host, min_delay apart), robots.txt, the source's
               timeouts and max_bytes; the source's headers only on the source's own host
    extract    trafilatura: the article's body, no navigation, no comments
    sanitise   normalise.sanitise_summary (nh3): allowed tags only, links made absolute
    store      Store.save_full_text: the article, or one more failed try

A failed fetch or an empty extraction keeps the teaser and is tried again on a later run,
up to :data:`MAX_TRIES` times in all; it never fails the source. The store clears an
entry's article when the entry's content changes, so only then is the page fetched again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

import requests

from .errors import PublisherError
from .fetch import fetch_page
from .hosts import HostGate, host_key
from .model import Source, StoredEntry
from .robots import RobotsCache
from .sanitise import sanitise_summary
from .store import Store

log = logging.getLogger(__name__)

MAX_TRIES = 3  # fetches of one article, failed ones included, before giving up


def todo(
    source: Source, window: Sequence[StoredEntry], tries: dict[str, int]
) -> tuple[StoredEntry, ...]:
    """The entries of ``window`` whose article to fetch now. Pure.

    Entries without a page of their own (their link is the newsroom page) have none.
    """
    wanted = [
        entry
        for entry in window
        if entry.content is None
        and entry.link not in (source.home, source.url)
        and tries.get(entry.id, 0) < MAX_TRIES
    ]
    return tuple(wanted[: source.max_full_text_per_run])


def fill(
    source: Source,
    window: Sequence[StoredEntry],
    *,
    store: Store,
    session: requests.Session,
    gate: HostGate | None = None,
    robots: RobotsCache | None = None,
) -> int:
    """Fetch and store the articles of ``window`` that are due; how many were stored."""
    if not source.full_text:
        return 0
    candidates = [entry.id for entry in window if entry.content is None]
    if not candidates:
        return 0
    due = todo(source, window, store.full_text_tries(source.id, candidates))
    results: list[tuple[str, str | None]] = []
    for entry in due:
        content = article(source, entry.link, session=session, gate=gate, robots=robots)
        results.append((entry.id, content))
    store.save_full_text(source.id, results)
    return sum(1 for _, content in results if content)


def article(
    source: Source,
    link: str,
    *,
    session: requests.Session,
    gate: HostGate | None = None,
    robots: RobotsCache | None = None,
) -> str | None:
    """The sanitised article at ``link``, or None (logged) when it cannot be had."""
    own_host = host_key(link) == host_key(source.url)
    page_source = replace(
        source,
        url=link,
        format="html",
        headers=source.headers if own_host else (),  # secrets stay on the source's host
        retries=min(source.retries, 1),  # a later run tries again
    )
    try:
        page = fetch_page(page_source, session=session, gate=gate, robots=robots)
    except PublisherError as exc:
        log.info("%s: article %s not fetched: %s", source.id, link, exc)
        return None
    content = extract_article(page.text, url=page.url)
    if content is None:
        log.info("%s: no article found on %s; the teaser is kept", source.id, link)
    return content


def extract_article(html: str, *, url: str) -> str | None:
    """The body of the article in ``html`` as sanitised HTML, None when there is none."""
    import trafilatura  # imported on first use: it is slow to import and seldom needed

    try:
        body = trafilatura.extract(
            html,
            url=url,
            output_format="html",
            include_links=True,
            include_images=True,
            include_tables=True,
            include_comments=False,
            favor_precision=True,
        )
    except Exception as exc:  # a third-party parser on any page: never fail the source
        log.warning("trafilatura failed on %s: %s", url, exc)
        return None
    if not body:
        return None
    cleaned = sanitise_summary(body, base_url=url)
    return cleaned or None
