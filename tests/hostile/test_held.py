"""Cases that already held before issue 19, kept here so they keep holding."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from publisher.model import RawEntry, Source
from publisher.normalise import normalise_entry

SOURCE = Source(id="s", url="https://x.org/", title="S", home="https://x.org/")
MIDNIGHT = datetime(2026, 11, 26, tzinfo=UTC)


@pytest.mark.parametrize(
    "summary",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<a href='javascript:alert(1)'>x</a>",
        "<svg><script>alert(1)</script></svg>",
        "<iframe src='https://evil.example/'></iframe>",
        "<a href='data:text/html,<script>alert(1)</script>'>x</a>",
        "<style>body{display:none}</style>",
        "<p style='background:url(javascript:alert(1))'>x</p>",
    ],
)
def test_xss_in_a_summary_is_removed(summary: str) -> None:
    entry, _ = normalise_entry(RawEntry(title="t", summary=summary, summary_is_html=True),
                               source=SOURCE, page_url=SOURCE.url, now=MIDNIGHT)  # fmt: skip
    assert entry is not None
    lowered = entry.summary.lower()
    for bad in ("<script", "onerror", "javascript:", "<iframe", "data:text", "<style", "style="):
        assert bad not in lowered


@pytest.mark.parametrize("title", ["a\x00b", "a\x1bb", "a\x7fb", "a\x08b"])
def test_control_characters_leave_titles(title: str) -> None:
    entry, _ = normalise_entry(
        RawEntry(title=title), source=SOURCE, page_url=SOURCE.url, now=MIDNIGHT
    )
    assert entry is not None
    assert entry.title == "ab"


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "vbscript:x", "data:text/html,x", "file:///etc/passwd"]
)
def test_a_link_with_a_dangerous_scheme_is_dropped(link: str) -> None:
    entry, _ = normalise_entry(
        RawEntry(title="t", link=link), source=SOURCE, page_url=SOURCE.url, now=MIDNIGHT
    )
    assert entry is not None
    assert entry.link.startswith(SOURCE.home + "#:~:text=")  # home, at its title
