"""Page -> raw entries. Pure: the page text is all it reads.

An extractor per source ``format``, registered by name in :data:`FORMATS`: a module
with ``extract(page, source)`` and ``link_base(page, source)`` (the :class:`Extractor`
protocol). A :class:`Format` says which module, which media types the server may send
and whether ``select`` is required; the module is imported only when a source of that
format is read, so loading ``sources.yaml`` imports no parser. Adding a format is one
module and one line in :data:`FORMATS` (see docs/adding-a-format.md).
"""

from __future__ import annotations

import functools
import importlib
import re
from dataclasses import dataclass, replace
from typing import Literal, Protocol, cast
from urllib.parse import urljoin

from ..model import Page, RawEntry, Source

__all__ = [
    "FORMATS", "Extractor", "Format", "extract_entries", "extract_pages", "extractor",
    "link_base", "page_language",
]  # fmt: skip

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain", "text/xml",
                        "application/xml"})  # fmt: skip
FEED_TYPES = HTML_TYPES | {"application/rss+xml", "application/atom+xml", "application/rdf+xml",
                           "application/feed+json", "application/json", "text/json"}  # fmt: skip
JSON_TYPES = frozenset({"application/json", "text/json", "text/plain", "text/javascript",
                        "application/javascript", "application/vnd.api+json",
                        "application/hal+json", "application/feed+json"})  # fmt: skip
SITEMAP_TYPES = frozenset({"application/xml", "text/xml", "text/plain"})

# <html lang="de-DE">, or <meta http-equiv="Content-Language" content="de">, near the top.
_HTML_LANG = re.compile(
    r"<html\b[^>]*?\s(?:xml:)?lang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*)"
    r"|<meta\b[^>]*?http-equiv\s*=\s*[\"']?content-language[\"']?[^>]*?\scontent\s*=\s*"
    r"[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*)",
    re.IGNORECASE,
)
_HEAD = 65536  # the <html> tag is near the top; never scan a whole large page for it


class Extractor(Protocol):
    """What a format's module provides."""

    def extract(self, page: Page, source: Source) -> tuple[RawEntry, ...]:
        """The entries on ``page`` in page order; ExtractError when none can be found."""
        ...

    def link_base(self, page: Page, source: Source) -> str:
        """The URL relative links on ``page`` are resolved against."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Format:
    """A registered source format."""

    name: str
    module: str  # the Extractor, imported on first use
    content_types: frozenset[str] = HTML_TYPES  # besides any */*+xml
    select: Literal["required", "optional", "refused"] = "optional"
    select_hint: str = ""  # what 'select' holds, for the message when it is missing
    syntax: Literal["parsel", "jmespath"] = "parsel"  # how 'select' values are checked
    paged: bool = True  # Page.more holds further list pages (not child sitemaps)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(name="html", module="publisher.extract.html", select="optional",
               select_hint="a CSS or XPath selector matching one element per entry; "
                           "without it the entries are found automatically (format: auto)"),
        Format(name="text", module="publisher.extract.text", select="refused"),
        # kinds of source (issue 16)
        Format(name="feed", module="publisher.extract.feed", content_types=FEED_TYPES,
               select="refused"),
        Format(name="json", module="publisher.extract.jsonapi", content_types=JSON_TYPES,
               select="required", syntax="jmespath",
               select_hint="a JMESPath expression giving the list of entries, "
                           "e.g. 'data.articles[]'"),
        Format(name="sitemap", module="publisher.extract.sitemap",
               content_types=SITEMAP_TYPES, select="refused", paged=False),
        Format(name="auto", module="publisher.extract.auto", select="refused"),
    )
}  # fmt: skip


@functools.cache
def extractor(name: str) -> Extractor:
    """The extractor of the format ``name`` (a key of :data:`FORMATS`)."""
    return cast(Extractor, importlib.import_module(FORMATS[name].module))


def page_language(page: Page, source: Source) -> str | None:
    """The page's language: its ``<html lang>`` (or meta Content-Language) for an html
    page, else the Content-Language header the server sent; None when neither says."""
    if source.format in ("html", "auto", "text"):  # pages; not feeds, JSON or sitemaps
        match = _HTML_LANG.search(page.text, 0, _HEAD)
        if match:
            return match.group(1) or match.group(2)
    return page.language


def extract_entries(page: Page, source: Source) -> tuple[RawEntry, ...]:
    """The entries on ``page`` in page order; raises ExtractError when none can be found.

    The further list pages a paged source followed (``page.more``) add their entries in
    order, their links made absolute against their own page.
    """
    return extract_pages(page, source)[0]


def extract_pages(page: Page, source: Source) -> tuple[tuple[RawEntry, ...], int]:
    """:func:`extract_entries`, and how many of the entries came from the first list page
    (a paged source's rerun stops early: the layout guard counts the first page only)."""
    module = extractor(source.format)
    entries = module.extract(page, source)
    if not page.more or not FORMATS[source.format].paged:
        return entries, len(entries)
    found = list(entries)
    for more in page.more:
        base = module.link_base(more, source)
        found.extend(
            replace(raw, link=urljoin(base, raw.link) if raw.link else None,
                    image=urljoin(base, raw.image) if raw.image else None)
            for raw in module.extract(more, source)
        )  # fmt: skip
    return tuple(found), len(entries)


def link_base(page: Page, source: Source) -> str:
    """The URL relative links on ``page`` are resolved against."""
    return extractor(source.format).link_base(page, source)


def page_base(page: Page, source: Source) -> str:
    """The page's final URL (after redirects), or ``home`` for a page read from a file."""
    if page.url.startswith("file:") and not source.home.startswith("file:"):
        return source.home
    return page.url


def declared_base(page: Page, source: Source, declared: str | None) -> str:
    """:func:`page_base` with a page's own ``<base href>`` (``declared``) on top."""
    base = page_base(page, source)
    return urljoin(base, declared) if declared else base


def is_xpath(selector: str) -> bool:
    """Selectors starting with ``/``, ``./`` or ``(`` are XPath; anything else is CSS."""
    return selector.startswith(("/", "./", "("))
