"""Decoding never fails on a charset that is no text encoding; long text is cut."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from publisher.decode import decode
from publisher.model import RawEntry, Source
from publisher.normalise import normalise_entry
from publisher.text import MAX_TITLE, cut

PAGE = "<p>café ÿ</p>".encode()


@pytest.mark.parametrize(
    "charset", ["base64", "hex", "idna", "rot13", "rot_13", "zip", "bz2", "uu", "quopri",
                "unicode_escape", "punycode", "utf-7", "x" * 500, "\x00", "utf-8\r\n"],
)  # fmt: skip
def test_a_charset_that_is_no_text_encoding_is_ignored(charset: str) -> None:
    text, used = decode(PAGE, http_charset=charset)
    assert "caf" in text
    assert used in ("utf-8", "cp1252")


@pytest.mark.parametrize("charset", ["rot13", "base64", "hex", "idna", "utf-7"])
def test_a_meta_charset_that_is_no_text_encoding_is_ignored(charset: str) -> None:
    data = f"<meta charset={charset}><p>café</p>".encode()
    assert decode(data)[0].endswith("<p>café</p>")


SOURCE = Source(id="s", url="https://x.org/", title="S", home="https://x.org/")
NOW = datetime(2026, 11, 26, tzinfo=UTC)


def test_a_huge_title_is_cut_at_a_word_with_an_ellipsis() -> None:
    entry, _ = normalise_entry(
        RawEntry(title="word " * 2_000_000), source=SOURCE, page_url=SOURCE.url, now=NOW
    )
    assert entry is not None
    assert len(entry.title) <= MAX_TITLE
    assert entry.title.endswith("word\u2026")


def test_a_huge_summary_and_category_are_cut() -> None:
    raw = RawEntry(title="t", summary="<p>" + "long text " * 100_000 + "</p>", summary_is_html=True,
                   category="c " * 1000)  # fmt: skip
    entry, _ = normalise_entry(raw, source=SOURCE, page_url=SOURCE.url, now=NOW)
    assert entry is not None
    assert len(entry.summary) < 21_000
    assert entry.summary.endswith("\u2026</p>")
    assert entry.category is not None and len(entry.category) <= 200


def test_cut_keeps_short_text() -> None:
    assert cut("short", 10) == "short"
    assert cut("a" * 50, 10) == "a" * 9 + "\u2026"
