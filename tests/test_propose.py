"""``publisher init`` proposes the right format for an address that is an existing feed,
a JSON API or a sitemap (issue 16), and the source it writes reads the entries."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from publisher.model import Page
from publisher.propose import propose

from .support import DATA
from .support.server import Files, LocalServer

KINDS = DATA / "kinds"
API = {
    "meta": {"count": 2},
    "data": {
        "articles": [
            {"headline": "Court halts evictions", "url": "https://news.example/a",
             "published_at": "2026-11-20T10:00:00Z"},
            {"headline": "Water report", "url": "https://news.example/b",
             "published_at": "2026-11-18T09:00:00Z"},
        ],
        "tags": [{"name": "rights", "url": "https://news.example/t/rights"}],
    },
}  # fmt: skip


def _page(path: Path, content_type: str | None = None) -> Page:
    return Page(url="https://x.example/f", text=path.read_text(encoding="utf-8"),
                content_type=content_type)  # fmt: skip


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("feed/full.rss", "feed"),
        ("feed/full.atom", "feed"),
        ("feed/full.json", "feed"),
        ("sitemap/alltags.xml", "sitemap"),
        ("sitemap/alltags-index.xml", "sitemap"),
    ],
)
def test_real_feeds_and_sitemaps_are_recognised(name: str, expected: str) -> None:
    proposal = propose(_page(KINDS / name))
    assert proposal is not None and proposal.format == expected


def test_a_json_api_gets_the_path_of_its_longest_list_of_entries() -> None:
    page = Page(url="https://x.example/api", text=json.dumps(API), content_type="application/json")
    proposal = propose(page)
    assert proposal is not None and proposal.format == "json"
    assert proposal.select is not None
    assert (proposal.select.item, proposal.select.date) == ("data.articles[]", "published_at")


def test_a_page_is_left_to_auto_detection() -> None:
    assert (
        propose(Page(url="https://x.example/", text="<!doctype html><html><body></body>")) is None
    )
    assert propose(Page(url="https://x.example/", text="{not json")) is None


def _init(url: str, cwd: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "publisher", "init", url, "--id", "up", "--allow-private",
         "-c", str(cwd / "none.yaml")],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (item,) = yaml.safe_load(done.stdout)
    assert isinstance(item, dict)
    return item


@pytest.mark.slow
def test_init_proposes_feed_and_json_for_such_addresses(
    tmp_path: Path, serve: Callable[..., LocalServer]
) -> None:
    (tmp_path / "api.json").write_text(json.dumps(API), encoding="utf-8")
    server = serve({"/feed.rss": Files(KINDS / "feed" / "full.rss"),
                    "/api.json": Files(tmp_path / "api.json")})  # fmt: skip
    assert _init(server.url("/feed.rss"), tmp_path)["format"] == "feed"
    item = _init(server.url("/api.json"), tmp_path)
    assert item["format"] == "json"
    assert item["select"] == {"item": "data.articles[]", "date": "published_at"}
