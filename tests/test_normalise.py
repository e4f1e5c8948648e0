"""normalise: tables for text, links, summaries and ids; properties for idempotence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.links import canonical_link, clean_link
from publisher.model import RawEntry, Selectors, Source
from publisher.normalise import entry_id, normalise_entries
from publisher.sanitise import sanitise_summary
from publisher.text import clean_text

from .support import NOW

SOURCE = Source(
    id="example",
    url="https://www.example.org/news/",
    home="https://www.example.org/news/",
    title="Example",
    timezone="America/New_York",
    select=Selectors(item="li"),
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Tom &amp; Jerry  ", "Tom & Jerry"),
        ("a\u00a0b\tc\n\nd", "a b c d"),
        ("bell\x07 and \x1bescape", "bell and escape"),
        ("&#x2019;quoted&#8217;", "\u2019quoted\u2019"),
        ("C1\x85control", "C1control"),
        ("", ""),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@given(st.text())
def test_clean_text_is_idempotent_and_xml_safe(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once
    assert not any(ord(ch) < 32 for ch in once)


BASE = "https://www.example.org/news/page.html"


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("/a/b", "https://www.example.org/a/b"),
        ("c.html#part", "https://www.example.org/news/c.html"),
        ("HTTPS://WWW.Example.ORG/X?utm_source=t&id=3&fbclid=z", "https://www.example.org/X?id=3"),
        ("?page=2&gclid=1&mc_cid=2&mc_eid=3", "https://www.example.org/news/page.html?page=2"),
        ("javascript:void(0)", None),
        ("", None),
        ("   ", None),
        ("mailto:press@example.org", "mailto:press@example.org"),
        ("//cdn.example.com/r.pdf", "https://cdn.example.com/r.pdf"),
    ],
)
def test_clean_link(link: str, expected: str | None) -> None:
    assert clean_link(link, base_url=BASE) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("http://example.org/x", "https://example.org/x"),
        ("https://www.example.org/x", "https://example.org/x"),
        ("https://example.org:443/x", "https://example.org/x"),
        ("https://EXAMPLE.org/x#top", "https://example.org/x"),
        ("https://example.org/x?b=2&a=1", "https://example.org/x?a=1&b=2"),
        ("https://example.org/x?utm_source=x", "https://example.org/x"),
        ("https://example.org", "https://example.org/"),
    ],
)
def test_canonical_link_equal(a: str, b: str) -> None:
    assert canonical_link(a) == canonical_link(b)


def test_canonical_link_keeps_what_matters() -> None:
    assert canonical_link("https://example.org/x?id=1") != canonical_link(
        "https://example.org/x?id=2"
    )
    assert canonical_link("https://example.org/X") != canonical_link("https://example.org/x")


def test_sanitise_summary_removes_danger_and_makes_links_absolute() -> None:
    html = (
        '<p onclick="x()">Hi <a href="../more?utm_medium=m" onmouseover="y()">more</a>'
        '<script>alert(1)</script><img src="/i.png" onerror="z()"><iframe src="//e"></iframe>'
        '<a href="javascript:alert(1)">bad</a></p>'
    )
    assert sanitise_summary(html, base_url=BASE) == (
        '<p>Hi <a href="https://www.example.org/more">more</a>'
        '<img src="https://www.example.org/i.png"><a>bad</a></p>'
    )


def test_entry_id_stable_across_scheme_www_and_tracking() -> None:
    ids = {
        entry_id(source_id="s", link=link, title="T", date_key="2020-01-01")
        for link in (
            "http://example.org/a",
            "https://www.example.org/a?utm_source=x",
            "https://example.org/a#comments",
        )
    }
    assert len(ids) == 1
    only = ids.pop()
    assert only.startswith("urn:uuid:")
    # the title and date do not matter when there is a link
    assert (
        entry_id(source_id="s", link="https://example.org/a", title="Other", date_key=None) == only
    )


def test_entry_id_without_link_uses_source_title_and_date() -> None:
    base = entry_id(source_id="s", link=None, title="A title", date_key="2020-01-01")
    assert base == entry_id(source_id="s", link=None, title="A TITLE", date_key="2020-01-01")
    assert base != entry_id(source_id="t", link=None, title="A title", date_key="2020-01-01")
    assert base != entry_id(source_id="s", link=None, title="A title", date_key="2020-01-02")


def _raw(title: str, link: str | None = "/a", date: str | None = "2020-01-01", **kw) -> RawEntry:
    return RawEntry(title=title, link=link, date=date, **kw)


def test_normalise_entries_collapses_duplicates_and_keeps_page_order() -> None:
    result = normalise_entries(
        [_raw("First", "/a"), _raw("Second", "/b"), _raw("First again", "/a#x")],
        source=SOURCE,
        page_url=BASE,
        now=NOW,
    )
    assert [entry.title for entry in result.entries] == ["First", "Second"]


def test_unparseable_date_keeps_entry_without_date_and_warns() -> None:
    result = normalise_entries([_raw("X", date="sometime")], source=SOURCE, page_url=BASE, now=NOW)
    (entry,) = result.entries
    assert entry.published is None
    assert "cannot read the date" in result.warnings[0] and "'X'" in result.warnings[0]


def test_summary_does_not_change_the_id() -> None:
    one = normalise_entries(
        [_raw("X", link=None, summary="a")], source=SOURCE, page_url=BASE, now=NOW
    )
    two = normalise_entries(
        [_raw("X", link=None, summary="b")], source=SOURCE, page_url=BASE, now=NOW
    )
    assert one.entries[0].id == two.entries[0].id
    assert one.entries[0].fingerprint != two.entries[0].fingerprint


def test_link_to_the_listing_itself_is_no_link() -> None:
    result = normalise_entries([_raw("X", link="#top")], source=SOURCE, page_url=BASE, now=NOW)
    assert result.entries[0].link == SOURCE.home.split("#")[0] + "#:~:text=X"


def test_entries_without_a_link_get_distinct_text_fragment_links_and_the_same_ids() -> None:
    raws = [_raw("Budget - 2024, part 1 & 2", link=None), _raw("Second", link=None)]
    result = normalise_entries(raws, source=SOURCE, page_url=BASE, now=NOW)
    first, second = result.entries
    assert first.link == SOURCE.home + "#:~:text=Budget%20%2D%202024%2C%20part%201%20%26%202"
    assert first.link != second.link
    for entry in result.entries:  # the id and the fingerprint do not read the fragment
        assert entry.id == entry_id(
            source_id=SOURCE.id, link=None, title=entry.title, date_key="2020-01-01"
        )
        assert canonical_link(entry.link) == canonical_link(SOURCE.home)


raw_entries = st.builds(
    RawEntry,
    title=st.text(min_size=1, max_size=40),
    link=st.one_of(st.none(), st.sampled_from(["/a", "b?utm_source=1", "https://x.org/c#d"])),
    date=st.one_of(st.none(), st.sampled_from(["2020-01-01", "March 7, 2016", "junk"])),
    summary=st.one_of(st.none(), st.text(max_size=60)),
    summary_is_html=st.booleans(),
    category=st.one_of(st.none(), st.text(max_size=10)),
)


@given(st.lists(raw_entries, max_size=5))
def test_normalising_twice_equals_once(raws: list[RawEntry]) -> None:
    once = normalise_entries(raws, source=SOURCE, page_url=BASE, now=NOW).entries
    again = normalise_entries(
        [
            RawEntry(
                title=e.title,
                link=None if e.link == SOURCE.home else e.link,
                date=e.published.isoformat() if e.published else None,
                summary=e.summary or None,
                summary_is_html=True,
                category=e.category,
            )
            for e in once
        ],
        source=SOURCE,
        page_url=BASE,
        now=NOW,
    ).entries
    assert [(e.title, e.link, e.summary, e.category, e.published) for e in again] == [
        (e.title, e.link, e.summary, e.category, e.published) for e in once
    ]
    for entry in once:
        assert entry.published is None or entry.published.tzinfo is not None
