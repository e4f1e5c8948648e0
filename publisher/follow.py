"""What a source's first page leads to: further list pages, child sitemaps, page titles.

    paginate   ``pages: N``: the next list page (``select.next``, else rel=next), up to N
               pages, in order; stops at a page whose entries are all known already
    sitemap    a sitemap index: its newest ``pages`` child sitemaps; then the title of
               each new URL without a ``news:title``, read once from its page

Every request goes through the source's retriever with the run's gate and robots.txt
(so one at a time per host, ``min_delay`` apart). The source's own ``headers`` go only
to its own host. A further page that fails is logged and ends the following: the pages
already read still count, and the source does not fail for it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import urljoin

from parsel import Selector

from .errors import ExtractError, PublisherError
from .extract import extract_entries, extractor, is_xpath, link_base
from .extract import sitemap as sitemaps
from .hosts import host_key
from .links import clean_link
from .model import Page, RawEntry, Source
from .normalise import entry_id, normalise_entries
from .retrieve import Context, Validators, retriever

log = logging.getLogger(__name__)

# rel is a list of tokens: rel="next" and rel="next nofollow" both count.
_REL_NEXT = (
    "(//link[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href"
    " | //a[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href)"
)


def follow(source: Source, page: Page, context: Context) -> Page:
    """``page`` with the further pages (``more``) and titles (``titles``) it leads to."""
    if page.status == 304:
        return page
    if source.format == "sitemap":
        return _sitemap(source, page, context)
    if source.pages > 1:
        return _paginate(source, page, context)
    return page


def next_link(page: Page, source: Source) -> str | None:
    """The next list page of an html page: ``select.next``, else ``<link/a rel=next>``."""
    document = Selector(text=page.text or "<html></html>", type="html")
    wanted = source.select.next if source.select and source.select.next else _REL_NEXT
    nodes = document.xpath(wanted) if is_xpath(wanted) else document.css(wanted)
    for node in nodes:
        value = node.xpath("@href").get() if not isinstance(node.root, str) else node.get()
        if value and value.strip():
            return urljoin(link_base(page, source), str(value).strip())
    return None


def _paginate(source: Source, page: Page, context: Context) -> Page:
    more: list[Page] = []
    current = page
    visited = {page.url}
    for _ in range(source.pages - 1):
        try:
            raws = extract_entries(current, source)
        except ExtractError:
            break
        if _all_known(source, current, raws, context):
            break
        target = _next(current, source)
        if target is None or target in visited:
            break
        visited.add(target)
        fetched = _get(source, target, context, why="list page")
        if fetched is None:
            break
        try:
            extract_entries(fetched, source)
        except ExtractError as exc:
            log.info("%s: stopped at %s: %s", source.id, target, exc)
            break
        more.append(fetched)
        current = fetched
    return replace(page, more=tuple(more))


def _next(page: Page, source: Source) -> str | None:
    own = getattr(extractor(source.format), "next_link", None)
    if own is not None:  # format json: select.next is a JMESPath expression
        found: str | None = own(page, source)
        return urljoin(link_base(page, source), found) if found else None
    return next_link(page, source)


def _all_known(source: Source, page: Page, raws: Sequence[RawEntry], context: Context) -> bool:
    """Whether every entry of the page is in the store already (never without a store)."""
    if context.known is None or context.now is None or not raws:
        return False
    ids = _ids(source, page, raws, context)
    return len(context.known(ids)) == len(set(ids))


def _ids(source: Source, page: Page, raws: Sequence[RawEntry], context: Context) -> list[str]:
    assert context.now is not None
    found = normalise_entries(
        raws, source=source, page_url=link_base(page, source), now=context.now
    )
    return [entry.id for entry in found.entries]


def _sitemap(source: Source, page: Page, context: Context) -> Page:
    try:
        index = sitemaps.parse(page.text, where=f"{source.id}: {page.url}")
    except ExtractError:
        return page  # the extractor reports it
    if index.children:
        children = []
        for loc in sitemaps.newest_children(index, source.pages):
            child = _get(source, urljoin(page.url, loc), context, why="child sitemap")
            if child is not None:
                children.append(child)
        page = replace(page, more=tuple(children))
    try:
        urls = sitemaps.newest(page, source)
    except ExtractError:
        return page
    untitled = [url.loc for url in urls if not url.title]
    if not untitled:
        return page
    return replace(page, titles=_titles(source, page, untitled, context))


def _titles(
    source: Source, page: Page, links: Sequence[str], context: Context
) -> tuple[tuple[str, str], ...]:
    """The stored title of each known URL, the title read from its page for the others."""
    base = link_base(page, source)
    ids = {}
    for link in links:
        clean = clean_link(link, base_url=base)
        if clean:
            ids[link] = entry_id(source_id=source.id, link=clean, title="", date_key=None)
    stored = context.known(ids.values()) if context.known is not None and ids else {}
    titles: list[tuple[str, str]] = []
    for link in links:
        known = stored.get(ids.get(link, ""))
        if known is not None:
            titles.append((link, known.title))
            continue
        article = _get(replace(source, format="html", pages=1), link, context, why="page")
        title = page_title(article.text) if article is not None else None
        if title:
            titles.append((link, title))
    return tuple(titles)


def page_title(text: str) -> str | None:
    """A page's ``og:title``, else its ``<title>``."""
    document = Selector(text=text or "<html></html>", type="html")
    for query in ("//meta[@property='og:title']/@content", "//title//text()"):
        value = " ".join(" ".join(document.xpath(query).getall()).split())
        if value:
            return value
    return None


def _get(source: Source, url: str, context: Context, *, why: str) -> Page | None:
    """One further page of ``source``, or None (logged) when it cannot be had."""
    other_host = host_key(url) != host_key(source.url)
    further = replace(
        source, url=url, render=None if why == "page" else source.render,
        headers=() if other_host else source.headers,
    )  # fmt: skip
    try:
        return retriever(further).retrieve(further, replace(context, validators=Validators()))
    except PublisherError as exc:
        log.warning("%s: cannot read the %s %s: %s", source.id, why, url, exc)
        return None
