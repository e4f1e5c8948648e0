"""Entries the page states outright: JSON-LD ``ItemList``, lists of ``Article``/
``NewsArticle``/``BlogPosting`` (also inside ``@graph``), read with extruct.

Microdata and microformats (``h-entry``, ``hentry``, ``hreview``) mark their blocks in
the markup itself; the block detector gives such blocks a strong bonus, and their
fields are found as any other (so they can be written down as selectors).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from extruct.jsonld import JsonLdExtractor
from parsel import Selector

from ...model import RawEntry

ENTRY_TYPES = frozenset({"Article", "NewsArticle", "BlogPosting", "Report", "ScholarlyArticle",
                         "TechArticle", "PressRelease", "AnalysisNewsArticle", "Event",
                         "SocialMediaPosting", "LiveBlogPosting", "OpinionNewsArticle",
                         "ReportageNewsArticle", "Review", "CreativeWork"})  # fmt: skip
MIN_ENTRIES = 2


def entries(document: Selector) -> tuple[RawEntry, ...]:
    """The listed entries of the page's JSON-LD; () when it lists fewer than two."""
    if not document.xpath("//script[@type='application/ld+json']"):
        return ()
    try:
        data = JsonLdExtractor().extract_items(document.root)
    except Exception:
        return ()
    found: list[RawEntry] = []
    seen: set[tuple[str, str | None]] = set()
    for item in _listed(data):
        entry = _entry(item)
        if entry is not None and (entry.title, entry.link) not in seen:
            seen.add((entry.title, entry.link))
            found.append(entry)
    return tuple(found) if len(found) >= MIN_ENTRIES else ()


def _listed(data: Any) -> Iterator[dict[str, Any]]:
    """The entry objects of ItemLists, of @graph and of top-level arrays, in order."""
    for node in data if isinstance(data, list) else [data]:
        if not isinstance(node, dict):
            continue
        if "@graph" in node:
            yield from _listed(node["@graph"])
            continue
        types = _types(node)
        if "ItemList" in types:
            elements = node.get("itemListElement") or []
            for element in elements if isinstance(elements, list) else [elements]:
                if isinstance(element, dict):
                    inner = element.get("item")
                    yield inner if isinstance(inner, dict) else element
        elif types & ENTRY_TYPES:
            yield node
        for key in ("blogPost", "hasPart", "mainEntity"):
            value = node.get(key)
            if isinstance(value, list):
                yield from _listed(value)


def _types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type", ())
    values = value if isinstance(value, list) else [value]
    return {str(v).rsplit("/", 1)[-1] for v in values}


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("@id") or value.get("name")
    return str(value).strip() if value not in (None, "") else None


def _entry(item: dict[str, Any]) -> RawEntry | None:
    title = _text(item.get("headline")) or _text(item.get("name"))
    if not title:
        return None
    image = _text(item.get("image")) or _text(item.get("thumbnailUrl"))
    return RawEntry(
        title=title,
        link=_text(item.get("url")) or _text(item.get("mainEntityOfPage"))
        or _text(item.get("@id")),
        date=_text(item.get("datePublished")) or _text(item.get("dateCreated"))
        or _text(item.get("startDate")),
        summary=_text(item.get("description")),
        category=_text(item.get("articleSection")),
        image=image,
    )  # fmt: skip
