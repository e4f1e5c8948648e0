"""Filters, collections and full text end to end: real pages on 127.0.0.1, real SQLite,
real feed clients (feedparser, reader, rss2email).

The article pages in tests/data/articles/ are saved real pages (see SOURCE.md there).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from reader import make_reader

from publisher.cli import main
from publisher.config import load_config
from publisher.fetch import make_session
from publisher.fulltext import MAX_TRIES
from publisher.model import Config
from publisher.pipeline import run_once
from publisher.report import RunReport
from publisher.store import Store

from .support import NOW
from .support.clients import Rss2Email
from .support.server import Files, LocalServer, serving

pytestmark = pytest.mark.slow

ARTICLES = Path(__file__).parent / "data" / "articles"
VALIDATOR = Path(__file__).resolve().parents[2] / "shared" / "tools" / "validate_feed.py"


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    title: str
    link: str
    date: str | None = None
    category: str = "News"
    summary: str = "A short teaser."


def page(items: list[Item]) -> str:
    blocks = "".join(
        f"""<article class="news-item">
          {f'<time datetime="{i.date}">{i.date}</time>' if i.date else ""}
          <span class="type">{i.category}</span>
          <h3><a href="{i.link}">{i.title}</a></h3><p class="summary">{i.summary}</p>
        </article>"""
        for i in items
    )
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>News</title></head>" \
           f"<body><main>{blocks}</main></body></html>"  # fmt: skip


SELECT = """\
select:
  item: "article.news-item"
  title: "h3 a::text"
  link: "h3 a::attr(href)"
  date: "time::attr(datetime)"
  summary: "p.summary"
  category: ".type::text"
"""


@dataclass
class Site:
    root: Path
    server: LocalServer
    pages: Path
    feeds: Path

    def url(self, path: str) -> str:
        return self.server.url(path)

    def configure(self, body: str) -> Config:
        path = self.root / "sources.yaml"
        head = (
            f"site:\n  base_url: {self.url('/feeds/')}\n  allow_private: true\n"
            "  output: feeds\n  state: state.db\n"
        )
        path.write_text(head + textwrap.dedent(body), encoding="utf-8")
        return load_config(path)

    def run(self, config: Config, now: datetime) -> RunReport:
        with Store(config.site.state) as store, make_session() as session:
            return run_once(config.sources, site=config.site, session=session, store=store,
                            now=now, config=config)  # fmt: skip

    def hits(self, prefix: str) -> list[str]:
        return [hit.path for hit in self.server.seen if hit.path.startswith(prefix)]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    pages = tmp_path / "pages"
    pages.mkdir()
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    routes = {"/site/": Files(pages), "/feeds/": Files(feeds)}
    with serving(LocalServer(routes=routes)) as server:  # type: ignore[arg-type]
        yield Site(root=tmp_path, server=server, pages=pages, feeds=feeds)


def source_yaml(source_id: str, url: str, extra: str = "") -> str:
    return (
        f"  - id: {source_id}\n    url: {url}\n    min_delay: 0\n    retries: 0\n"
        + textwrap.indent(textwrap.dedent(extra), "    ")
        + textwrap.indent(SELECT, "    ")
    )


def validate(path: Path, url: str) -> None:
    """The W3C validator, offline, when the shared tools are there (they are in CI)."""
    if not VALIDATOR.exists():
        return
    result = subprocess.run(
        [sys.executable, str(VALIDATOR), str(path), "--url", url, "--strict"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


# -- filters ---------------------------------------------------------------------------------


def test_a_filter_change_shows_nothing_old_as_new(site: Site) -> None:
    items = [
        Item(title="Climate report on the harbour", link=site.url("/a/1"), date="2026-10-01"),
        Item(
            title="Harbour works begin", link=site.url("/a/2"), date="2026-10-02", category="Draft"
        ),
        Item(title="Budget hearing", link=site.url("/a/3")),  # undated: dated when first seen
        Item(
            title="Climate plan draft", link=site.url("/a/4"), date="2026-10-04", category="Draft"
        ),
    ]
    (site.pages / "news.html").write_text(page(items), encoding="utf-8")
    url = site.url("/site/news.html")
    narrow = "include:\n  - any: climate\nexclude:\n  - category: Draft\n"
    config = site.configure("sources:\n" + source_yaml("news", url, narrow))
    atom, rss = site.url("/feeds/news.atom"), site.url("/feeds/news.rss")
    reader = make_reader(str(site.root / "reader.sqlite"))
    reader.add_feed(atom)
    reader.add_feed(rss)
    r2e = Rss2Email(site.root, {"news-atom": atom, "news-rss": rss})
    try:
        # run 1: only the climate report passes
        assert site.run(config, NOW).ok
        reader.update_feeds(scheduled=False)
        for feed in (atom, rss):
            assert [e.title for e in reader.get_entries(feed=feed)] == [items[0].title]
        first = r2e.run()
        assert sorted(subject for _, _, subject in first) == [items[0].title] * 2
        for entry in reader.get_entries(read=False):
            reader.mark_entry_as_read(entry)

        # run 2, a day later: the filter is widened; the page is the same
        wide = site.configure(
            "sources:\n" + source_yaml("news", url, "exclude:\n  - title: works\n")
        )
        later = NOW + timedelta(days=1)
        assert site.run(wide, later).ok
        reader.update_feeds(scheduled=False)
        for feed in (atom, rss):
            unread = {e.title: e for e in reader.get_entries(feed=feed, read=False)}
            # the entries let through now, and only those, are unread; the report stays read
            assert set(unread) == {items[2].title, items[3].title}
            # ... with the dates they were first seen or printed, never the run's time
            assert unread[items[2].title].published == NOW
            assert unread[items[3].title].published == datetime(2026, 10, 4, tzinfo=UTC)
        second = r2e.run()
        assert sorted(subject for _, _, subject in second) == sorted(
            [items[2].title, items[3].title] * 2
        )
        for entry in reader.get_entries(read=False):
            reader.mark_entry_as_read(entry)

        # run 3: narrowed again, then run 4: widened again: what left the feed and came
        # back is not new to either client
        assert site.run(config, later + timedelta(hours=1)).ok
        reader.update_feeds(scheduled=False)
        assert r2e.run() == []
        assert site.run(wide, later + timedelta(hours=2)).ok
        reader.update_feeds(scheduled=False)
        assert r2e.run() == []
        assert list(reader.get_entries(read=False)) == []
        titles = [e.title for e in reader.get_entries(feed=atom)]
        assert len(titles) == len(set(titles)) == 3
    finally:
        reader.close()


def test_preview_and_status_name_what_the_filters_drop(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    items = [
        Item(title="Отчёт о климате", link=site.url("/r/1"), date="2026-10-01"),
        Item(title="Черновик", link=site.url("/r/2"), date="2026-10-02", category="Draft"),
        Item(title="Новости порта", link=site.url("/r/3"), date="2026-10-03"),
    ]
    (site.pages / "ru.html").write_text(page(items), encoding="utf-8")
    rules = "include:\n  - title: [климате, /^Черн/]\nexclude:\n  - category: draft\n"
    config = site.configure("sources:\n" + source_yaml("ru", site.url("/site/ru.html"), rules))
    path = str(config.path)
    assert main(["preview", "-c", path, "ru", "--json"]) == 0
    shown = {row["title"]: row["filtered"] for row in json.loads(capsys.readouterr().out)}
    assert shown == {
        "Отчёт о климате": None,
        "Черновик": "exclude[0] category: draft",
        "Новости порта": "no include rule matched",
    }
    assert main(["preview", "-c", path, "ru"]) == 0
    assert "FILTERED OUT by exclude[0] category: draft" in capsys.readouterr().out
    assert site.run(config, NOW).ok
    feed = feedparser.parse((site.feeds / "ru.atom").read_bytes())
    assert [e.title for e in feed.entries] == ["Отчёт о климате"]
    main(["status", "-c", path, "--json"])
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["entries_stored"], row["entries_filtered"], row["entries_in_feed"]) == (3, 2, 1)


# -- collections -----------------------------------------------------------------------------


def test_a_collection_of_three_sources_shows_a_shared_article_once(site: Site) -> None:
    shared = site.url("/un/joint-statement")
    pages = {
        "a": [Item(title="Joint statement", link=shared, date="2026-10-05"),
              Item(title="A only", link=site.url("/a/1"), date="2026-10-01")],
        "b": [Item(title="Joint statement (B)", link=shared + "?utm_source=b#top",
                   date="2026-10-03"),
              Item(title="B only", link=site.url("/b/1"), date="2026-10-02")],
        "c": [Item(title="C only", link=site.url("/c/1"), date="2026-10-04"),
              Item(title="C draft", link=site.url("/c/2"), date="2026-10-06",
                   category="Draft")],
    }  # fmt: skip
    body = "sources:\n"
    for name, items in pages.items():
        (site.pages / f"{name}.html").write_text(page(items), encoding="utf-8")
        body += source_yaml(name, site.url(f"/site/{name}.html"), f"title: Source {name}\n")
    body += "collections:\n  - id: all\n    title: All three\n    sources: [a, b, c]\n"
    body += "    exclude:\n      - category: Draft\n"
    body += "  - id: everything\n    title: Everything\n"
    config = site.configure(body)
    assert site.run(config, NOW).ok
    for name in ("all", "everything"):
        for kind in ("atom", "rss"):
            validate(site.feeds / f"{name}.{kind}", site.url(f"/feeds/{name}.{kind}"))
    atom = feedparser.parse((site.feeds / "all.atom").read_bytes())
    rss = feedparser.parse((site.feeds / "all.rss").read_bytes())
    for feed in (atom, rss):
        assert feed.feed.title == "All three"
        titles = [e.title for e in feed.entries]
        assert titles == ["C only", "Joint statement (B)", "B only", "A only"]
        joint = feed.entries[1]
        assert joint.published_parsed[:3] == (2026, 10, 3)  # the earliest of the two dates
    assert rss.entries[1].source == {"href": site.url("/feeds/b.rss"), "title": "Source b"}
    assert atom.entries[1].source.title == "Source b"
    everything = feedparser.parse((site.feeds / "everything.rss").read_bytes())
    assert len(everything.entries) == 5  # no rules: the draft too, the joint statement once

    reader = make_reader(str(site.root / "reader.sqlite"))
    try:
        reader.add_feed(site.url("/feeds/all.atom"))
        reader.update_feeds(scheduled=False)
        assert sum(1 for e in reader.get_entries() if e.title.startswith("Joint")) == 1
    finally:
        reader.close()

    # a run where nothing changed rewrites no collection file
    before = {p.name: p.stat().st_mtime_ns for p in site.feeds.iterdir()}
    assert site.run(config, NOW + timedelta(hours=1)).ok
    assert {p.name: p.stat().st_mtime_ns for p in site.feeds.iterdir()} == before


# -- full text -------------------------------------------------------------------------------

FIRST_538 = "Sen. Joe Manchin told reporters Wednesday"
LAST_538 = "which demonstrates his independence to voters in deep-red West Virginia."
FIRST_MOZ = "Develop, deploy and debug Firefox OS apps directly in your browser"
LAST_MOZ = "create new ones and apply existing CSS stylesheets to any page."


def test_full_text_from_real_pages_fetched_once(site: Site) -> None:
    for name in ("fivethirtyeight-manchin.html", "mozilla-developer-edition.html"):
        (site.pages / f"article-{name}").write_bytes((ARTICLES / name).read_bytes())
    art = "/site/article-"
    items = [
        Item(title="Could Manchin leave?", link=site.url(art + "fivethirtyeight-manchin.html"),
             date="2026-10-02", summary="The teaser of the Manchin story."),
        Item(title="Developer Edition", link=site.url(art + "mozilla-developer-edition.html"),
             date="2026-10-01", summary="The teaser of the Firefox page."),
        Item(title="Gone", link=site.url("/site/article-missing.html"), date="2026-09-30"),
    ]  # fmt: skip
    (site.pages / "full.html").write_text(page(items), encoding="utf-8")
    config = site.configure("sources:\n" + source_yaml("full", site.url("/site/full.html"),
                                                        "full_text: true\n"))  # fmt: skip
    report = site.run(config, NOW).sources[0]
    assert report.ok and report.new == 3
    atom = feedparser.parse((site.feeds / "full.atom").read_bytes())
    rss_bytes = (site.feeds / "full.rss").read_bytes()
    rss = feedparser.parse(rss_bytes)
    assert b"content:encoded" in rss_bytes
    for feed in (atom, rss):
        manchin, mozilla, gone = feed.entries
        text = manchin.content[0].value
        assert FIRST_538 in text and LAST_538 in text
        assert "The teaser of the Manchin story." in manchin.summary  # the teaser stays
        assert FIRST_538 not in manchin.summary
        assert FIRST_MOZ in mozilla.content[0].value and LAST_MOZ in mozilla.content[0].value
        for content in (text, mozilla.content[0].value):
            # no navigation, no scripts: the site's menu and footer are gone
            for chrome in ("nav-global", "<nav", "<script", "Subscribe to", "Sign in"):
                assert chrome not in content
        # a failed fetch keeps the teaser only (the content is the teaser, no article)
        assert all(part.value == gone.summary for part in gone.get("content", []))
    for kind in ("atom", "rss"):
        validate(site.feeds / f"full.{kind}", site.url(f"/feeds/full.{kind}"))
    assert len(site.hits("/site/article-")) == 3

    # later runs fetch no article again; the missing one is tried MAX_TRIES times in all
    (site.pages / "full.html").write_text(page([*items, Item(title="New", link=site.url("/n"))]))
    for hour in range(1, MAX_TRIES + 2):
        assert site.run(config, NOW + timedelta(hours=hour)).ok
    fetched = site.hits("/site/article-")
    assert fetched.count("/site/article-fivethirtyeight-manchin.html") == 1
    assert fetched.count("/site/article-mozilla-developer-edition.html") == 1
    assert fetched.count("/site/article-missing.html") == MAX_TRIES


def test_full_text_is_bounded_per_run_and_fetched_again_when_the_entry_changes(site: Site) -> None:
    name = "fivethirtyeight-manchin.html"
    for n in range(4):
        (site.pages / f"article-{n}.html").write_bytes((ARTICLES / name).read_bytes())
    items = [Item(title=f"Story {n}", link=site.url(f"/site/article-{n}.html"),
                  date=f"2026-10-0{n + 1}") for n in range(4)]  # fmt: skip
    (site.pages / "bound.html").write_text(page(items), encoding="utf-8")
    extra = "full_text: true\nmax_full_text_per_run: 2\n"
    config = site.configure(
        "sources:\n" + source_yaml("bound", site.url("/site/bound.html"), extra)
    )
    assert site.run(config, NOW).ok
    assert len(site.hits("/site/article-")) == 2  # the two newest first
    assert sorted(site.hits("/site/article-")) == [
        "/site/article-2.html",
        "/site/article-3.html",
    ]
    assert site.run(config, NOW + timedelta(hours=1)).ok  # the page is unchanged (304)
    assert len(site.hits("/site/article-")) == 4
    with Store(config.site.state) as store:
        assert store.full_text_counts("bound") == (4, 0)
    items[0] = Item(title="Story 0, corrected", link=items[0].link, date=items[0].date)
    (site.pages / "bound.html").write_text(page(items), encoding="utf-8")
    assert site.run(config, NOW + timedelta(hours=2)).ok
    assert site.hits("/site/article-").count("/site/article-0.html") == 2
    feed = feedparser.parse((site.feeds / "bound.atom").read_bytes())
    assert all(FIRST_538 in e.content[0].value for e in feed.entries)
