"""format: auto on the 18 real listing pages of ../shared/realworld, with no selectors:
the figures stay above the targets, and the selectors ``init`` writes for each page give
the same entries as auto when run as a normal html source."""

from __future__ import annotations

from dataclasses import replace

import pytest

from benchmarks import extraction
from publisher import authoring
from publisher.extract import html
from publisher.normalise import normalise_entries

from .support import NOW, REALWORLD

IDS = extraction.page_ids(REALWORLD) if (REALWORLD / "index.json").exists() else []
pytestmark = pytest.mark.skipif(not IDS, reason=f"{REALWORLD} is not there (../shared missing)")


def test_realworld_figures_stay_above_target() -> None:
    total = extraction.summary(extraction.evaluate(REALWORLD))
    for key, target in extraction.TARGETS.items():
        assert total[key] >= target, f"{key}: {total[key]:.3f} < {target}"


@pytest.mark.parametrize("page_id", IDS)
def test_init_selectors_give_the_same_entries_as_auto(page_id: str) -> None:
    meta, page = extraction.load(REALWORLD, page_id)
    probe = extraction.source_for(meta)
    try:
        found = authoring.found_on(page, probe, now=NOW)
    except Exception:
        pytest.skip(f"{page_id}: auto finds nothing here, so init writes nothing")
    if found.source.select is None:
        pytest.skip(f"{page_id}: entries from JSON-LD: init keeps format auto")
    as_html = replace(found.source, format="html")
    raws = html.extract(page, as_html)
    entries = normalise_entries(raws, source=as_html, page_url=html.link_base(page, probe),
                                now=NOW).entries  # fmt: skip
    assert [(e.id, e.title, e.link, e.published) for e in entries] == [
        (e.id, e.title, e.link, e.published) for e in found.entries
    ]
    again = authoring.found_on(page, probe, now=NOW)
    assert again.source == found.source  # stable from run to run
