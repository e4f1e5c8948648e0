"""A :class:`~publisher.render.view.Feed` -> Atom 1.0 and RSS 2.0 bytes. Pure, and the
only module using feedgen.

The same feed always gives the same bytes: feedgen would stamp ``updated = now()`` on the
feed and on every entry and prepend entries, so every date is set explicitly and entries
are appended in the order given (newest first).

Per entry: the summary as Atom ``<summary type="html">`` and RSS ``<description>``, and
again as Atom ``<content type="html">`` and RSS ``content:encoded`` (the full content we
know); a picture as one ``media:content`` (no ``media:group``: a group of one is invalid)
and, in RSS, an ``<enclosure>``; an author as Atom ``<author>`` and RSS ``dc:creator``
(RSS ``<author>`` must be an e-mail address).
"""

from __future__ import annotations

import functools
import html
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from lxml import etree

from .view import GENERATOR, Feed

ATOM_NS = "http://www.w3.org/2005/Atom"


def atom(feed: Feed) -> bytes:
    fg = _generator(feed)
    _links(fg, feed, self_url=feed.url("atom"))
    data = bytes(fg.atom_str(pretty=True))
    if any(entry.origin for entry in feed.items):
        data = _atom_sources(data, feed)
    return data


def rss(feed: Feed) -> bytes:
    fg = _generator(feed)
    _links(fg, feed, self_url=feed.url("rss"))
    data = bytes(fg.rss_str(pretty=True))
    if feed.hub or any(entry.image for entry in feed.items):
        data = _rss_additions(data, feed)
    return data


@functools.lru_cache(maxsize=1)  # Feed compares by identity: Atom and RSS share one build
def _generator(feed: Feed) -> FeedGenerator:
    fg = FeedGenerator()
    if any(entry.image for entry in feed.items):
        fg.load_extension("media")
    if any(entry.author for entry in feed.items):
        fg.load_extension("dc", atom=False, rss=True)
    fg.id(feed.id)
    fg.title(feed.title)
    _links(fg, feed, self_url=feed.url("atom"))
    fg.description(feed.description)
    fg.author({"name": feed.author})
    fg.generator(GENERATOR)
    fg.updated(feed.updated)
    fg.ttl(feed.ttl)
    for entry in feed.items:
        fe = fg.add_entry(order="append")
        fe.id(entry.id)  # also the RSS guid, isPermaLink="false": it is not a URL
        fe.title(entry.title)
        fe.link(href=entry.link)
        fe.published(entry.published)
        fe.updated(entry.updated)
        # RSS needs a description on every item; fall back to the title.
        fe.summary(entry.summary or html.escape(entry.title, quote=False), type="html")
        if entry.content or entry.summary:  # the article (full_text), else the summary
            fe.content(entry.content or entry.summary, type="html")
        if entry.author:
            fe.author({"name": entry.author})
            fe.dc.dc_creator(entry.author)
        if entry.category:
            fe.category(term=entry.category, label=entry.category)
        if entry.image:
            # Mailchimp's item image merge tag and many readers read media:content.
            fe.media.content(url=entry.image, medium="image", group=None)
        if entry.origin is not None:  # a collection names each entry's source
            fe.source(url=entry.origin.url, title=entry.origin.title)
    return fg


def _atom_sources(data: bytes, feed: Feed) -> bytes:
    """feedgen's Atom ``source`` has a title and a link only: give it the id, the updated
    date and the self link the format asks for (RFC 4287 4.2.11)."""
    root = etree.fromstring(data)
    for element, entry in zip(root.iter(f"{{{ATOM_NS}}}entry"), feed.items, strict=True):
        source = element.find(f"{{{ATOM_NS}}}source")
        origin = entry.origin
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


def _links(fg: FeedGenerator, feed: Feed, *, self_url: str) -> None:
    # feedgen uses the href of the last link() call as the RSS channel link:
    # self first, the hub, the newsroom page (alternate) last.
    fg.link(href=self_url, rel="self", replace=True)
    if feed.hub:
        fg.link(href=feed.hub, rel="hub")
    fg.link(href=feed.home, rel="alternate")


def _rss_additions(data: bytes, feed: Feed) -> bytes:
    """What feedgen does not write into RSS: the hub link (WebSub) and enclosures."""
    root = etree.fromstring(data)
    if feed.hub:
        self_link = root.find(f"channel/{{{ATOM_NS}}}link[@rel='self']")
        assert self_link is not None  # _links always sets one
        link = etree.Element(f"{{{ATOM_NS}}}link", href=feed.hub, rel="hub")
        link.tail = self_link.tail
        self_link.addnext(link)
    for element, entry in zip(root.iterfind("channel/item"), feed.items, strict=True):
        if entry.image:
            enclosure = etree.SubElement(
                element, "enclosure", url=entry.image, length="0", type=_image_type(entry.image)
            )
            enclosure.tail = element[-2].tail
            element[-2].tail = element[0].tail
    return bytes(etree.tostring(root, pretty_print=True, encoding="UTF-8", xml_declaration=True))


_IMAGE_TYPES = {".png": "image/png", ".gif": "image/gif", ".webp": "image/webp",
                ".svg": "image/svg+xml", ".avif": "image/avif"}  # fmt: skip


def _image_type(url: str) -> str:
    """The media type the picture's name says; JPEG when it says none (most photos).
    A fixed table, not :mod:`mimetypes`, whose answers depend on the machine."""
    path = urlsplit(url).path.lower()
    return next((kind for end, kind in _IMAGE_TYPES.items() if path.endswith(end)), "image/jpeg")
