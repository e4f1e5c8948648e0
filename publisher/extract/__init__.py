"""Page -> raw entries. Pure: the page text is all it reads.

One module per kind of page: :mod:`.html` (user selectors) and :mod:`.text` (the plain
text newsroom layout). :func:`extract_entries` picks by the source's ``format``.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from ..config import Source
from ..model import Page, RawEntry
from .html import base_href, extract_html
from .text import extract_text

__all__ = ["extract_entries", "extract_html", "extract_text", "link_base", "page_language"]

# <html lang="de-DE">, or <meta http-equiv="Content-Language" content="de">, near the top.
_HTML_LANG = re.compile(
    r"<html\b[^>]*?\s(?:xml:)?lang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*)"
    r"|<meta\b[^>]*?http-equiv\s*=\s*[\"']?content-language[\"']?[^>]*?\scontent\s*=\s*"
    r"[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*)",
    re.IGNORECASE,
)
_HEAD = 65536  # the <html> tag is near the top; never scan a whole large page for it


def link_base(page: Page, source: Source) -> str:
    """The URL relative links on ``page`` are resolved against.

    The page's final URL (after redirects), or ``home`` for a page read from a file, then
    the page's ``<base href>`` on top.
    """
    base = page.url
    if base.startswith("file:") and not source.home.startswith("file:"):
        base = source.home
    if source.format == "html":
        declared = base_href(page.text)
        if declared:
            base = urljoin(base, declared)
    return base


def page_language(page: Page, source: Source) -> str | None:
    """The page's language: its ``<html lang>`` (or meta Content-Language) for an html
    page, else the Content-Language header the server sent; None when neither says."""
    if source.format == "html":
        match = _HTML_LANG.search(page.text, 0, _HEAD)
        if match:
            return match.group(1) or match.group(2)
    return page.language


def extract_entries(page: Page, source: Source) -> tuple[RawEntry, ...]:
    """The entries on ``page`` in page order; raises ExtractError when none can be found."""
    if source.format == "text":
        return extract_text(page.text, where=source.id)
    assert source.select is not None  # config guarantees it for html sources
    return extract_html(page.text, source.select, url=page.url, where=source.id)
