"""A :class:`~publisher.render.view.Feed` -> JSON Feed 1.1 bytes (jsonfeed.org/version/1.1).
Pure. Same ids, links and dates as the Atom and RSS files; ``content_html`` is the
article (full_text) or the sanitised summary. Keys in a fixed order, so the same feed
gives the same bytes.
"""

from __future__ import annotations

import html
import json
from datetime import datetime
from typing import Any

from .view import Feed, Item

VERSION = "https://jsonfeed.org/version/1.1"


def render(feed: Feed) -> bytes:
    document: dict[str, Any] = {
        "version": VERSION,
        "title": feed.title,
        "home_page_url": feed.home,
        "feed_url": feed.url("json"),
        "description": feed.description,
        "authors": [{"name": feed.author}],
    }
    if feed.hub:
        document["hubs"] = [{"type": "WebSub", "url": feed.hub}]
    document["items"] = [_item(entry) for entry in feed.items]
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _item(entry: Item) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry.id,
        "url": entry.link,
        "title": entry.title,
        "content_html": entry.content or entry.summary or html.escape(entry.title, quote=False),
        "date_published": _rfc3339(entry.published),
        "date_modified": _rfc3339(entry.updated),
    }
    if entry.image:
        item["image"] = entry.image
    if entry.category:
        item["tags"] = [entry.category]
    if entry.content and entry.summary:
        item["summary"] = entry.summary  # the teaser, beside the article
    if entry.author:
        item["authors"] = [{"name": entry.author}]
    if entry.origin is not None:  # a collection's entry: the source it comes from
        item.setdefault("authors", [{"name": entry.origin.title, "url": entry.origin.url}])
        item["_source"] = {"title": entry.origin.title, "feed_url": entry.origin.url,
                           "id": entry.origin.id}  # fmt: skip
    return item


def _rfc3339(value: datetime) -> str:
    return value.isoformat()
