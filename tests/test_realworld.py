"""Extraction on 18 real listing pages with hand-checked entries (read from ../shared).

Each page's reference selectors are applied through our extractor and normaliser; the
titles, links and dates must equal the ground truth, with our documented rules on top:
links are cleaned (no fragment, no tracking parameters), entries that share an id
collapse into one, and dates in the future are clamped to the fetch time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from publisher.decode import decode
from publisher.extract import extract_entries, link_base
from publisher.links import canonical_link, clean_link, text_link
from publisher.model import Page, Selectors, Source
from publisher.normalise import entry_id, normalise_entry
from publisher.text import clean_text

from .support import NOW, REALWORLD

ALL_PAGES = sorted((REALWORLD / "pages").glob("*.json")) if REALWORLD.exists() else []


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


# Pages whose entries are not elements (text between <br>): no selectors can express
# them; format auto reads them (tests/test_auto_realworld.py).
PAGES = [path for path in ALL_PAGES if _load(path)["selectors"].get("title")]


def test_only_pages_whose_entries_are_not_elements_lack_selectors() -> None:
    without = sorted(path.stem for path in ALL_PAGES if path not in PAGES)
    assert without == (["chicago-mbac-meeting-archives"] if ALL_PAGES else [])


@pytest.mark.skipif(not PAGES, reason=f"{REALWORLD} is not there (../shared is missing)")
@pytest.mark.parametrize("path", PAGES, ids=[path.stem for path in PAGES])
def test_realworld_page(path: Path) -> None:
    truth = _load(path)
    selectors = truth["selectors"]
    data = path.with_suffix(".html").read_bytes()
    text, encoding = decode(data)
    assert encoding.replace("-", "").replace("_", "") in (
        truth["charset"].replace("-", ""),
        "cp1252" if truth["charset"] == "iso-8859-1" else "-",
    ), "decoded with the wrong charset"
    source = Source(
        id=truth["id"],
        url=truth["page_url"],
        home=truth["page_url"],
        title=truth["id"],
        select=Selectors(
            item=selectors["item"],
            title=selectors["title"],
            link=selectors.get("link"),
            date=selectors.get("date"),
            date_regex=selectors.get("date_regex"),
            date_format=selectors.get("date_format"),
            category=selectors.get("type") if not selectors.get("type_regex") else None,
        ),
    )
    page = Page(url=truth["page_url"], text=text)
    raws = extract_entries(page, source)
    expected = truth["entries"]
    assert len(raws) == len(expected)
    base = link_base(page, source)
    own = {canonical_link(page.url), canonical_link(source.home)}
    for index, (raw, want) in enumerate(zip(raws, expected, strict=True)):
        entry, _ = normalise_entry(raw, source=source, page_url=base, now=NOW, own_pages=own)
        assert entry is not None
        where = f"{truth['id']} entry {index}"
        assert entry.title == want["title"], where
        want_link = clean_link(want["link"], base_url=base) if want["link"] else None
        if want_link is None or canonical_link(want_link) in own:
            assert entry.link == text_link(source.home, entry.title), where
        else:
            assert canonical_link(entry.link) == canonical_link(want_link), where
        got_date = entry.published.date().isoformat() if entry.published else None
        want_date = want["date"] and min(want["date"], NOW.date().isoformat())
        assert got_date == want_date, where
        if source.select and source.select.category and "type" in want:
            assert entry.category == clean_text(want["type"]), where


@pytest.mark.skipif(not PAGES, reason=f"{REALWORLD} is not there (../shared is missing)")
def test_duplicates_collapse_by_id_on_real_pages() -> None:
    """Pages that list one entry twice (same link, or no link and same title and date)."""
    for name in ("rta-chicago-upcoming-meetings", "chicago-ssa2-minutes"):
        truth = _load(REALWORLD / "pages" / f"{name}.json")
        ids = {
            entry_id(
                source_id=name,
                link=entry["link"],
                title=entry["title"],
                date_key=entry["date"],
            )
            for entry in truth["entries"]
        }
        assert len(ids) < len(truth["entries"]), name
