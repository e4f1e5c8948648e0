"""What kind of document a URL gives, for ``publisher init``: an existing feed (RSS,
Atom, RDF or JSON Feed), a JSON API (with the JMESPath of its list of entries), a
sitemap, or none of these (a page: ``format: auto``). Pure: the fetched page is all it
reads."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .model import Page, Selectors

# The first element of an XML document, after its declaration, comments and doctype.
_ROOT = re.compile(r"<(?![?!])(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
FEED_ROOTS = frozenset({"rss", "feed", "rdf"})
SITEMAP_ROOTS = frozenset({"urlset", "sitemapindex"})
TITLE_KEYS = ("title", "headline", "name")
LINK_KEYS = ("url", "link", "href", "permalink")
DATE_KEYS = ("published_at", "publishedAt", "date_published", "datePublished", "published",
             "pubDate", "date", "created_at", "createdAt", "updated_at", "time")  # fmt: skip
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_DEPTH = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class Proposal:
    """The format (and for a JSON API the selectors) a source of this URL needs."""

    format: str
    select: Selectors | None = None
    why: str = ""


def propose(page: Page) -> Proposal | None:
    """The format ``page`` calls for, or None for a page that is none of these kinds."""
    text = page.text.lstrip("\ufeff \t\r\n")
    mime = page.content_type or ""
    if text.startswith(("{", "[")) or mime.endswith("json"):
        return _json(text)
    if text.startswith("<"):
        match = _ROOT.search(text, 0, 8192)
        root = match.group(1).lower() if match else ""
        if root in FEED_ROOTS:
            return Proposal(format="feed", why=f"the address is a feed (<{root}>)")
        if root in SITEMAP_ROOTS:
            return Proposal(format="sitemap", why=f"the address is a sitemap (<{root}>)")
    return None


def _json(text: str) -> Proposal | None:
    try:
        document = json.loads(text)
    except ValueError:
        return None
    if isinstance(document, dict) and str(document.get("version", "")).startswith(
        "https://jsonfeed.org/"
    ):
        return Proposal(format="feed", why="the address is a JSON Feed")
    found = _entries(document, path=(), depth=0)
    if found is None:
        return None
    path, items = found
    date = next((key for key in DATE_KEYS if isinstance(items[0].get(key), (str, int))), None)
    item = ".".join(_quoted(key) for key in path) + "[]" if path else "[]"
    why = f"the address is a JSON API: {len(items)} entries at {item!r}"
    return Proposal(format="json", select=Selectors(item=item, date=date), why=why)


Found = tuple[tuple[str, ...], list[Any]]  # (keys to the list, the list)


def _entries(value: Any, *, path: tuple[str, ...], depth: int) -> Found | None:
    """The longest list of objects with a title and a link, within MAX_DEPTH keys."""
    best: Found | None = None
    if _is_entry_list(value):
        best = (path, value)
    if isinstance(value, dict) and depth < MAX_DEPTH:
        for key, child in value.items():
            found = _entries(child, path=(*path, str(key)), depth=depth + 1)
            if found is not None and (best is None or len(found[1]) > len(best[1])):
                best = found
    return best


def _is_entry_list(value: Any) -> bool:
    if not (isinstance(value, list) and value and all(isinstance(i, dict) for i in value)):
        return False
    first = value[0]
    return any(key in first for key in TITLE_KEYS) and any(key in first for key in LINK_KEYS)


def _quoted(key: str) -> str:
    """A JMESPath identifier: quoted when it is not a plain name."""
    return key if _IDENTIFIER.match(key) else json.dumps(key)
