"""The plain-text newsroom layout, on the real seed page from ../shared and on our own text."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from publisher.cli import main
from publisher.errors import ExtractError
from publisher.extract.text import DATE_LINE, extract_text

from .support import SEED


def test_seed_has_exactly_the_ten_newsroom_entries(seed_text: str) -> None:
    entries = extract_text(seed_text, where="seed")
    assert len(entries) == 10
    first = entries[0]
    assert first.date == "March 7, 2016"
    assert first.category == "Report"
    assert first.title.startswith("Connection Denied: Restrictions on Mobile Phones")
    assert first.summary is not None and first.summary.startswith("Ordinary North Koreans")
    # nothing above the "North Korea Newsroom" heading is an entry
    newsroom = seed_text.index("North Korea Newsroom")
    assert all(seed_text.index(entry.title) > newsroom for entry in entries)
    assert {entry.category for entry in entries} == {"Report", "Press Release"}


def test_text_without_date_lines_fails_clearly() -> None:
    with pytest.raises(ExtractError, match="no entries found: no line looks like"):
        extract_text("Just\n\nsome prose.\n", where="s")


def test_seed_end_to_end(seed_text: str, tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(
        f"""\
site:
  base_url: https://feeds.example.org/
sources:
  - id: amnesty-usa-north-korea
    title: "Amnesty International USA: North Korea"
    url: {SEED.as_uri()}
    home: https://www.amnestyusa.org/countries/north-korea/
    format: text
    timezone: America/New_York
    author: Amnesty International USA
"""
    )
    assert main(["run", "-q", "-c", str(tmp_path / "sources.yaml")]) == 0
    for suffix in ("atom", "rss"):
        parsed = feedparser.parse(
            (tmp_path / f"feeds/amnesty-usa-north-korea.{suffix}").read_bytes()
        )
        assert parsed.bozo == 0
        assert len(parsed.entries) == 10
        newest = parsed.entries[0]
        assert newest.title == (
            "North Korea/US Summit: Horrific human rights situation must not be ignored "
            "at historic meeting"
        )
        assert newest.tags[0].term == "Press Release"
        assert datetime(*newest.published_parsed[:6], tzinfo=UTC) == datetime(
            2018, 6, 8, 4, 0, tzinfo=UTC
        )  # midnight in New York
        (denied,) = [e for e in parsed.entries if e.title.startswith("Connection Denied:")]
        assert datetime(*denied.published_parsed[:6], tzinfo=UTC).date().isoformat() == "2016-03-07"
        assert denied.tags[0].term == "Report"
        assert denied.link.startswith(
            "https://www.amnestyusa.org/countries/north-korea/#:~:text=Connection%20Denied"
        )
        dates = [e.published_parsed for e in parsed.entries]
        assert dates == sorted(dates, reverse=True)  # newest first
        assert len({e.id for e in parsed.entries}) == 10


def test_an_html_page_is_read_as_the_text_a_browser_shows(seed_text: str) -> None:
    """The live newsroom is HTML: the same layout, in markup, gives the same entries."""
    blocks = [line for line in seed_text.split("\n\n") if line.strip()]
    body = "".join(
        f"<div class='b'><span>{html.escape(block.split(' • ')[0])}</span>"
        + (f" • <em>{html.escape(block.split(' • ')[1])}</em>" if " • " in block else "")
        + "</div>"
        if DATE_LINE.match(block.strip())
        else f"<p>{html.escape(block)}</p>"
        for block in blocks
    )
    page = (
        "<!DOCTYPE html><html><head><title>North Korea</title><style>p{}</style>"
        "<script>var x = 'March 7, 2016 • Report';</script></head>"
        f"<body><nav><a href='/'>Home</a></nav><main>{body}</main></body></html>"
    )
    from_html = extract_text(page, where="seed")
    from_text = extract_text(seed_text, where="seed")
    assert len(from_html) == 10
    assert from_html == from_text


def test_plain_text_starting_with_a_bracket_is_not_html() -> None:
    text = "<Updates>\n\nMarch 7, 2016 • Report\n\nTitle\n\nSummary.\n"
    (entry,) = extract_text(text, where="s")
    assert entry.title == "Title"
