"""``format: auto``: the entries of a page with no selectors (and of an html source
without ``select``).

    detect   (page -> Detection: JSON-LD entries, or selectors for the repeated blocks)
    | html.extract_document  (the selectors applied as for any html source)
    | dates rewritten as "24 April 2015" (the day/month order found on the page)

Modules: :mod:`.structured` (JSON-LD), :mod:`.blocks` (repeated blocks, scored),
:mod:`.fields` (title, link, date, ... inside them), :mod:`.patterns` (printed dates),
:mod:`.detect` (all of it together; ``publisher init`` writes its result down).
"""

from __future__ import annotations

from dataclasses import replace

from parsel import Selector

from ...errors import ExtractError
from ...model import Page, RawEntry, Source
from .. import html
from .detect import Detection, announced_feeds, detect

__all__ = ["Detection", "detect", "detect_feeds", "detect_page", "entries_of", "extract",
           "link_base", "parse"]  # fmt: skip

detect_feeds = announced_feeds


def parse(text: str, *, url: str) -> Selector:
    """The page as the html extractor parses it (so that selectors found here hold there)."""
    return Selector(text=text or "<html></html>", type="html", base_url=url)


def detect_page(page: Page) -> tuple[Selector, Detection]:
    document = parse(page.text, url=page.url)
    return document, detect(document, url=page.url)


def extract(page: Page, source: Source) -> tuple[RawEntry, ...]:
    document, found = detect_page(page)
    return entries_of(document, found, url=page.url, where=source.id)


def entries_of(
    document: Selector, found: Detection, *, url: str, where: str
) -> tuple[RawEntry, ...]:
    """The entries ``found`` points at on ``document``; ExtractError when there are none."""
    if found.kind == "json-ld":
        return found.entries
    if found.select is None:
        best = "; ".join(f"{c.selector} ({c.count} blocks)" for c in found.candidates[:3])
        raise ExtractError(
            f"{where}: no list of entries found on {url} (best candidates: {best or 'none'}): "
            "run 'publisher preview' on it, or write 'select' selectors for it"
        )
    raws = html.extract_document(document, found.select, url=url, where=where)
    family = found.date_family
    if family is None:
        return raws
    from .patterns import english

    return tuple(
        replace(raw, date=english(raw.date, family, dayfirst=found.dayfirst)) if raw.date else raw
        for raw in raws
    )


def link_base(page: Page, source: Source) -> str:
    return html.link_base(page, source)
