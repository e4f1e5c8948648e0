"""Page -> raw entries. Pure: the page text is all it reads.

One module per kind of page: :mod:`.html` (user selectors) and :mod:`.text` (the plain
text newsroom layout). :func:`extract_entries` picks by the source's ``format``.
"""

from __future__ import annotations

from urllib.parse import urljoin

from ..config import Source
from ..model import Page, RawEntry
from .html import base_href, extract_html
from .text import extract_text

__all__ = ["extract_entries", "extract_html", "extract_text", "link_base"]


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


def extract_entries(page: Page, source: Source) -> tuple[RawEntry, ...]:
    """The entries on ``page`` in page order; raises ExtractError when none can be found."""
    if source.format == "text":
        return extract_text(page.text, where=source.id)
    assert source.select is not None  # config guarantees it for html sources
    return extract_html(page.text, source.select, url=page.url, where=source.id)
