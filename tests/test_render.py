"""render: fixed entries -> golden XML, parsed back with feedparser; CONSUMERS.md points."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import feedparser
import pytest

from publisher.render import render_feeds

from .support import DATA, NOW
from .support.records import ENTRIES, SITE, SOURCE, stored_entry

ATOM = "{http://www.w3.org/2005/Atom}"


def test_render_matches_golden_files(request: pytest.FixtureRequest) -> None:
    files = render_feeds(SOURCE, SITE, ENTRIES, fallback_updated=NOW)
    for name, data in (("feed.atom", files.atom), ("feed.rss", files.rss)):
        golden = DATA / "render" / name
        if request.config.getoption("--regen-golden"):
            golden.parent.mkdir(exist_ok=True)
            golden.write_bytes(data)
        assert data == golden.read_bytes(), name


def test_same_entries_same_bytes_whatever_the_clock() -> None:
    one = render_feeds(SOURCE, SITE, ENTRIES, fallback_updated=NOW)
    two = render_feeds(SOURCE, SITE, ENTRIES, fallback_updated=NOW + timedelta(days=9))
    assert one == two


def test_rss_meets_consumer_needs() -> None:
    rss = render_feeds(SOURCE, SITE, ENTRIES, fallback_updated=NOW).rss
    assert rss.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    channel = ET.fromstring(rss).find("channel")
    assert channel is not None
    assert channel.findtext("title") == SOURCE.title
    assert channel.findtext("link") == SOURCE.home  # the newsroom page, not the feed
    assert channel.findtext("description")
    self_link = channel.find(f"{ATOM}link")
    assert self_link is not None and self_link.get("rel") == "self"
    assert self_link.get("href") == "https://feeds.example.org/example-newsroom.rss"
    assert channel.findtext("lastBuildDate") == "Sun, 04 Jan 2026 00:00:00 +0000"
    items = channel.findall("item")
    guids = [item.find("guid") for item in items]
    assert len({g.text for g in guids if g is not None}) == len(items)
    for item, guid in zip(items, guids, strict=True):
        assert item.findtext("title") and item.findtext("description")
        assert item.findtext("link", "").startswith("https://")
        assert guid is not None and guid.get("isPermaLink") == "false"
        pub = item.findtext("pubDate")
        assert pub and pub.endswith("+0000")
        parsed = email.utils.parsedate_to_datetime(pub)
        assert email.utils.format_datetime(parsed) == pub  # weekday right, 4-digit year, English
    dates = [email.utils.parsedate_to_datetime(i.findtext("pubDate", "")) for i in items]
    assert dates == sorted(dates, reverse=True)


def test_atom_meets_consumer_needs() -> None:
    atom = render_feeds(SOURCE, SITE, ENTRIES, fallback_updated=NOW).atom
    feed = ET.fromstring(atom)
    assert feed.findtext(f"{ATOM}id", "").startswith("urn:uuid:")
    assert feed.findtext(f"{ATOM}updated") == "2026-01-04T00:00:00+00:00"
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "Example & Co"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {
        "self": "https://feeds.example.org/example-newsroom.atom",
        "alternate": SOURCE.home,
    }
    for entry in feed.findall(f"{ATOM}entry"):
        for tag in ("id", "title", "updated", "published"):
            assert entry.findtext(f"{ATOM}{tag}"), tag
        summary = entry.find(f"{ATOM}summary")
        assert summary is not None and summary.get("type") == "html"


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_feedparser_reads_back_everything(kind: str) -> None:
    data = getattr(render_feeds(SOURCE, SITE, ENTRIES, fallback_updated=NOW), kind)
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0
    assert [e.title for e in parsed.entries] == [e.title for e in ENTRIES]
    assert [e.id for e in parsed.entries] == [e.id for e in ENTRIES]
    assert [e.link for e in parsed.entries] == [e.link for e in ENTRIES]
    for got, want in zip(parsed.entries, ENTRIES, strict=True):
        assert datetime(*got.published_parsed[:6], tzinfo=UTC) == want.published
        assert "<script" not in got.summary


def test_images_become_media_content_in_both_formats() -> None:
    entries = (stored_entry(2, image="https://www.example.org/i/2.jpg"), stored_entry(1))
    files = render_feeds(SOURCE, SITE, entries, fallback_updated=NOW)
    for data in (files.atom, files.rss):
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0
        assert parsed.entries[0].media_content == [
            {"url": "https://www.example.org/i/2.jpg", "medium": "image"}
        ]
        assert "media_content" not in parsed.entries[1]


def test_an_empty_feed_is_dated_by_the_fallback_not_the_clock() -> None:
    files = render_feeds(SOURCE, SITE, (), fallback_updated=datetime(2020, 5, 5, tzinfo=UTC))
    assert b"2020-05-05T00:00:00+00:00" in files.atom
    assert feedparser.parse(files.rss).bozo == 0
