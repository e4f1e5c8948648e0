"""format: auto, publisher init and publisher preview on small pages written for the tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from benchmarks import extraction
from publisher import authoring
from publisher.cli import main
from publisher.config import parse_config
from publisher.extract import auto, extract_entries, html
from publisher.model import Page, Source

from .support import DATA, NOW

PAGE = DATA / "auto" / "newsroom.html"
URL = "https://council.example.org/press/"
CONFIG = "site:\n  base_url: https://feeds.example.org/\n# the sources\nsources:\n"


def _page(name: str = "newsroom.html") -> Page:
    return Page(url=URL, text=(DATA / "auto" / name).read_text(encoding="utf-8"))


def _source(**kw: object) -> Source:
    values: dict[str, object] = {"id": "council", "url": URL, "title": "council", "home": URL,
                                 "format": "auto"}  # fmt: skip
    values.update(kw)
    return Source(**values)  # type: ignore[arg-type]


def test_auto_finds_the_list_and_its_fields() -> None:
    raws = auto.extract(_page(), _source())
    assert [r.title.strip() for r in raws] == [
        "Council approves the 2024 budget",
        "A new library opens in the north district",
        "Road works on the ring road until May",
        "The swimming pool reopens after repairs",
    ]
    assert [r.link for r in raws][:2] == ["/press/budget-2024", "/press/new-library"]
    # 03/04/2024 on a page in en-GB where 28/03/2024 shows the day comes first
    assert [r.date for r in raws] == ["3 April 2024", "28 March 2024", "15 March 2024",
                                      "1 March 2024"]  # fmt: skip
    assert raws[0].summary is not None and "approve next year" in raws[0].summary
    assert raws[0].image == "/img/budget.jpg"  # data-src behind a placeholder src


def test_auto_is_stable_and_html_without_select_is_auto() -> None:
    first = auto.extract(_page(), _source())
    assert auto.extract(_page(), _source()) == first
    assert extract_entries(_page(), _source(format="html")) == first
    _, found = auto.detect_page(_page())
    assert found.feeds == ("https://council.example.org/press/feed.xml",)
    assert found.candidates[0].count == 4


def test_jsonld_lists_come_first() -> None:
    raws = auto.extract(_page("jsonld.html"), _source())
    assert [(r.title, r.link, r.date) for r in raws] == [
        ("First post", "https://blog.example.org/first", "2024-05-01T10:00:00+02:00"),
        ("Second post", "https://blog.example.org/second", "2024-04-20"),
    ]


def test_nothing_convincing_names_preview() -> None:
    page = Page(url=URL, text="<html><body><p>Nothing to see here.</p></body></html>")
    with pytest.raises(Exception, match="publisher preview"):
        auto.extract(page, _source())


def test_init_selectors_give_the_same_entries_as_auto() -> None:
    found = authoring.found_on(_page(), _source(), now=NOW)
    assert found.source.format == "html" and found.source.select is not None
    assert found.source.dayfirst
    text = authoring.source_entry(found.source)
    item = yaml.safe_load(text)[0]
    assert set(item) >= {"id", "url", "format", "select"}
    as_html = parse_config(CONFIG + "\n".join("  " + line for line in text.splitlines()) + "\n",
                           path=Path("/tmp/sources.yaml")).sources[0]  # fmt: skip
    raws = html.extract(_page(), as_html)
    from publisher.normalise import normalise_entries

    mine = normalise_entries(raws, source=as_html, page_url=URL, now=NOW).entries
    assert [(e.id, e.title, e.link, e.published) for e in mine] == [
        (e.id, e.title, e.link, e.published) for e in found.entries
    ]


def test_write_appends_keeping_comments(tmp_path: Path) -> None:
    config = tmp_path / "sources.yaml"
    config.write_text(CONFIG + "  - id: old  # keep this\n    url: old.html\n")
    found = authoring.found_on(_page(), _source(), now=NOW)
    authoring.append_source(config, authoring.source_entry(found.source))
    written = config.read_text()
    assert "# the sources" in written and "# keep this" in written
    assert [s.id for s in parse_config(written, path=config).sources] == ["old", "council"]
    with pytest.raises(Exception, match="already there"):
        authoring.append_source(config, authoring.source_entry(found.source))
    assert config.read_text() == written


def test_field_counts_and_merged_duplicates() -> None:
    source = _source(format="html", select=replace(
        authoring.found_on(_page(), _source(), now=NOW).source.select,  # type: ignore[arg-type]
        link=".//span[@class='nothing']/@href",
    ))  # fmt: skip
    raws = html.extract(_page(), source)
    counts = authoring.field_counts(raws)
    assert counts["link"] == 0 and counts["title"] == 4 and counts["category"] == 0
    doubled = (*raws, raws[0])
    from publisher.normalise import normalise_entries

    entries = normalise_entries(doubled, source=source, page_url=URL, now=NOW).entries
    assert authoring.merged_titles(doubled, entries) == (" ".join(raws[0].title.split()),)


def _project(tmp_path: Path) -> Path:
    shutil.copy(PAGE, tmp_path / "page.html")
    (tmp_path / "sources.yaml").write_text(
        CONFIG + "  - id: council\n    url: page.html\n    select:\n      item: div.release\n"
        "      link: .//span[@class='nothing']/@href\n"
    )
    return tmp_path


def test_init_cli_prints_only_the_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path)
    config = str(project / "sources.yaml")
    url = (project / "page.html").as_uri()
    assert main(["init", url, "--id", "press", "-c", config, "--write"]) == 0
    captured = capsys.readouterr()
    item = yaml.safe_load(captured.out)[0]
    assert item["id"] == "press" and item["format"] == "html" and item["dayfirst"] is True
    assert "found 4 entries" in captured.err
    assert "announces its own feed" in captured.err
    assert main(["validate", "-c", config]) == 0
    assert main(["preview", "press", "-c", config]) == 0
    out, err = capsys.readouterr()
    assert "4 entries on" in out
    assert "date: 4 of 4 items" in err and "image: 4 of 4 items" in err


def test_preview_warns_when_link_matched_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(_project(tmp_path) / "sources.yaml")
    assert main(["preview", "council", "-c", config]) == 0
    err = capsys.readouterr().err
    assert "link: 0 of 4 items" in err
    assert "'link' matched nothing in any of the 4 items" in err


@pytest.mark.slow
def test_preview_into_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    config = str(_project(tmp_path) / "sources.yaml")
    command = [sys.executable, "-m", "publisher", "preview", "council", "-c", config]
    preview = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert preview.stdout is not None
    preview.stdout.close()  # the reader goes away before anything is read
    _, err = preview.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipeError" not in err
    assert preview.returncode in (0, 141)


def test_held_out_pages_are_scored() -> None:
    """The held-out pages (tests/data/listing, never used to tune detection) load, have
    hand-written entries, and are scored; their figures are reported, and kept here."""
    ids = extraction.page_ids(extraction.HELD_OUT)
    assert len(ids) >= 2
    scores = extraction.evaluate(extraction.HELD_OUT)
    assert all(s.truth > 0 for s in scores)
    total = extraction.summary(scores)
    for key, target in extraction.TARGETS.items():
        assert total[key] >= target, f"held-out {key}: {total[key]:.3f} < {target}"
