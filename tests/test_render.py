"""render: fixed entries -> golden XML, parsed back with feedparser; CONSUMERS.md points."""

from __future__ import annotations

import email.utils
import json
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from w3lib.url import safe_url_string

from publisher.render.view import public_url

from .support import DATA, NOW
from .support.records import ENTRIES, SITE, SOURCE, render_feeds, stored_entry

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
    # the newest entry's updated, with its seq as microseconds (render.view)
    assert feed.findtext(f"{ATOM}updated") == "2026-01-04T00:00:00.000003+00:00"
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


def test_an_entry_author_reaches_every_format() -> None:
    files = render_feeds(SOURCE, SITE, (stored_entry(2, author="Ana Lima"), stored_entry(1)),
                         fallback_updated=NOW)  # fmt: skip
    atom = ET.fromstring(files.atom)
    assert [e.findtext(f"{ATOM}author/{ATOM}name") for e in atom.findall(f"{ATOM}entry")] == [
        "Ana Lima", None,
    ]  # fmt: skip
    dc = "{http://purl.org/dc/elements/1.1/}creator"
    items = ET.fromstring(files.rss).findall("channel/item")
    assert [item.findtext(dc) for item in items] == ["Ana Lima", None]
    assert [item.find("author") for item in items] == [None, None]  # RSS author is an e-mail
    assert feedparser.parse(files.rss).entries[0].author == "Ana Lima"
    json_items = json.loads(files.json)["items"]
    assert json_items[0]["authors"] == [{"name": "Ana Lima"}]
    assert "authors" not in json_items[1]


def test_a_picture_is_one_media_content_and_an_rss_enclosure() -> None:
    pictured = stored_entry(2, image="https://www.example.org/i/2 a.png")
    files = render_feeds(SOURCE, SITE, (pictured,), fallback_updated=NOW)
    assert b"media:group" not in files.atom + files.rss
    (item,) = ET.fromstring(files.rss).findall("channel/item")
    enclosure = item.find("enclosure")
    assert enclosure is not None
    assert enclosure.attrib == {
        "url": "https://www.example.org/i/2%20a.png", "length": "0", "type": "image/png",
    }  # fmt: skip


def test_links_are_percent_encoded_and_updated_values_distinct() -> None:
    day = datetime(2026, 3, 1, tzinfo=UTC)
    entries = tuple(
        stored_entry(n, link=f"https://www.example.org/Schriftliche Anfragen/{n}.pdf",
               published=day, updated=day)
        for n in (3, 2, 1)
    )  # fmt: skip
    atom = ET.fromstring(render_feeds(SOURCE, SITE, entries, fallback_updated=NOW).atom)
    links = [e.find(f"{ATOM}link").get("href") for e in atom.findall(f"{ATOM}entry")]
    assert links[0] == "https://www.example.org/Schriftliche%20Anfragen/3.pdf"
    updated = [e.findtext(f"{ATOM}updated") for e in atom.findall(f"{ATOM}entry")]
    assert updated == [f"2026-03-01T00:00:00.00000{n}+00:00" for n in (3, 2, 1)]
    published = {e.findtext(f"{ATOM}published") for e in atom.findall(f"{ATOM}entry")}
    assert published == {"2026-03-01T00:00:00+00:00"}  # as the page says


_LABEL = st.text("abz09-x", min_size=1, max_size=6)
_LINKS = st.builds(
    lambda scheme, host, path, query: f"{scheme}://{'.'.join(host)}/{path}{query}",
    st.sampled_from(["http", "https", "HTTP"]),
    st.lists(_LABEL, min_size=1, max_size=3),
    st.text("ab/._~-Z9%", max_size=14),
    st.one_of(st.just(""), st.text("a=&.-_~9?", max_size=8).map(lambda q: "?" + q)),
)


@given(_LINKS)
@settings(max_examples=3000, deadline=None)
def test_the_plain_link_shortcut_gives_what_safe_url_string_gives(url: str) -> None:
    assert public_url(url) == str(safe_url_string(url))


@pytest.mark.parametrize(
    "url",
    ["https://www.example.org/news/2026/10/story-1.html?id=3", "https://a.example/",
     "http://127.0.0.1/x", "https://xn--caf-dma.example/", "https://e.org/a/./b",
     "https://e.org/a b", "https://e.org/?", "https://e.org:443/"],
)  # fmt: skip
def test_public_url_agrees_with_safe_url_string(url: str) -> None:
    assert public_url(url) == str(safe_url_string(url))
