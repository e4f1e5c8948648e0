"""The benchmark suite cannot rot: its corpus, its server and one tiny scenario run here.

No timing is asserted (benchmarks are not timed tests); what is checked is that the
corpus is what the figures claim it is, that the server answers conditional requests as
a real one does, and that a first run and a rerun measure what they say they measure.
"""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
import requests

from benchmarks import corpus
from benchmarks.floor import run_floor
from benchmarks.server import CorpusServers
from benchmarks.suite import run
from publisher.config import load_config


def test_corpus_is_deterministic_realistic_and_grows_by_one_entry(tmp_path: Path):
    first = corpus.write_pages(tmp_path / "a", 3, 5)
    corpus.write_pages(tmp_path / "b", 3, 5)
    for source in first:
        data = (tmp_path / "a" / source.filename).read_bytes()
        assert data == (tmp_path / "b" / source.filename).read_bytes()
        assert 60_000 <= len(data) <= 120_000
        assert b"<script>" in data
        assert b"<header" in data
        assert b"<footer" in data
        assert data.count(b'id="post-') == 5
    assert {source.layout for source in first} == set(corpus.LAYOUTS)

    page = tmp_path / "a" / first[0].filename
    before = page.read_bytes()
    assert corpus.grow_pages(tmp_path / "a", 3, 5, every=10) == 1
    grown = page.read_bytes()
    assert grown.count(b'id="post-') == 6
    assert b'id="post-5"' in grown
    # The entries the page had are unchanged, byte for byte.
    old_entries = before[before.index(b'id="post-4"') : before.index(b"</section>")]
    assert old_entries in grown
    corpus.grow_pages(tmp_path / "a", 3, 5, every=10, extra=0)
    assert page.read_bytes() == before


def test_config_matches_the_pages_and_loads(tmp_path: Path):
    hosts = ["http://127.0.0.1:1", "http://127.0.0.1:2"]
    path = corpus.write_config(tmp_path / "sources.yaml", sources=25, host_urls=hosts)
    config = load_config(path)
    assert len(config.sources) == 25
    assert config.sources[0].url == "http://127.0.0.1:1/newsroom-0000/"
    assert config.sources[24].url == "http://127.0.0.1:2/newsroom-0024/"  # 20 pages a host
    assert all(source.min_delay == 0 for source in config.sources)
    with pytest.raises(ValueError, match="need 2 hosts"):
        corpus.write_config(tmp_path / "x.yaml", sources=25, host_urls=hosts[:1])


@pytest.mark.slow
def test_server_serves_pages_with_validators_and_304(tmp_path: Path):
    corpus.write_pages(tmp_path, 2, 3)
    with CorpusServers(tmp_path, hosts=2) as servers, requests.Session() as session:
        url = servers.urls[1] + "/newsroom-0001/"
        response = session.get(url, timeout=10)
        assert response.status_code == 200
        assert response.content == (tmp_path / "newsroom-0001.html").read_bytes()
        etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
        again = session.get(url, headers={"If-None-Match": etag}, timeout=10)
        assert again.status_code == 304
        assert again.content == b""
        since = session.get(url, headers={"If-Modified-Since": modified}, timeout=10)
        assert since.status_code == 304
        corpus.grow_pages(tmp_path, 2, 3, every=1)
        changed = session.get(url, headers={"If-None-Match": etag}, timeout=10)
        assert changed.status_code == 200
        assert changed.headers["ETag"] != etag
        assert session.get(servers.urls[0] + "/missing/", timeout=10).status_code == 404
        assert servers.reset_stats() == {"requests": 5, "ok": 2, "not_modified": 2}


@pytest.mark.slow
def test_floor_writes_readable_feeds(tmp_path: Path):
    corpus.write_pages(tmp_path / "pages", 3, 5)
    with CorpusServers(tmp_path / "pages", hosts=1) as servers:
        config = corpus.write_config(tmp_path / "sources.yaml", sources=3, host_urls=servers.urls)
        result = run_floor(config, tmp_path / "feeds", alone=True)
    assert result["entries"] == 15
    assert result["files_written"] == 6
    assert set(result["alone"]) == {"fetch", "parse", "render", "write"}
    for path in (tmp_path / "feeds").iterdir():
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo == 0
        assert len(parsed.entries) == 5


@pytest.mark.slow
def test_tiny_suite_measures_first_run_rerun_and_growth(tmp_path: Path):
    lines: list[str] = []
    document = run(
        sources=3,
        entries=5,
        latency=0.0,
        work=tmp_path / "work",
        results_dir=tmp_path / "results",
        scenarios=("floor", "first", "rerun", "grown", "scaling"),
        scaling=(2, 6),
        out=lines.append,
        repeat=2,
    )
    results = document["results"]
    first, rerun, grown = results["first"], results["rerun"], results["grown"]
    assert (first["sources"], first["entries"], first["failed"]) == (3, 15, 0)
    assert first["files_written"] == first["files_touched"] == 6
    assert first["server"]["ok"] == 3
    # Nothing changed: every page answers 304 and no feed file is touched.
    assert rerun["not_modified"] == 3
    assert rerun["entries"] == 0
    assert rerun["files_written"] == rerun["files_touched"] == 0
    # Every 10th page (here: the first) gained one entry: its two feeds change, in each
    # round (each round starts from an empty store and the original pages).
    assert grown["new"] == 1
    assert grown["files_touched_each"] == [2, 2]
    assert rerun["files_touched_each"] == [0, 0]
    for scenario in ("floor", "first", "rerun", "grown"):
        assert len(results[scenario]["samples"]) == 2
        assert results[scenario]["wall"] in results[scenario]["samples"]
    # Ratios are measured round by round; a check is the median of its rounds.
    ratios = results["ratios"]
    assert len(ratios["rerun_vs_first"]) == 2
    assert document["checks"]["rerun_vs_first"] == pytest.approx(sum(ratios["rerun_vs_first"]) / 2)
    assert document["checks"]["rerun_files_written"] == 0
    text = "\n".join(lines)
    assert "median of 2 rounds" in text
    assert "ratio in each round" in text
    assert set(results["scaling"]) == {"2", "3", "6"}
    assert set(first["stages"]) == {"fetch", "extract", "normalise", "store", "render", "write"}
    assert document["machine"]["cores"]
    assert document["machine"]["python"]
    assert set(document["checks"]) >= {"first_vs_floor", "rerun_vs_first", "grown_vs_first"}
    assert list((tmp_path / "results").glob("*.json"))
    text = "\n".join(lines)
    assert "per-host delay (min_delay) set to 0" in text
    assert "x floor" in text
