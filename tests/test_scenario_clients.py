"""The proof of issue 4: real feed clients never see old news as new.

A local newsroom page is rewritten over eight rounds. After each round publisher
regenerates its feeds into a folder served by a static server on 127.0.0.1 (ETag,
Last-Modified, 304), and the programs people use read them:

- reader (lemon24), subscribed to the Atom and the RSS feed, must show as new (unread)
  exactly the entries that are new in that round, never a duplicate, and an edited
  entry as modified, not new;
- rss2email, with its sendmail pointed at a capture script, must send exactly one mail
  per genuinely new entry and none otherwise;
- feedparser must parse both files with bozo == 0, and the files must keep the rules of
  CONSUMERS.md "In every file";
- a round in which nothing changed must rewrite no file (bytes and mtimes equal), and
  the clients must get 304.

The same rounds run three times: state in SQLite and feeds in a local folder; state on
a real PostgreSQL server (``site.state: postgresql://...``); feeds in a bucket on moto's
S3-compatible server (``site.output: s3://...``), which the clients read through the
loopback server, each request a read of the object from S3 (its 200 or 304, its ETag).

Rounds: 1 five entries; 2 two new at the top, two fall off the bottom; 3 a summary
edited, a link http -> https, a link gains ?utm_source=x; 4 an error page (HTTP 200, no
entries); 5 three new (one without a date), retention (max_entries 8) drops the two
oldest from the feed; 6 nothing changes (the page answers 304); 7 the page is
re-rendered with different whitespace and tracking parameters (200, nothing changed);
8 one new entry, and an old entry that had left the feed reappears on the page.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from reader import make_reader

from publisher.config import load_config
from publisher.fetch import make_session
from publisher.model import Config
from publisher.pipeline import run_once
from publisher.report import RunReport
from publisher.store import Store

from .support import NOW
from .support.clients import Rss2Email, check_atom, check_rss, title_key
from .support.config import SELECT, write_config
from .support.feedcheck import assert_valid
from .support.published import Published, feed_place
from .support.server import Files, LocalServer, serving

pytestmark = pytest.mark.slow

LAYOUT_MESSAGE = "no entries found: the page layout may have changed"


# -- the newsroom page ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    key: str
    title: str
    link: str
    date: str | None  # ISO date in <time datetime>, None: the page prints no date
    summary: str
    category: str = "Press Release"


def _item(n: int, date: str | None, link: str | None = None) -> Item:
    return Item(
        key=f"E{n}",
        title=f"Entry {n}: statement number {n} on the harbour",
        link=link or f"https://example.org/news/2026/e{n}/",
        date=date,
        summary=f"Summary of entry {n}. It has <strong>bold</strong> words.",
    )


ITEMS = {
    1: _item(1, "2026-10-01"),
    2: _item(2, "2026-10-03"),
    3: _item(3, "2026-10-05"),
    4: _item(4, "2026-10-07", "http://example.org/news/2026/e4/"),
    5: _item(5, "2026-10-09", "https://www.example.org/news/2026/e5/"),
    6: _item(6, "2026-10-11"),
    7: _item(7, "2026-10-13"),
    8: _item(8, "2026-10-20"),
    9: _item(9, "2026-10-22"),
    10: _item(10, None),
    11: _item(11, "2026-11-25"),
}
EDITED_SUMMARY = "Summary of entry 3, corrected: the court sat on <strong>Tuesday</strong>."
EDIT_3 = replace(ITEMS[3], summary=EDITED_SUMMARY)
HTTPS_4 = replace(ITEMS[4], link="https://example.org/news/2026/e4/")
UTM_5 = replace(ITEMS[5], link="https://www.example.org/news/2026/e5/?utm_source=x")


def render_page(items: list[Item], *, sloppy: bool = False) -> str:
    """The newsroom page; ``sloppy`` re-renders it as another CMS template would."""
    blocks = []
    for item in items:
        when = f'<time datetime="{item.date}">{item.date}</time> &bull; ' if item.date else ""
        title, summary = item.title, item.summary
        if sloppy:
            title = "\n            " + title.replace(" ", "  \n  ", 2) + "\n          "
            summary = summary.replace(". ", ".\n               ")
        blocks.append(
            f"""
      <article class="news-item">
        <div class="meta">{when}<span class="type">{item.category}</span></div>
        <h3><a href="{item.link}">{title}</a></h3>
        <p class="summary">{summary}</p>
      </article>"""
        )
    return textwrap.dedent(
        """\
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Newsroom</title></head>
        <body><main><h1>Newsroom</h1><section class="news-list">{blocks}
        </section></main></body></html>
        """
    ).format(blocks="".join(blocks))


ERROR_PAGE = """<!DOCTYPE html>
<html><head><title>Service temporarily unavailable</title></head>
<body><h1>We'll be back soon</h1>
<p>Error 503: the newsroom is being updated. Please try again later.</p></body></html>
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Round:
    number: int
    page: str | None  # None: leave the page file untouched (the server answers 304)
    new: frozenset[str]  # keys of the entries that are new in this round
    changed: frozenset[str] = frozenset()  # keys whose content changed
    feed: tuple[str, ...] = ()  # keys in the feed afterwards, newest first
    fails: bool = False
    unchanged: bool = False  # no feed file may be rewritten


def _keys(*numbers: int) -> tuple[str, ...]:
    return tuple(f"E{n}" for n in numbers)


def rounds() -> list[Round]:
    i = ITEMS
    page5 = render_page([i[10], i[9], i[8], i[7], i[6]])
    return [
        Round(
            number=1,
            page=render_page([i[5], i[4], i[3], i[2], i[1]]),
            new=frozenset(_keys(1, 2, 3, 4, 5)),
            feed=_keys(5, 4, 3, 2, 1),
        ),
        Round(
            number=2,
            page=render_page([i[7], i[6], i[5], i[4], i[3]]),
            new=frozenset(_keys(6, 7)),
            feed=_keys(7, 6, 5, 4, 3, 2, 1),  # 1 and 2 left the page, not the feed
        ),
        Round(
            number=3,
            page=render_page([i[7], i[6], UTM_5, HTTPS_4, EDIT_3]),
            new=frozenset(),
            changed=frozenset(_keys(3)),
            feed=_keys(7, 6, 5, 4, 3, 2, 1),
        ),
        Round(number=4, page=ERROR_PAGE, new=frozenset(), fails=True, unchanged=True),
        Round(
            number=5,
            page=page5,
            new=frozenset(_keys(8, 9, 10)),
            feed=_keys(10, 9, 8, 7, 6, 5, 4, 3),  # max_entries 8: 2 and 1 age out
        ),
        Round(number=6, page=None, new=frozenset(), unchanged=True),
        Round(
            number=7,
            page=render_page(
                [
                    i[10],
                    i[9],
                    i[8],
                    replace(i[7], link=i[7].link + "#comments"),
                    replace(i[6], link=i[6].link + "?fbclid=IwAR0xyz&utm_medium=social"),
                ],
                sloppy=True,
            ),
            new=frozenset(),
            unchanged=True,
        ),
        Round(
            number=8,
            page=render_page([i[11], i[10], i[9], i[8], i[2]]),  # 2 is back on the page
            new=frozenset(_keys(11)),
            feed=_keys(10, 11, 9, 8, 7, 6, 5, 4),
        ),
    ]


# -- the world: server, publisher configuration, clients ------------------------------------


@dataclass
class World:
    root: Path
    server: LocalServer
    config: Config
    page: Path
    feeds: Published
    atom_url: str
    rss_url: str
    store_path: Path | str


def scenario_config(root: Path, base: str, *, state: str, output: str) -> Path:
    newsroom = {
        "id": "newsroom", "title": "Scenario Newsroom", "url": f"{base}/newsroom/",
        "home": f"{base}/newsroom/", "timezone": "Europe/Lisbon",
        "author": "Scenario Rights Watch", "max_entries": 8, "retries": 0, "min_delay": 0,
        "select": {**SELECT, "category": ".type::text"},
    }  # fmt: skip
    site = {"base_url": f"{base}/feeds/", "output": output, "state": state}
    return write_config(root, [newsroom], site=site)


FEED_NAMES = ("newsroom.atom", "newsroom.rss", "newsroom.json")


@pytest.fixture(params=["sqlite-folder", "postgres-folder", "sqlite-s3"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """The newsroom page and publisher's feeds on one loopback server; the state and the
    feeds where ``request.param`` says (see the module's docstring)."""
    engine, output = request.param.split("-")
    state = request.getfixturevalue("pg_url") if engine == "postgres" else "state/state.db"
    site = tmp_path / "site"
    site.mkdir()
    page = site / "newsroom.html"
    endpoint = request.getfixturevalue("s3") if output == "s3" else None
    feeds, location, routes = feed_place(tmp_path, "/feeds/", FEED_NAMES, s3_endpoint=endpoint)
    routes["/newsroom/"] = Files(page)
    with serving(LocalServer(routes=routes)) as server:
        config = load_config(scenario_config(tmp_path, server.base, state=state, output=location))
        yield World(
            root=tmp_path,
            server=server,
            config=config,
            page=page,
            feeds=feeds,
            atom_url=server.url("/feeds/newsroom.atom"),
            rss_url=server.url("/feeds/newsroom.rss"),
            store_path=config.site.state,
        )


def run_publisher(world: World, now: datetime) -> RunReport:
    with Store(world.store_path) as store, make_session() as session:
        return run_once(
            world.config.sources, site=world.config.site, session=session, store=store, now=now
        )


def test_feed_clients_see_each_entry_as_new_exactly_once(world: World) -> None:
    reader = make_reader(str(world.root / "reader.sqlite"))
    reader.add_feed(world.atom_url)
    reader.add_feed(world.rss_url)
    r2e = Rss2Email(world.root, {"newsroom-atom": world.atom_url, "newsroom-rss": world.rss_url})
    feed_urls = (world.atom_url, world.rss_url)
    mailed: dict[str, list[str]] = {url: [] for url in feed_urls}
    published_10: dict[str, datetime] = {}
    try:
        for rnd in rounds():
            now = NOW + timedelta(hours=rnd.number)
            before = world.feeds.snapshot()
            if rnd.page is not None:
                world.page.write_text(rnd.page, encoding="utf-8")
            world.server.take_seen(robots=False)

            # -- publisher ------------------------------------------------------------------
            report = run_publisher(world, now).sources[0]
            hits = world.server.take_seen(robots=False)
            page_statuses = [hit.status for hit in hits if hit.path == "/newsroom/"]
            where = f"round {rnd.number}"
            if rnd.fails:
                assert not report.ok, where
                assert LAYOUT_MESSAGE in (report.error or ""), report.error
            else:
                assert report.ok, (where, report.error)
            if rnd.page is None:
                assert page_statuses == [304], (where, page_statuses)
                assert report.not_modified
            else:
                assert page_statuses == [200], (where, page_statuses)
            after = world.feeds.snapshot()
            if rnd.unchanged:
                assert after == before, f"{where}: a file was rewritten"
            else:
                assert set(after) == set(FEED_NAMES)
                assert all(after[name][0] != before.get(name, (b"", ""))[0] for name in after)

            # -- the files themselves -------------------------------------------------------
            atom, rss = after["newsroom.atom"][0], after["newsroom.rss"][0]
            assert_valid(world.feeds.files())  # W3C validator: no error, no warning
            for data in (atom, rss):
                parsed = feedparser.parse(data)
                assert parsed.bozo == 0, (where, parsed.get("bozo_exception"))
            home = world.config.sources[0].home
            atom_ids = check_atom(atom, self_url=world.atom_url, home=home)
            rss_ids = check_rss(rss, self_url=world.rss_url, home=home)
            assert atom_ids == rss_ids, where
            titles = [entry.title for entry in feedparser.parse(atom).entries]
            if rnd.feed:
                assert tuple(title_key(t) for t in titles) == rnd.feed, where
            assert LAYOUT_MESSAGE not in (atom + rss).decode()
            assert b"Service temporarily unavailable" not in atom + rss

            # -- reader: new means unread; modified entries stay read ------------------------
            results = list(reader.update_feeds_iter(scheduled=False))
            assert {result.url for result in results} == set(feed_urls)
            for result in results:
                assert result.error is None, (where, result.url, result.error)
                counted = result.updated_feed.new if result.updated_feed else 0
                assert counted == len(rnd.new), (where, result.url, result.value)
                if rnd.changed:  # the edit reached the reader as a modification
                    assert result.updated_feed is not None
                    assert result.updated_feed.modified >= len(rnd.changed), result.value
            for url in feed_urls:
                unread = [entry for entry in reader.get_entries(feed=url, read=False)]
                assert sorted(title_key(e.title) for e in unread) == sorted(rnd.new), (where, url)
                for entry in unread:
                    reader.mark_entry_as_read(entry)
                every = list(reader.get_entries(feed=url))
                keys = [title_key(entry.title) for entry in every]
                assert len(keys) == len(set(keys)), f"{where}: reader has a duplicate in {url}"
                assert len({entry.id for entry in every}) == len(every)
            if rnd.number == 3:
                for url in feed_urls:
                    (edited,) = [
                        e for e in reader.get_entries(feed=url) if title_key(e.title) == "E3"
                    ]
                    assert edited.read, "the edited entry came back as new"
                    assert "corrected" in (edited.summary or ""), edited.summary
                    (moved,) = [
                        e for e in reader.get_entries(feed=url) if title_key(e.title) == "E4"
                    ]
                    assert moved.link == HTTPS_4.link
                    assert moved.read
                atom_entry = next(
                    e for e in reader.get_entries(feed=world.atom_url) if title_key(e.title) == "E3"
                )
                assert atom_entry.updated == now  # the time the change was seen
                assert atom_entry.published == datetime(2026, 10, 4, 23, 0, tzinfo=UTC)
                link_only = next(
                    e for e in reader.get_entries(feed=world.atom_url) if title_key(e.title) == "E4"
                )
                # a scheme change is not a content change: updated stays the page date
                assert link_only.updated == datetime(2026, 10, 6, 23, 0, tzinfo=UTC)
            for url in feed_urls:  # an undated entry keeps its first-seen date
                for entry in reader.get_entries(feed=url):
                    if title_key(entry.title) == "E10":
                        stamp = entry.published or entry.updated
                        assert stamp is not None
                        assert published_10.setdefault(url, stamp) == stamp, where
                        assert stamp == NOW + timedelta(hours=5)

            # -- rss2email: one mail per new entry --------------------------------------------
            mails = r2e.run()
            for url in feed_urls:
                sent = [title_key(subject) for feed, _, subject in mails if feed == url]
                assert sorted(sent) == sorted(rnd.new), (where, url, sent)
                mailed[url].extend(guid for feed, guid, _ in mails if feed == url)

            # -- publisher's own count agrees with the clients --------------------------------
            if not rnd.fails:
                assert report.new == len(rnd.new), (where, report)
                assert report.changed == len(rnd.changed), (where, report)

            # -- unchanged rounds: the clients were told 304 ----------------------------------
            if rnd.unchanged:
                feed_hits = [
                    hit
                    for hit in world.server.take_seen(robots=False)
                    if hit.path.startswith("/feeds/")
                ]
                assert len(feed_hits) == 4, feed_hits  # reader and rss2email, two feeds each
                assert {hit.status for hit in feed_hits} == {304}, (where, feed_hits)
        every_key = {f"E{n}" for n in range(1, 12)}
        for url in feed_urls:
            assert len(mailed[url]) == len(set(mailed[url])) == len(every_key), url
            assert {title_key(e.title) for e in reader.get_entries(feed=url)} == every_key
    finally:
        reader.close()
