"""Entries from an HTML page with the user's selectors (parsel: CSS or XPath).

Selectors follow Scrapy's syntax: ``h3 a::text``, ``a::attr(href)``, or XPath when they
start with ``/``, ``./`` or ``(``. A selector that matches elements (not text or an
attribute) yields their text content, or their markup for ``summary``.
"""

from __future__ import annotations

import functools
import re
from typing import TypeAlias

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

from ..errors import ExtractError
from ..model import Page, RawEntry, Selectors, Source
from . import declared_base, is_xpath

# Whole-item fallbacks: the title is the item's text, the link its first href.
_DEFAULT_LINK = "(./@href | .//a/@href)"
# A <base> element can only come from these characters: without them, no need to parse.
_BASE_TAG = re.compile(r"<base", re.IGNORECASE)


def extract(page: Page, source: Source) -> tuple[RawEntry, ...]:
    """The entries the source's selectors find on ``page``; without selectors, the
    entries auto detection finds (``format: auto``)."""
    if source.select is None:
        from . import auto

        return auto.extract(page, source)
    return extract_html(page.text, source.select, url=page.url, where=source.id)


def link_base(page: Page, source: Source) -> str:
    """The page's URL with its ``<base href>`` on top."""
    return declared_base(page, source, base_href(page.text))


def extract_html(text: str, select: Selectors, *, url: str, where: str) -> tuple[RawEntry, ...]:
    """Apply ``select`` to the page ``text`` fetched from ``url``."""
    # type="html": parsel would read a page that happens to be valid JSON as JSON.
    document = Selector(text=text or "<html></html>", type="html", base_url=url)
    return extract_document(document, select, url=url, where=where)


def extract_document(
    document: Selector, select: Selectors, *, url: str, where: str
) -> tuple[RawEntry, ...]:
    """Apply ``select`` to the parsed page ``document``."""
    items = _select(document, select.item)
    if not items:
        raise ExtractError(
            f"{where}: the item selector {select.item!r} matched nothing on {url}: "
            "no entries found: the page layout may have changed, or the selector is wrong. "
            f"Run 'publisher preview {where}' to see what the selectors find, then fix them "
            "(or remove 'select' to let auto detection find the entries).",
            names_layout=True,
        )
    date_pattern = re.compile(select.date_regex) if select.date_regex else None
    entries = []
    for item in items:
        title = _text(item, select.title) if select.title else _string(item)
        link = _first(item, select.link or _DEFAULT_LINK)
        date = _first(item, select.date) if select.date else None
        if date is not None and date_pattern is not None:
            match = date_pattern.search(date)
            date = (match.group(1) if match.groups() else match.group(0)) if match else None
        summary, summary_is_html = _summary(item, select.summary)
        category = _text(item, select.category) if select.category else None
        image = _image(item, select.image) if select.image else None
        author = _text(item, select.author) if select.author else None
        entries.append(
            RawEntry(
                title=title,
                link=link,
                date=date,
                summary=summary,
                summary_is_html=summary_is_html,
                category=category or None,
                image=image,
                author=author or None,
            )
        )
    return tuple(entries)


def base_href(text: str) -> str | None:
    """The page's ``<base href>``, if it declares one."""
    if not _BASE_TAG.search(text):
        return None  # the page has no <base>: do not parse it a second time
    found = Selector(text=text or "<html></html>", type="html").xpath("//base/@href").get()
    return found.strip() if found else None


# The selectors run as compiled lxml XPath on the elements of parsel's tree: the same
# translation of CSS (parsel's HTMLTranslator, with ::text and ::attr()), the same
# namespaces and plain-string results as parsel, without a Selector made per match.
Node: TypeAlias = etree._Element | str | float | bool  # what an XPath gives
_NAMESPACES = {"re": "http://exslt.org/regular-expressions", "set": "http://exslt.org/sets"}
_STRING = etree.XPath("string()")


@functools.lru_cache(maxsize=1024)  # sources share their selectors: compile each once
def _compiled(selector: str) -> etree.XPath:
    path = selector if is_xpath(selector) else HTMLTranslator().css_to_xpath(selector)
    used = {prefix: uri for prefix, uri in _NAMESPACES.items() if f"{prefix}:" in path}
    return etree.XPath(path, namespaces=used, smart_strings=False)


def _select(node: Selector | Node, selector: str) -> list[Node]:
    root = node.root if isinstance(node, Selector) else node
    if not isinstance(root, etree._Element):
        return []  # a text or a number holds no nodes
    found = _compiled(selector)(root)
    return found if isinstance(found, list) else [found]


def _string(node: Node) -> str:
    """The text of an element; a text or an attribute as it is."""
    if isinstance(node, etree._Element):
        return str(_STRING(node))
    return node if isinstance(node, str) else ""


def _markup(node: Node) -> str:
    """An element's markup (as parsel's ``get()``)."""
    if isinstance(node, etree._Element):
        return str(etree.tostring(node, method="html", encoding="unicode", with_tail=False))
    return {True: "1", False: "0"}.get(node, str(node)) if isinstance(node, bool) else str(node)


def _text(item: Node, selector: str) -> str:
    """All matches as text, joined with spaces (whitespace is collapsed later)."""
    return " ".join(_string(node) for node in _select(item, selector))


def _first(item: Node, selector: str) -> str | None:
    for node in _select(item, selector):
        value = _string(node).strip()
        if value:
            return value
    return None


def _summary(item: Node, selector: str | None) -> tuple[str | None, bool]:
    if not selector:
        return None, False
    nodes = _select(item, selector)
    if not nodes:
        return None, False
    if all(not isinstance(node, str) for node in nodes):
        return "".join(_markup(node) for node in nodes), True
    return " ".join(_string(node) for node in nodes), False


def _image(item: Node, selector: str) -> str | None:
    """The first match: an attribute or text is the URL; an ``<img>`` gives its picture,
    lazy-loaded ones too (``data-src``, ``data-srcset``, ``srcset``, ``<noscript><img>``)."""
    for node in _select(item, selector):
        value = image_url(node) if isinstance(node, etree._Element) else _string(node)
        if value and value.strip():
            return str(value).strip()
    return None


_LAZY = ("data-src", "data-lazy-src", "data-original", "data-srcset", "srcset")


def image_url(node: etree._Element) -> str | None:
    """The URL an ``<img>`` shows once loaded: ``src`` unless it is a placeholder."""
    src = (node.get("src") or "").strip()
    if src and not src.startswith("data:"):
        return src
    for name in _LAZY:
        value = (node.get(name) or "").strip()
        if value:
            return value.split(",")[0].split()[0]  # a srcset: its first candidate
    fallback = _first_of(node, "following-sibling::noscript[1]//img/@src")
    if not fallback:
        text = _first_of(node, "following-sibling::noscript[1]/text()") or ""
        found = re.search(r"<img[^>]+src=[\"']([^\"']+)", text)
        fallback = found.group(1) if found else None
    return fallback.strip() if fallback else (src or None)


def _first_of(node: etree._Element, path: str) -> str | None:
    found = _select(node, path)
    return _string(found[0]) if found else None
