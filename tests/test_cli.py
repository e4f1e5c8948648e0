"""End to end: `publisher run` on a temporary copy of the default configuration."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest

from publisher.cli import main


def _mtimes(folder: Path) -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in sorted(folder.glob("*.*"))
            if path.name != "index.html"}  # fmt: skip  # it shows the time of the last success


def test_run_writes_valid_feeds_then_nothing(project: Path, capsys: pytest.CaptureFixture[str]):
    config = str(project / "sources.yaml")
    assert main(["run", "-c", config]) == 0
    out = capsys.readouterr().out
    assert "example-newsroom" in out and "5 new" in out
    feeds = project / "feeds"
    names = sorted(path.name for path in feeds.iterdir())
    assert names == [
        "example-bulletins.atom",
        "example-bulletins.html",
        "example-bulletins.json",
        "example-bulletins.rss",
        "example-newsroom.atom",
        "example-newsroom.html",
        "example-newsroom.json",
        "example-newsroom.rss",
        "feeds.opml",
        "index.html",
    ]
    for path in (p for p in feeds.iterdir() if p.suffix in (".atom", ".rss")):
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
        assert parsed.entries
    before = {path.name: path.read_bytes() for path in feeds.iterdir() if path.name != "index.html"}
    mtimes = _mtimes(feeds)

    assert main(["run", "-c", config]) == 0
    assert "0 new" in capsys.readouterr().out
    assert {p.name: p.read_bytes() for p in feeds.iterdir() if p.name != "index.html"} == before
    assert _mtimes(feeds) == mtimes


def test_run_report_lines() -> None:
    import io

    from publisher.cli.run import print_run_report
    from publisher.report import RunReport, SourceReport

    report = RunReport(
        sources=(
            SourceReport(source_id="a", ok=True, found=3, new=1, files_written=("a.atom",)),
            SourceReport(source_id="bb", ok=True, not_modified=True),
            SourceReport(source_id="c", ok=True, not_modified=True, files_written=("c.rss",)),
            SourceReport(source_id="d", ok=False, error="d: HTTP 404"),
        )
    )
    out = io.StringIO()
    print_run_report(report, quiet=False, out=out)
    assert out.getvalue().splitlines() == [
        "a   ok      3 found, 1 new, 0 updated, files written",
        "bb  ok      not modified (HTTP 304)",
        "c   ok      not modified (HTTP 304), feed files repaired from the store",
        "d   FAILED  d: HTTP 404",
        "4 sources, 3 ok, 1 failed",
    ]
    quiet = io.StringIO()
    print_run_report(report, quiet=True, out=quiet)
    assert quiet.getvalue().splitlines() == ["d  FAILED  d: HTTP 404"]


def test_preview_shows_entries_and_stores_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(project / "sources.yaml")
    assert main(["preview", "example-newsroom", "-c", config]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("2026-10-14 00:00  Court halts harbour evictions")
    assert out[0].endswith("[Press Release]")
    assert out[1].strip() == "https://www.example.org/newsroom/2026/10/harbour-evictions-halted/"
    assert out[-1].startswith("5 entries on file://")
    assert not (project / "feeds").exists()
    assert not (project / ".publisher").exists()

    assert main(["preview", "example-bulletins", "--json", "-c", config]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [e["published"][:10] for e in entries] == ["2026-11-03", "2026-10-19", "2026-09-30"]


def test_preview_of_a_broken_source_says_why(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "examples" / "newsroom.html").write_text("<html><body>Moved</body></html>")
    assert main(["preview", "example-newsroom", "-c", str(project / "sources.yaml")]) == 1
    err = capsys.readouterr().err
    assert "example-newsroom: FAILED" in err and "matched nothing" in err
    assert main(["preview", "nope", "-c", str(project / "sources.yaml")]) == 2
    assert "no source with id nope" in capsys.readouterr().err
