"""Entries from an existing feed: RSS 0.9x/1.0/2.0 and Atom (feedparser), JSON Feed.

What the publisher adds to such a feed is done downstream, as for any page: ids come
from each entry's canonical link (or title and date), never from its guid, so an upstream
that renumbers its guids changes nothing; entries without a date get their first-seen
time; the store keeps history beyond the upstream's last N items; summaries are
sanitised again (nh3) whatever feedparser let through.

XML is parsed safely. feedparser's SAX parser does not resolve external entities, and it
removes a DOCTYPE, keeping only plain-text entity declarations; on top of that, a feed
whose prolog declares entities is refused before feedparser sees it (defusedxml names
what it found): feeds never need them, and a billion-laughs or XXE feed fails at once,
without a single request or entity expansion.
"""

from __future__ import annotations

import calendar
import io
import json
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as defused_fromstring

from ..errors import ExtractError
from ..model import Page, RawEntry, Source
from . import page_base

# Everything before the root element: where a DOCTYPE and its entities would be.
_PROLOG = re.compile(r"^(.*?)<[A-Za-z_]", re.DOTALL)
_DECLARATION = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")


def extract(page: Page, source: Source) -> tuple[RawEntry, ...]:
    """The entries of the feed ``page``; ExtractError when it is no feed or unsafe."""
    text = page.text.lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        return _json_feed(text, page=page, source=source)
    check_xml_safety(text, where=f"{source.id}: {page.url}")
    parsed = feedparser.parse(
        io.BytesIO(text.encode("utf-8")),
        response_headers={
            "content-type": "application/xml; charset=utf-8",
            "content-location": page_base(page, source),
        },
        # nh3 sanitises summaries and makes their links absolute (normalise): feedparser's
        # own passes would double the cost of a feed entry
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise ExtractError(
            f"{source.id}: {page.url} is not an RSS or Atom feed"
            + (f" ({problem})" if problem else "")
            + ": no entries found; check 'url', or use format: html for a web page"
        )
    return tuple(_entry(item) for item in parsed.entries)


def link_base(page: Page, source: Source) -> str:
    """feedparser made links absolute already; the rest resolve against the feed's URL."""
    return page_base(page, source)


def check_xml_safety(text: str, *, where: str) -> None:
    """Refuse an XML document that declares entities or external references.

    Only a document whose prolog has a ``<!DOCTYPE`` or ``<!ENTITY`` is parsed here (with
    defusedxml, which stops at the first declaration): others cannot hold any.
    """
    prolog = _PROLOG.match(text)
    head = prolog.group(1) if prolog else text
    if not _DECLARATION.search(head):
        return
    try:
        defused_fromstring(text, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ExtractError(
            f"{where}: refused: the document declares XML entities or external references "
            f"({type(exc).__name__}), which a feed never needs and which can exhaust memory "
            "or read local files; ask the site to fix its feed"
        ) from None
    except ParseError:
        return  # not well-formed: feedparser's lenient parser drops the DOCTYPE anyway


def _entry(item: Mapping[str, Any]) -> RawEntry:
    title = str(item.get("title") or "")
    if item.get("title_detail", {}).get("type") == "text/html":
        title = _TAGS.sub(" ", title)
    summary, is_html = _summary(item)
    title = title.strip() or untitled(summary)
    tags = item.get("tags") or ()
    category = next((str(tag.get("term")) for tag in tags if tag.get("term")), None)
    return RawEntry(
        title=title,
        link=str(item.get("link") or "") or None,
        date=_date(item.get("published_parsed") or item.get("updated_parsed")),
        summary=summary,
        summary_is_html=is_html,
        category=category,
        image=_image(item),
    )


def _summary(item: Mapping[str, Any]) -> tuple[str | None, bool]:
    detail = None
    if item.get("content"):
        detail = item["content"][0]
    elif item.get("summary_detail"):
        detail = item["summary_detail"]
    if not detail or not detail.get("value"):
        return None, False
    return str(detail["value"]), detail.get("type") != "text/plain"


def _image(item: Mapping[str, Any]) -> str | None:
    for key in ("media_content", "media_thumbnail"):
        for media in item.get(key) or ():
            url = media.get("url")
            if url and str(media.get("medium", "image")) == "image":
                return str(url)
    for link in item.get("links") or ():
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
            return str(link.get("href")) or None
    return None


def _date(parsed: time.struct_time | None) -> str | None:
    """feedparser's UTC time as an ISO 8601 string (normalise parses it like any date)."""
    if parsed is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC).isoformat()


def _json_feed(text: str, *, page: Page, source: Source) -> tuple[RawEntry, ...]:
    """A JSON Feed (jsonfeed.org 1.0 and 1.1): feedparser 6 reads XML feeds only."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ExtractError(
            f"{source.id}: {page.url} is not valid JSON ({exc}); check 'url'"
        ) from None
    version = document.get("version", "") if isinstance(document, dict) else ""
    items = document.get("items") if isinstance(document, dict) else None
    if not str(version).startswith("https://jsonfeed.org/version/") or not isinstance(items, list):
        raise ExtractError(
            f"{source.id}: {page.url} is JSON but not a JSON Feed (no jsonfeed.org 'version' "
            "and 'items'); for another JSON API use format: json with 'select'"
        )
    return tuple(_json_entry(item) for item in items if isinstance(item, dict))


def _json_entry(item: Mapping[str, Any]) -> RawEntry:
    html = item.get("content_html")
    plain = item.get("content_text") or item.get("summary")
    tags = [str(tag) for tag in item.get("tags") or () if isinstance(tag, str)]
    return RawEntry(
        title=_string(item.get("title")).strip() or untitled(_string(html or plain)),
        link=_string(item.get("url") or item.get("external_url")) or None,
        date=_string(item.get("date_published") or item.get("date_modified")) or None,
        summary=_string(html or plain) or None,
        summary_is_html=bool(html),
        category=tags[0] if tags else None,
        image=_string(item.get("image") or item.get("banner_image")) or None,
    )


def untitled(summary: str | None, length: int = 100) -> str:
    """A title for an entry that has none (RSS and JSON Feed allow it): its text's start."""
    words = " ".join(_TAGS.sub(" ", summary or "").split())
    return words if len(words) <= length else words[:length].rsplit(" ", 1)[0] + " …"


def _string(value: object) -> str:
    return value if isinstance(value, str) else ""
