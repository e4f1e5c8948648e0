"""Entries from the plain-text newsroom layout.

    March 7, 2016 • Report                 <- date, bullet, type (the type is optional)
    Connection Denied: Restrictions ...     <- title: the next non-empty line
    Ordinary North Koreans caught ...       <- summary: the lines up to the next date line

Nothing above the first date line is an entry: pages put their own prose there.

The layout is what a browser shows, so an HTML page (the live newsroom rather than a
saved text rendering of it) is first turned into its visible text: scripts, styles and
other invisible elements dropped, a line break after every block element.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from ..errors import ExtractError
from ..model import Page, RawEntry, Source
from . import page_base

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = (
    rf"(?:{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}"  # March 7, 2016
    rf"|\d{{1,2}}\.?\s+{_MONTH}\s+\d{{4}}"  # 7 March 2016
    r"|\d{4}-\d{2}-\d{2}"  # 2016-03-07
    r"|\d{1,2}[./]\d{1,2}[./]\d{4})"  # 07.03.2016, 3/7/2016
)
DATE_LINE = re.compile(
    rf"^\s*(?P<date>{_DATE})\s*(?:[•·|–—-]\s*(?P<type>[^•·|]+?))?\s*$", re.IGNORECASE
)


_HTML_START = re.compile(
    r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
_INVISIBLE = ("script", "style", "noscript", "template", "head", "svg")
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tr",
        "ul",
    }
)  # fmt: skip


def looks_like_html(text: str) -> bool:
    return bool(_HTML_START.match(text[:4096]))


def visible_text(html: str) -> str:
    """The text a browser shows for ``html``, one block element per line."""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return html
    for element in root.iter(*_INVISIBLE):
        element.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
            if element.tag.lower() != "br":
                element.text = "\n" + (element.text or "")
    return str(root.text_content())


def extract(page: Page, source: Source) -> tuple[RawEntry, ...]:
    """The entries of the text layout on ``page``."""
    return extract_text(page.text, where=source.id)


def link_base(page: Page, source: Source) -> str:
    """The page's URL (``home`` for a saved file): a text page declares no base."""
    return page_base(page, source)


def extract_text(text: str, *, where: str) -> tuple[RawEntry, ...]:
    """The entries of a plain-text newsroom page (or of an HTML page's text), in order."""
    if looks_like_html(text):
        text = visible_text(text)
    lines = [line.strip() for line in text.splitlines()]
    starts = [index for index, line in enumerate(lines) if DATE_LINE.match(line)]
    if not starts:
        raise ExtractError(
            f"{where}: no entries found: no line looks like 'March 7, 2016 • Report'. "
            "The page layout may have changed, or this source needs format: html."
        )
    entries = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(lines)
        match = DATE_LINE.match(lines[start])
        assert match is not None
        body = [line for line in lines[start + 1 : end] if line]
        if not body:
            continue  # a date line with nothing under it is not an entry
        title, summary = body[0], " ".join(body[1:])
        entries.append(
            RawEntry(
                title=title,
                date=match.group("date"),
                category=match.group("type"),
                summary=summary or None,
            )
        )
    return tuple(entries)
