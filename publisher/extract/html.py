"""Entries from an HTML page with the user's selectors (parsel: CSS or XPath).

Selectors follow Scrapy's syntax: ``h3 a::text``, ``a::attr(href)``, or XPath when they
start with ``/``, ``./`` or ``(``. A selector that matches elements (not text or an
attribute) yields their text content, or their markup for ``summary``.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from lxml import etree
from parsel import Selector
from parsel.csstranslator import GenericTranslator, HTMLTranslator

from ..config import Selectors, is_xpath
from ..errors import ExtractError
from ..model import RawEntry

# Whole-item fallbacks: the title is the item's text, the link its first href.
_DEFAULT_LINK = "(./@href | .//a/@href)"
# A <base> element can only come from these characters: without them, no need to parse.
_BASE_TAG = re.compile(r"<base", re.IGNORECASE)

# parsel parses the page; the selectors then run as compiled lxml XPath straight on its
# elements, exactly as parsel runs them (same namespaces, same CSS translation, same
# serialisation) but without a Selector object around every node, which was most of the
# time spent here.
_NAMESPACES = {"re": "http://exslt.org/regular-expressions", "set": "http://exslt.org/sets"}
_PER_CALL = ("set:",)  # as in parsel: evaluators using these prefixes are never reused
_TRANSLATORS = {"html": HTMLTranslator(), "xml": GenericTranslator()}
_STRING = etree.XPath("string()")


def extract_html(text: str, select: Selectors, *, url: str, where: str) -> tuple[RawEntry, ...]:
    """Apply ``select`` to the page ``text`` fetched from ``url``."""
    document = Selector(text=text or "<html></html>", base_url=url)
    find = _Finder(document.type)
    items = find.select(document.root, select.item)
    if not items:
        raise ExtractError(
            f"{where}: the item selector {select.item!r} matched nothing on {url}: "
            "no entries found: the page layout may have changed, or the selector is wrong. "
            "Open the page, check the selector, then run 'publisher validate'."
        )
    date_pattern = re.compile(select.date_regex) if select.date_regex else None
    entries = []
    for item in items:
        title = find.text(item, select.title) if select.title else _string(item)
        link = find.first(item, select.link or _DEFAULT_LINK)
        date = find.first(item, select.date) if select.date else None
        if date is not None and date_pattern is not None:
            match = date_pattern.search(date)
            date = (match.group(1) if match.groups() else match.group(0)) if match else None
        summary, summary_is_html = find.summary(item, select.summary)
        category = find.text(item, select.category) if select.category else None
        entries.append(
            RawEntry(
                title=title,
                link=link,
                date=date,
                summary=summary,
                summary_is_html=summary_is_html,
                category=category or None,
            )
        )
    return tuple(entries)


def base_href(text: str) -> str | None:
    """The page's ``<base href>``, if it declares one."""
    if not _BASE_TAG.search(text):
        return None  # the page has no <base>: do not parse it a second time
    found = Selector(text=text or "<html></html>").xpath("//base/@href").get()
    return found.strip() if found else None


def _compile(query: str) -> Any:
    namespaces = {
        prefix: uri
        for prefix, uri in _NAMESPACES.items()
        if prefix == "re" or f"{prefix}:" in query
    }
    return etree.XPath(query, namespaces=namespaces, smart_strings=False)


_compiled = functools.lru_cache(maxsize=512)(_compile)


@functools.lru_cache(maxsize=512)
def _query(selector: str, method: str) -> str:
    if is_xpath(selector):
        return selector
    return str(_TRANSLATORS[method].css_to_xpath(selector))


class _Finder:
    """Selectors over the nodes of one parsed document ("html", "xml"; else nothing)."""

    def __init__(self, kind: str):
        self.kind = kind
        self.method = "xml" if kind == "xml" else "html"

    def select(self, node: Any, selector: str) -> list[Any]:
        """``selector`` on an lxml node: a list of elements, strings or other values."""
        if self.kind not in ("html", "xml"):
            return []  # not markup (parsel read the text as JSON): no entries here
        query = _query(selector, self.method)
        if not hasattr(node, "xpath"):  # a string or number result has no children
            return [node] if isinstance(node, str) and query.strip() == "." else []
        try:
            reuse = not any(prefix in query for prefix in _PER_CALL)
            result = (_compiled if reuse else _compile)(query)(node)
        except etree.XPathError as exc:
            raise ValueError(f"XPath error: {exc} in {query}") from exc
        return result if isinstance(result, list) else [result]

    def get(self, node: Any) -> str:
        """The node as parsel's ``get()`` gives it: markup for elements, else the value."""
        try:
            return str(
                etree.tostring(node, method=self.method, encoding="unicode", with_tail=False)
            )
        except (AttributeError, TypeError):
            if node is True:
                return "1"
            if node is False:
                return "0"
            return str(node)

    def text(self, item: Any, selector: str) -> str:
        """All matches as text, joined with spaces (whitespace is collapsed later)."""
        return " ".join(_string(node) for node in self.select(item, selector))

    def first(self, item: Any, selector: str) -> str | None:
        for node in self.select(item, selector):
            value = _string(node).strip()
            if value:
                return value
        return None

    def summary(self, item: Any, selector: str | None) -> tuple[str | None, bool]:
        if not selector:
            return None, False
        nodes = self.select(item, selector)
        if not nodes:
            return None, False
        if all(not isinstance(node, str) for node in nodes):
            return "".join(self.get(node) for node in nodes), True
        return " ".join(_string(node) for node in nodes), False


def _string(node: Any) -> str:
    """The string value of a node, as parsel's ``xpath("string()").get()`` gives it."""
    if isinstance(node, str):
        return node
    if not hasattr(node, "xpath"):
        return ""  # a number or boolean: parsel finds no string value in it
    return str(_STRING(node))
