"""Entries from a sitemap (sitemaps.org), including Google News sitemaps.

Each ``<url>`` is an entry: its ``<loc>`` the link, ``news:publication_date`` (else
``<lastmod>``) the date, ``news:title`` the title. Only the newest ``max_entries`` URLs
are taken. A URL without a ``news:title`` takes the title read from its own page
(``Page.titles``, filled by :mod:`publisher.follow` once per new URL; the store keeps it).
A sitemap index lists child sitemaps; :mod:`publisher.follow` fetches the newest of them
into ``Page.more``. The XML is parsed with defusedxml: no entities, no external references.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as defused_fromstring

from ..errors import ExtractError
from ..model import Page, RawEntry, Source
from . import page_base

_OLDEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class SitemapUrl:
    loc: str
    date: str | None = None
    title: str | None = None
    position: int = 0  # order in the sitemap(s), for ties and undated URLs


@dataclass(frozen=True, slots=True, kw_only=True)
class Sitemap:
    urls: tuple[SitemapUrl, ...] = ()
    children: tuple[SitemapUrl, ...] = ()  # a sitemap index: the child sitemaps


def extract(page: Page, source: Source) -> tuple[RawEntry, ...]:
    """The newest ``max_entries`` URLs of the sitemap (or of the index's children)."""
    titles = dict(page.titles)
    urls = newest(page, source)
    if not urls:
        raise ExtractError(
            f"{source.id}: the sitemap {page.url} lists no URLs: no entries found: check "
            "'url' (a sitemap index needs its child sitemaps to be reachable)"
        )
    return tuple(
        RawEntry(title=url.title or titles.get(url.loc, ""), link=url.loc, date=url.date)
        for url in urls
    )


def link_base(page: Page, source: Source) -> str:
    return page_base(page, source)


def newest(page: Page, source: Source) -> list[SitemapUrl]:
    """The URLs of ``page`` and of the child sitemaps in ``page.more``, newest first."""
    urls: list[SitemapUrl] = []
    for part in (page, *page.more):
        urls.extend(parse(part.text, where=f"{source.id}: {part.url}").urls)
    ranked = sorted(
        (SitemapUrl(loc=u.loc, date=u.date, title=u.title, position=n) for n, u in enumerate(urls)),
        key=lambda url: (_when(url.date), -url.position),
        reverse=True,
    )
    return ranked[: source.max_entries]


def parse(text: str, *, where: str) -> Sitemap:
    """A sitemap or sitemap index; ExtractError when it is neither or unsafe."""
    try:
        root = defused_fromstring(
            text.lstrip("\ufeff \t\r\n").encode("utf-8"),
            forbid_dtd=False, forbid_entities=True, forbid_external=True,
        )  # fmt: skip
    except DefusedXmlException as exc:
        raise ExtractError(
            f"{where}: refused: the sitemap declares XML entities or external references "
            f"({type(exc).__name__}); ask the site to fix it"
        ) from None
    except ParseError as exc:
        raise ExtractError(f"{where}: the sitemap is not well-formed XML ({exc})") from None
    kind = _local(root.tag)
    if kind == "sitemapindex":
        return Sitemap(children=tuple(_url(node) for node in root if _local(node.tag) == "sitemap"))
    if kind != "urlset":
        raise ExtractError(
            f"{where}: not a sitemap (the root element is <{kind}>, not <urlset> or "
            "<sitemapindex>); check 'url'"
        )
    return Sitemap(urls=tuple(url for node in root if (url := _url(node)).loc))


def newest_children(sitemap: Sitemap, count: int) -> list[str]:
    """The ``count`` child sitemaps with the newest ``lastmod`` (document order on ties)."""
    ranked = sorted(
        enumerate(sitemap.children), key=lambda pair: (_when(pair[1].date), -pair[0]), reverse=True
    )
    return [child.loc for _, child in ranked[:count] if child.loc]


def _url(node: Element) -> SitemapUrl:
    loc = lastmod = title = published = None
    for child in node:
        name = _local(child.tag)
        if name == "loc":
            loc = (child.text or "").strip()
        elif name == "lastmod":
            lastmod = (child.text or "").strip() or None
        elif name == "news":
            for part in child:
                if _local(part.tag) == "title":
                    title = " ".join((part.text or "").split()) or None
                elif _local(part.tag) == "publication_date":
                    published = (part.text or "").strip() or None
    return SitemapUrl(loc=loc or "", date=published or lastmod, title=title)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _when(value: str | None) -> datetime:
    if not value:
        return _OLDEST
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return _OLDEST
    return when if when.tzinfo else when.replace(tzinfo=UTC)
