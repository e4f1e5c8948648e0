"""Golden files: tests/data/<case>/page.html + source.yaml -> expected.json.

Each case is a page we wrote ourselves. Regenerate the expectations on purpose with
``pytest tests/test_extract_golden.py --regen-golden`` and review the diff.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from publisher.config import parse_config
from publisher.extract import extract_entries, link_base
from publisher.model import Page
from publisher.normalise import normalise_entries

from .support import DATA, NOW

CASES = sorted(path for path in DATA.iterdir() if (path / "page.html").exists())


def _source_yaml(case: Path) -> str:
    source = yaml.safe_load((case / "source.yaml").read_text())
    source.setdefault("id", case.name)
    return yaml.safe_dump({"site": {"base_url": "https://feeds.example.org/"}, "sources": [source]})


def _extract(case: Path) -> dict[str, Any]:
    config = parse_config(_source_yaml(case), path=case / "sources.yaml")
    source = config.sources[0]
    page = Page(url=source.url, text=(case / "page.html").read_text(encoding="utf-8"))
    raws = extract_entries(page, source)
    result = normalise_entries(raws, source=source, page_url=link_base(page, source), now=NOW)
    entries = []
    for entry in result.entries:
        record = asdict(entry)
        record["published"] = entry.published.isoformat() if entry.published else None
        del record["raw_key"]  # a digest of the input, not part of the result
        entries.append(record)
    return {"raw_count": len(raws), "entries": entries, "warnings": list(result.warnings)}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_golden(case: Path, request: pytest.FixtureRequest) -> None:
    got = _extract(case)
    expected_path = case / "expected.json"
    if request.config.getoption("--regen-golden"):
        expected_path.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n")
    assert expected_path.exists(), f"run with --regen-golden to create {expected_path}"
    assert got == json.loads(expected_path.read_text())


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 3


def test_select_author_gives_each_entry_its_author() -> None:
    from publisher.extract.html import extract_html
    from publisher.model import Selectors

    page = (
        '<ul><li><a href="/a">A</a><span class="by"> Ana  Lima </span></li>'
        '<li><a href="/b">B</a></li></ul>'
    )
    raws = extract_html(
        page, Selectors(item="li", title="a", author=".by"), url="https://x.org/", where="t"
    )
    assert [raw.author for raw in raws] == [" Ana  Lima ", None]
