"""The pages people open: ``index.html`` (every feed) and ``<id>.html`` (one feed as a
person reads it), and ``feeds.opml`` (every feed, for a reader's import). Pure.

Plain HTML with a small stylesheet: no JavaScript, no XSLT, usable on a phone. A feed's
page announces its feed files with ``<link rel="alternate">``, so pasting the page's
address into a reader finds the feed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from . import OUTPUTS
from .view import Feed, Item

INDEX = "index.html"
OPML = "feeds.opml"
_LABELS = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}

_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:46rem;padding:1rem;
color:#1b1b1b;background:#fff}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.15rem;margin:0 0 .25rem}
a{color:#0645ad}.meta{color:#555;font-size:.9rem}
section,article{border-top:1px solid #ddd;padding:.75rem 0}
.ok{color:#1a7f37}.failing{color:#9a6700}.broken,.new{color:#cf222e}
.subscribe{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0}
.subscribe a{border:1px solid #0645ad;border-radius:.3rem;padding:.15rem .6rem;
text-decoration:none}
code{overflow-wrap:anywhere;font-size:.85rem}
img{max-width:100%;height:auto}
""".replace("\n", "")


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedSummary:
    """One feed as the index shows it."""

    feed: Feed
    outputs: tuple[str, ...]  # names in OUTPUTS
    state: str  # ok, new, failing, broken
    entries: int  # entries stored
    last_success: datetime | None
    digest: str | None = None  # the digest feed's stem, if any


def _page(title: str, head: str, body: str) -> bytes:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n{head}<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}</body>\n</html>\n"
    ).encode()


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


def _day(value: datetime, timezone: str) -> str:
    return value.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d")


def _subscribe(feed: Feed, outputs: Sequence[str], digest: str | None = None) -> str:
    links = [
        f'<a href="{escape(feed.url(OUTPUTS[n].extension))}">{_LABELS.get(n, n)}</a>'
        for n in outputs
    ]
    if digest:
        extension = OUTPUTS[outputs[0]].extension
        links.append(f'<a href="{escape(feed.base_url + digest)}.{extension}">Digest</a>')
    return f'<p class="subscribe">{"".join(links)}</p>\n'


def index_page(title: str, feeds: Sequence[FeedSummary], *, opml_url: str) -> bytes:
    """Every feed: title, home page, newest entry, last success, state, entry count and
    subscribe links; and the OPML file of them all."""
    parts = [
        f"<h1>{escape(title)}</h1>\n",
        f"<p>{len(feeds)} feeds. Subscribe to one below, or to all at once: "
        f'<a href="{escape(opml_url)}">OPML</a> (import it into your reader).</p>\n',
    ]
    for row in feeds:
        feed = row.feed
        newest = feed.items[0] if feed.items else None
        latest = (
            f'<a href="{escape(newest.link)}">{escape(newest.title)}</a> '
            f"({_day(newest.published, feed.timezone)})"
            if newest
            else "no entries yet"
        )
        parts.append(
            f'<section id="{escape(feed.stem)}">\n'
            f'<h2><a href="{escape(feed.stem)}.html">{escape(feed.title)}</a></h2>\n'
            f'<p class="meta">From <a href="{escape(feed.home)}">{escape(feed.home)}</a></p>\n'
            f"<p>Newest: {latest}</p>\n"
            f'<p class="meta">State: <strong class="{escape(row.state)}">{escape(row.state)}'
            f"</strong> · {row.entries} entries · last success {_when(row.last_success)}</p>\n"
            + _subscribe(feed, row.outputs, row.digest)
            + "</section>\n"
        )
    return _page(title, "", "".join(parts))


def feed_page(feed: Feed, outputs: Sequence[str], *, index_url: str = INDEX) -> bytes:
    """One feed as a person reads it, newest first, with its subscribe addresses."""
    head = "".join(
        f'<link rel="alternate" type="{OUTPUTS[n].media_type}" '
        f'title="{escape(feed.title)} ({_LABELS.get(n, n)})" '
        f'href="{escape(feed.url(OUTPUTS[n].extension))}">\n'
        for n in outputs
    )
    addresses = "".join(
        f'<li>{_LABELS.get(n, n)}: <a href="{escape(feed.url(OUTPUTS[n].extension))}">'
        f"<code>{escape(feed.url(OUTPUTS[n].extension))}</code></a></li>\n"
        for n in outputs
    )
    parts = [
        f'<p class="meta"><a href="{escape(index_url)}">All feeds</a></p>\n',
        f"<h1>{escape(feed.title)}</h1>\n",
        f'<p>Entries from <a href="{escape(feed.home)}">{escape(feed.home)}</a>.</p>\n',
        "<p>Subscribe by copying this address into your feed reader:</p>\n",
        f"<ul>\n{addresses}</ul>\n",
    ]
    parts.extend(_entry(entry, feed.timezone) for entry in feed.items)
    if not feed.items:
        parts.append("<p>No entries yet.</p>\n")
    return _page(feed.title, head, "".join(parts))


def _entry(entry: Item, timezone: str) -> str:
    kind = f" · {escape(entry.category)}" if entry.category else ""
    author = f" · {escape(entry.author)}" if entry.author else ""
    return (
        "<article>\n"
        f'<h2><a href="{escape(entry.link)}">{escape(entry.title)}</a></h2>\n'
        f'<p class="meta"><time datetime="{entry.published.isoformat()}">'
        f"{_day(entry.published, timezone)}</time>{kind}{author}</p>\n"
        + (f"<div>{entry.summary}</div>\n" if entry.summary else "")
        + "</article>\n"
    )


def opml(title: str, feeds: Sequence[FeedSummary], *, prefer: str) -> bytes:
    """OPML 2.0 of every feed, each by its ``prefer`` output (the first of site.outputs)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for row in feeds:
        feed = row.feed
        ET.SubElement(
            body,
            "outline",
            type="rss",
            text=feed.title,
            title=feed.title,
            xmlUrl=feed.url(OUTPUTS[prefer].extension),
            htmlUrl=feed.home,
        )
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True)) + b"\n"
