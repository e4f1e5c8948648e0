"""The proof of issue 16: every kind of source, over rounds, read by real feed clients.

For each kind (an RSS 2.0, Atom and JSON Feed upstream, a JSON API, a news sitemap index,
an html list over several pages, a page that builds its list with JavaScript) the
upstream served on 127.0.0.1 changes over five rounds: 1 three entries; 2 two new (one
undated) and, for feeds, every guid renumbered; 3 an entry edited; 4 an error (the
document has no entries: the source fails, the feeds stay as they were); 5 one new.
reader must show exactly the new entries as unread, an edit as modified, rss2email must
mail each new entry once, feedparser must read both files with bozo == 0.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import feedparser
import pytest
from reader import make_reader

from publisher.browser import chromium_path
from publisher.config import load_config
from publisher.fetch import make_session
from publisher.pipeline import run_once
from publisher.store import Store

from .support import NOW
from .support.clients import Rss2Email, check_atom, check_rss, title_key
from .support.server import Files, LocalServer, Seen, serving

pytestmark = pytest.mark.slow


@dataclass(frozen=True, slots=True, kw_only=True)
class Doc:
    n: int
    title: str
    date: str | None
    summary: str


def doc(n: int, date: str | None = "2026-10-0{n}T09:00:00+00:00") -> Doc:
    return Doc(
        n=n,
        title=f"Entry {n}: statement number {n}",
        date=date.format(n=n) if date else None,
        summary=f"Summary of entry {n}.",
    )


D = {n: doc(n) for n in (1, 2, 3, 4, 6)} | {5: doc(5, None)}
EDITED_4 = replace(D[4], title="Entry 4: statement number 4, corrected", summary="Corrected.")
ROUNDS: list[tuple[list[Doc] | None, set[int], set[int]]] = [  # docs (None: error), new, edited
    ([D[3], D[2], D[1]], {1, 2, 3}, set()),
    ([D[5], D[4], D[3], D[2], D[1]], {4, 5}, set()),
    ([D[5], EDITED_4, D[3], D[2], D[1]], set(), {4}),
    (None, set(), set()),
    ([D[6], D[5], EDITED_4, D[3], D[2], D[1]], {6}, set()),
]


def link(base: str, item: Doc) -> str:
    return f"{base}/site/e{item.n}.html"


def rss(base: str, docs: list[Doc], rnd: int) -> dict[str, str]:
    items = "".join(
        f"<item><title>{d.title}</title><link>{link(base, d)}</link>"
        f"<guid isPermaLink='false'>round-{rnd}-{d.n}</guid>"  # renumbered every round
        + (
            f"<pubDate>{format_datetime(datetime.fromisoformat(d.date))}</pubDate>"
            if d.date
            else ""
        )
        + f"<description>{d.summary}</description></item>"
        for d in docs
    )
    return {"feed.xml": f"<?xml version='1.0'?><rss version='2.0'><channel><title>Up</title>"
            f"<link>{base}/</link><description>x</description>{items}</channel></rss>"}  # fmt: skip


def atom(base: str, docs: list[Doc], rnd: int) -> dict[str, str]:
    entries = "".join(
        f"<entry><title>{d.title}</title><link href='{link(base, d)}'/>"
        f"<id>urn:round:{rnd}:{d.n}</id><updated>{d.date or '2026-11-01T00:00:00Z'}</updated>"
        + (f"<published>{d.date}</published>" if d.date else "")
        + f"<summary>{d.summary}</summary></entry>"
        for d in docs
    )
    return {"feed.xml": "<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<title>Up</title><id>urn:up</id><updated>2026-11-01T00:00:00Z</updated>"
            f"{entries}</feed>"}  # fmt: skip


def json_feed(base: str, docs: list[Doc], rnd: int) -> dict[str, str]:
    items = [
        {"id": f"{rnd}-{d.n}", "title": d.title, "url": link(base, d), "content_text": d.summary}
        | ({"date_published": d.date} if d.date else {})
        for d in docs
    ]
    return {"feed.json": json.dumps({"version": "https://jsonfeed.org/version/1.1",
                                     "title": "Up", "items": items})}  # fmt: skip


def api(base: str, docs: list[Doc], rnd: int) -> dict[str, str]:
    articles = [
        {"headline": d.title, "url": link(base, d), "published_at": d.date, "teaser": d.summary}
        for d in docs
    ]
    return {"api.json": json.dumps({"data": {"articles": articles}})}


def sitemap(base: str, docs: list[Doc], rnd: int) -> dict[str, str]:
    urls = ""
    for d in docs:  # even entries carry news:title; the others are titled from their page
        news = (
            f"<news:news><news:publication><news:name>Up</news:name><news:language>en"
            f"</news:language></news:publication><news:publication_date>{d.date}"
            f"</news:publication_date><news:title>{d.title}</news:title></news:news>"
            if d.n % 2 == 0
            else ""
        )
        lastmod = f"<lastmod>{d.date}</lastmod>" if d.date and not news else ""
        urls += f"<url><loc>{link(base, d)}</loc>{lastmod}{news}</url>"
    ns = "xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'"
    return {
        "index.xml": f"<?xml version='1.0'?><sitemapindex {ns}><sitemap><loc>{base}/site/"
        "news-1.xml</loc></sitemap></sitemapindex>",
        "news-1.xml": f"<?xml version='1.0'?><urlset {ns} "
        f"xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>{urls}</urlset>",
    }


def articles_html(docs: list[Doc]) -> str:
    return "".join(
        f"<article><h3><a href='e{d.n}.html'>{d.title}</a></h3>"
        + (f"<time datetime='{d.date}'>{d.date}</time>" if d.date else "")
        + f"<p>{d.summary}</p></article>"
        for d in docs
    )


def paged(base: str, docs: list[Doc], rnd: int) -> dict[str, str]:
    pages = [docs[i : i + 2] for i in range(0, len(docs), 2)]
    files = {}
    for number, part in enumerate(pages, start=1):
        after = f"<link rel='next' href='list{number + 1}.html'>" if number < len(pages) else ""
        files[f"list{number}.html"] = (
            f"<html><head>{after}</head><body>{articles_html(part)}</body></html>"
        )
    return files


def browser(base: str, docs: list[Doc], rnd: int) -> dict[str, str]:
    script = """
      fetch('data.json').then(r => r.json()).then(items => {
        const main = document.querySelector('main');
        for (const it of items) {
          const a = document.createElement('article');
          a.innerHTML = `<h3><a href="${it.link}">${it.title}</a></h3>` +
            (it.date ? `<time datetime="${it.date}">${it.date}</time>` : '') +
            `<p>${it.summary}</p>`;
          main.appendChild(a);
        }
      });"""
    data = [
        {"title": d.title, "link": f"e{d.n}.html", "date": d.date, "summary": d.summary}
        for d in docs
    ]
    return {
        "app.html": f"<html><body><main></main><script>{script}</script></body></html>",
        "data.json": json.dumps(data),
    }


ERRORS = {
    "feed.xml": "<html><body>503: back soon</body></html>",
    "feed.json": '{"error": "maintenance"}',
    "api.json": '{"error": "maintenance"}',
    "news-1.xml": "<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'/>",
    "list1.html": "<html><body>503: back soon</body></html>",
    "data.json": "[]",
}

SELECT_HTML = """
                select:
                  item: "article"
                  title: "h3 a::text"
                  link: "h3 a::attr(href)"
                  date: "time::attr(datetime)"
                  summary: "p"
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Kind:
    name: str
    render: Callable[[str, list[Doc], int], dict[str, str]]
    url: str
    yaml: str  # the source's own keys


KINDS = [
    Kind(name="rss", render=rss, url="feed.xml", yaml="format: feed"),
    Kind(name="atom", render=atom, url="feed.xml", yaml="format: feed"),
    Kind(name="jsonfeed", render=json_feed, url="feed.json", yaml="format: feed"),
    Kind(name="json", render=api, url="api.json", yaml="""format: json
                select:
                  item: "data.articles[]"
                  title: headline
                  link: url
                  date: published_at
                  summary: teaser"""),
    Kind(name="sitemap", render=sitemap, url="index.xml", yaml="format: sitemap"),
    Kind(name="paged", render=paged, url="list1.html", yaml="pages: 3" + SELECT_HTML),
    Kind(name="browser", render=browser, url="app.html",
         yaml="render: browser\n                timeout: 2" + SELECT_HTML),
]  # fmt: skip


def _write(site: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (site / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("kind", KINDS, ids=[kind.name for kind in KINDS])
def test_each_kind_shows_each_entry_as_new_once(kind: Kind, tmp_path: Path) -> None:
    if kind.name == "browser" and chromium_path() is None:
        pytest.skip("no Chromium on this machine (.ci/run installs it)")
    site, feeds = tmp_path / "site", tmp_path / "feeds"
    site.mkdir()
    feeds.mkdir()
    routes = {"/site/": Files(site), "/feeds/": Files(feeds)}
    with serving(LocalServer(routes=routes)) as server:  # type: ignore[arg-type]
        base = server.base
        for d in [*D.values(), EDITED_4]:  # the article pages a sitemap's titles come from
            page = f"<html><head><meta property='og:title' content='{d.title}'></head></html>"
            (site / f"e{d.n}.html").write_text(page, encoding="utf-8")
        config_path = tmp_path / "sources.yaml"
        config_path.write_text(textwrap.dedent(f"""\
            site:
              base_url: {base}/feeds/
              allow_private: true
              output: feeds
              state: state.db
            sources:
              - id: up
                url: {base}/site/{kind.url}
                retries: 0
                min_delay: 0
                {kind.yaml}
            """), encoding="utf-8")  # fmt: skip
        config = load_config(config_path)
        atom_url, rss_url = server.url("/feeds/up.atom"), server.url("/feeds/up.rss")
        reader = make_reader(str(tmp_path / "reader.sqlite"))
        reader.add_feed(atom_url)
        reader.add_feed(rss_url)
        r2e = Rss2Email(tmp_path, {"atom": atom_url, "rss": rss_url})
        mailed: list[str] = []
        first_seen_5: set[datetime] = set()
        try:
            for number, (docs, new, edited) in enumerate(ROUNDS, start=1):
                where = f"{kind.name} round {number}"
                rendered = kind.render(base, docs or [], number)
                if docs is None:
                    names = kind.render(base, [D[1]], number)
                    _write(site, {n: t for n, t in ERRORS.items() if n in names})
                else:
                    _write(site, rendered)
                before = {p.name: p.read_bytes() for p in feeds.iterdir()}
                server.take_seen(robots=False)
                with Store(config.site.state) as store, make_session() as session:
                    now = NOW + timedelta(hours=number)
                    (report,) = run_once(
                        config.sources, site=config.site, session=session, store=store, now=now
                    ).sources
                hits = server.take_seen(robots=False)
                if docs is None:
                    assert not report.ok, where
                    assert "layout may have changed" in (report.error or ""), report.error
                    assert {p.name: p.read_bytes() for p in feeds.iterdir()} == before, where
                else:
                    assert report.ok, (where, report.error)
                    assert report.new == len(new), (where, report)
                    assert report.changed == len(edited), (where, report)
                _check_requests(kind, number, hits, where)

                data = {name: (feeds / f"up.{name}").read_bytes() for name in ("atom", "rss")}
                for blob in data.values():
                    assert feedparser.parse(blob).bozo == 0, where
                ids = check_atom(data["atom"], self_url=atom_url, home=config.sources[0].home)
                assert ids == check_rss(data["rss"], self_url=rss_url, home=config.sources[0].home)

                results = list(reader.update_feeds_iter(scheduled=False))
                for result in results:
                    assert result.error is None, (where, result.error)
                    counted = result.updated_feed.new if result.updated_feed else 0
                    assert counted == len(new), (where, result.url)
                    if edited:
                        assert result.updated_feed is not None
                        assert result.updated_feed.modified >= 1, where
                for url in (atom_url, rss_url):
                    unread = list(reader.get_entries(feed=url, read=False))
                    assert sorted(title_key(e.title) for e in unread) == sorted(
                        f"E{n}" for n in new
                    ), (where, url)
                    for entry in unread:
                        reader.mark_entry_as_read(entry)
                    every = list(reader.get_entries(feed=url))
                    assert len({title_key(e.title) for e in every}) == len(every), where
                    first_seen_5.update(
                        e.published or e.updated  # type: ignore[misc]
                        for e in every
                        if title_key(e.title) == "E5"
                    )
                mails = r2e.run()
                for feed_name in (atom_url, rss_url):
                    sent = [title_key(s) for f, _, s in mails if f == feed_name]
                    assert sorted(sent) == sorted(f"E{n}" for n in new), (where, sent)
                mailed.extend(guid for _, guid, _ in mails)
            assert len(mailed) == 2 * len(set(mailed)) == 2 * 6  # once per feed file
            if kind.name != "atom":  # an Atom entry always has <updated>
                assert first_seen_5 == {NOW + timedelta(hours=2)}  # undated: first seen, once
        finally:
            reader.close()


def _check_requests(kind: Kind, number: int, hits: list[Seen], where: str) -> None:
    paths = [hit.path.rsplit("/", 1)[-1] for hit in hits if hit.path.startswith("/site/")]
    if kind.name == "paged":
        two = ["list1.html", "list2.html"]
        expected = {1: two, 2: two, 3: ["list1.html"], 4: ["list1.html"], 5: two}
        assert paths == expected[number], (where, paths)  # stops at a page of known entries
    if kind.name == "sitemap":  # each untitled URL's page is read once, when it is new
        titled = {1: ["e3.html", "e1.html"], 2: ["e5.html"]}.get(number, [])
        assert paths == ["index.xml", "news-1.xml", *titled], (where, paths)
    if kind.name == "browser" and number == 1:
        agents = {hit.headers.get("user-agent") for hit in hits if hit.path.endswith("app.html")}
        assert len(agents) == 1
        assert next(iter(agents)).startswith("publisher/"), agents
