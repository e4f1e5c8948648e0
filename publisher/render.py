"""Stored entries -> Atom 1.0 and RSS 2.0 bytes. Pure, and the only module using feedgen.

The same entries always give the same bytes: feedgen would stamp ``updated = now()`` on
the feed and on every entry and prepend entries, so every date is set explicitly, the
feed's ``updated``/``lastBuildDate`` is the newest entry's ``updated``, and entries are
appended in the order given (newest first).
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from feedgen.feed import FeedGenerator
from lxml import etree

from .model import Origin, Site, Source, StoredEntry

GENERATOR = "publisher"
ATOM_NS = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedFiles:
    atom: bytes
    rss: bytes


def feed_urls(site: Site, source: Source) -> tuple[str, str]:
    """The public URLs of the Atom and RSS files: the self links."""
    return f"{site.base_url}{source.id}.atom", f"{site.base_url}{source.id}.rss"


def feed_id(source: Source) -> str:
    """The Atom feed id: from the source id, so moving the feeds elsewhere keeps it."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'publisher-feed:' + source.id)}"


def render_feeds(
    source: Source,
    site: Site,
    entries: Sequence[StoredEntry],
    *,
    fallback_updated: datetime,
    origins: Mapping[str, Origin] | None = None,
) -> FeedFiles:
    """Both feeds of ``source``. ``entries`` come newest first.

    ``fallback_updated`` dates a feed with no entries (all aged out), so that even then
    the bytes do not depend on the clock. ``origins`` (a collection's feed) names the
    source of each entry, by source id: Atom and RSS ``source``.
    """
    updated = max((entry.updated for entry in entries), default=fallback_updated)
    atom_url, rss_url = feed_urls(site, source)
    # One generator for both files: building the entries is half of feedgen's cost.
    # Only the self link differs; _links replaces the links exactly as they were set.
    hub = site.websub_hub
    fg = _generator(source, entries, updated=updated, self_url=atom_url, hub=hub,
                    origins=origins or {})  # fmt: skip
    atom = fg.atom_str(pretty=True)
    if origins:
        atom = _atom_sources(atom, entries, origins)
    _links(fg, source, self_url=rss_url, hub=hub)
    rss = fg.rss_str(pretty=True)
    return FeedFiles(atom=atom, rss=_with_hub(rss, hub) if hub else rss)


def _atom_sources(
    atom: bytes, entries: Sequence[StoredEntry], origins: Mapping[str, Origin]
) -> bytes:
    """feedgen's Atom ``source`` has a title and a link only: give it the id, the updated
    date and the self link the format asks for (RFC 4287 4.2.11)."""
    root = etree.fromstring(atom)
    for element, entry in zip(root.iter(f"{{{ATOM_NS}}}entry"), entries, strict=True):
        source = element.find(f"{{{ATOM_NS}}}source")
        origin = origins.get(entry.source)
        if source is None or origin is None:
            continue
        for child in list(source):
            source.remove(child)
        for name, text in (("id", origin.id), ("title", origin.title),
                           ("updated", origin.updated.isoformat())):  # fmt: skip
            etree.SubElement(source, f"{{{ATOM_NS}}}{name}").text = text
        etree.SubElement(source, f"{{{ATOM_NS}}}link", href=origin.atom_url, rel="self")
    etree.indent(root, space="  ")
    return bytes(etree.tostring(root, pretty_print=True, encoding="UTF-8", xml_declaration=True))


def _links(fg: FeedGenerator, source: Source, *, self_url: str, hub: str | None) -> None:
    # feedgen uses the href of the last link() call as the RSS channel link:
    # self first, the hub, the newsroom page (alternate) last.
    fg.link(href=self_url, rel="self", replace=True)
    if hub:
        fg.link(href=hub, rel="hub")
    fg.link(href=source.home, rel="alternate")


def _with_hub(rss: bytes, hub: str) -> bytes:
    """feedgen writes only the self atom:link into RSS; WebSub needs the hub link too."""
    root = etree.fromstring(rss)
    self_link = root.find(f"channel/{{{ATOM_NS}}}link[@rel='self']")
    assert self_link is not None  # _links always sets one
    link = etree.Element(f"{{{ATOM_NS}}}link", href=hub, rel="hub")
    link.tail = self_link.tail
    self_link.addnext(link)
    return bytes(etree.tostring(root, pretty_print=True, encoding="UTF-8", xml_declaration=True))


def _generator(
    source: Source,
    entries: Sequence[StoredEntry],
    *,
    updated: datetime,
    self_url: str,
    hub: str | None,
    origins: Mapping[str, Origin],
) -> FeedGenerator:
    fg = FeedGenerator()
    with_images = any(entry.image for entry in entries)
    if with_images:
        fg.load_extension("media")
    fg.id(feed_id(source))
    fg.title(source.title)
    _links(fg, source, self_url=self_url, hub=hub)
    fg.description(f"Entries from {source.home}")
    fg.author({"name": source.author or source.title})
    fg.generator(GENERATOR)
    fg.updated(updated)
    fg.ttl(source.ttl)
    for entry in entries:
        fe = fg.add_entry(order="append")
        fe.id(entry.id)  # also the RSS guid, isPermaLink="false": it is not a URL
        fe.title(entry.title)
        fe.link(href=entry.link)
        fe.published(entry.published)
        fe.updated(entry.updated)
        # RSS needs a description on every item; fall back to the title.
        fe.summary(entry.summary or html.escape(entry.title, quote=False), type="html")
        if entry.category:
            fe.category(term=entry.category, label=entry.category)
        if entry.image:
            # Mailchimp's item image merge tag and many readers read media:content.
            fe.media.content(url=entry.image, medium="image")
        if entry.content:  # full_text: Atom content, RSS content:encoded
            fe.content(entry.content, type="html")
        origin = origins.get(entry.source)
        if origin is not None:  # a collection names each entry's source
            fe.source(url=origin.url, title=origin.title)
    return fg
