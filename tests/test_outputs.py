"""Issue 15: every feed we write passes the W3C validator with no finding; JSON Feed 1.1,
OPML, the HTML pages and daily digests work in the programs people use."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from reader import make_reader

from publisher.cli import main
from publisher.fetch import make_session
from publisher.model import Selectors, Site, Source
from publisher.pipeline import run_once
from publisher.site import write_site
from publisher.store import Store

from .support import NOW, REALWORLD
from .support.feedcheck import assert_valid, feed_files
from .support.server import Files, LocalServer, serving

pytestmark = pytest.mark.slow

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
PAGES = sorted((REALWORLD / "pages").glob("*.json")) if REALWORLD.exists() else []


def _realworld_sources() -> list[Source]:
    sources = []
    for path in PAGES:
        truth = json.loads(path.read_text(encoding="utf-8"))
        select = truth["selectors"]
        if not select.get("title"):
            continue  # no selectors can express its entries (see test_realworld)
        sources.append(
            Source(
                id=truth["id"], url=path.with_suffix(".html").as_uri(), home=truth["page_url"],
                title=truth["id"], digest="daily", respect_robots=False,
                select=Selectors(
                    item=select["item"], title=select["title"], link=select.get("link"),
                    date=select.get("date"), date_regex=select.get("date_regex"),
                    date_format=select.get("date_format"),
                    category=select.get("type") if not select.get("type_regex") else None,
                ),
            )
        )  # fmt: skip
    return sources


@pytest.fixture(scope="module")
def realworld_feeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real pages run twice a day apart (so that daily digests have a closed day)."""
    if not PAGES:
        pytest.skip(f"{REALWORLD} is not there (../shared is missing)")
    root = tmp_path_factory.mktemp("realworld")
    site = Site(base_url="https://feeds.example.org/", output=root / "feeds",
                state=root / "state.db")  # fmt: skip
    sources = _realworld_sources()
    with Store(site.state) as store, make_session() as session:
        for now in (NOW, NOW + timedelta(days=1)):
            report = run_once(sources, site=site, session=session, store=store, now=now)
            assert report.ok, [r.error for r in report.failed]
            write_site(sources, site=site, store=store, now=now)
    return site.output


def test_realworld_feeds_have_no_validator_findings(realworld_feeds: Path) -> None:
    files = feed_files(realworld_feeds)
    assert any(path.name.endswith("-daily.atom") for path in files)
    assert assert_valid(files) == len(files) >= 4 * 16


def test_example_config_feeds_have_no_validator_findings(project: Path) -> None:
    config = project / "sources.yaml"
    text = config.read_text(encoding="utf-8").replace("site:\n", "site:\n  digest: daily\n", 1)
    config.write_text(text, encoding="utf-8")
    assert main(["run", "-q", "-c", str(config)]) == 0
    files = feed_files(project / "feeds")
    assert {p.name for p in files} >= {"example-newsroom.atom", "example-newsroom-daily.rss"}
    assert_valid(files)


def check_json_feed(data: bytes, *, url: str) -> dict[str, Any]:
    """The rules of JSON Feed 1.1 that a reader relies on."""
    feed = json.loads(data)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    assert feed["feed_url"] == url
    assert feed["home_page_url"].startswith("http")
    assert all(isinstance(a["name"], str) for a in feed["authors"])
    ids = [item["id"] for item in feed["items"]]
    assert len(set(ids)) == len(ids)
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert item.get("content_html") or item.get("content_text")
        assert item["url"].startswith("http")
        for key in ("date_published", "date_modified"):
            assert RFC3339.match(item[key]), item[key]
    return feed


def test_json_feed_follows_the_spec_and_reader_reads_it(
    realworld_feeds: Path, tmp_path: Path
) -> None:
    with serving(LocalServer(routes={"/": Files(realworld_feeds)})) as server:
        reader = make_reader(str(tmp_path / "reader.sqlite"))
        checked = 0
        for path in sorted(realworld_feeds.glob("*.json")):
            feed = check_json_feed(path.read_bytes(), url=f"https://feeds.example.org/{path.name}")
            atom = etree.parse(str(path.with_suffix(".atom")))
            ns = {"a": "http://www.w3.org/2005/Atom"}
            assert [item["id"] for item in feed["items"]] == atom.xpath(
                "a:entry/a:id/text()", namespaces=ns
            )
            url = server.url(f"/{path.name}")
            reader.add_feed(url)
            reader.update_feed(url)
            assert [e.id for e in reader.get_entries(feed=url, sort="recent")] != []
            assert {e.id for e in reader.get_entries(feed=url)} == {i["id"] for i in feed["items"]}
            checked += 1
        reader.close()
    assert checked >= 16


def test_opml_lists_every_feed_and_every_url_is_served(realworld_feeds: Path) -> None:
    root = etree.parse(str(realworld_feeds / "feeds.opml")).getroot()
    outlines = root.findall("body/outline")
    assert len(outlines) == len(_realworld_sources())
    with (
        serving(LocalServer(routes={"/": Files(realworld_feeds)})) as server,
        make_session() as session,
    ):
        for outline in outlines:
            name = outline.get("xmlUrl", "").removeprefix("https://feeds.example.org/")
            reply = session.get(server.url(f"/{name}"), timeout=10)
            assert reply.status_code == 200, name
            assert reply.headers["Content-Type"] == "application/atom+xml"


def test_text_entries_keep_their_ids_when_their_links_gain_a_text_fragment(
    project: Path,
) -> None:
    """A store written before text fragments (every text entry linked to home) keeps its
    ids: the next run counts no entry as new or changed and stores the distinct links."""
    config = str(project / "sources.yaml")
    assert main(["run", "-q", "-c", config]) == 0
    db_path = project / ".publisher" / "state.db"
    home = "https://union.example.org/bulletins/"
    with sqlite3.connect(db_path) as db:  # as the last release stored them
        db.execute("UPDATE entries SET link = ?, raw_key = 'old' WHERE source = ?",
                   (home, "example-bulletins"))  # fmt: skip
        before = dict(db.execute("SELECT id, title FROM entries WHERE source='example-bulletins'"))
    db.close()
    assert main(["run", "-c", config]) == 0
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT id, title, link FROM entries WHERE source='example-bulletins'")
        after = {row[0]: row for row in rows}
    db.close()
    assert set(after) == set(before)
    links = {row[2] for row in after.values()}
    assert len(links) == len(after) and all(link.startswith(home + "#:~:text=") for link in links)
