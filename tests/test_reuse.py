"""An entry seen again exactly as it was is taken from the store, not normalised again.

The key is a digest of the raw entry and of every setting normalisation reads; what is
reused must be what normalisation would give (checked on the 18 real pages and the
seed), anything that changes the key must normalise again, and a page that gained one
entry must normalise only that one.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

import publisher.normalise
from publisher.config import load_config
from publisher.decode import decode
from publisher.extract import extract_entries, link_base
from publisher.fetch import make_session
from publisher.model import Entry, Page, RawEntry, Selectors, Source, StoredEntry
from publisher.normalise import normalise_entries, raw_keys
from publisher.pipeline import run_once
from publisher.store import Store

from .support import NOW, REALWORLD
from .support.server import Reply

PAGES = sorted((REALWORLD / "pages").glob("*.json")) if REALWORLD.exists() else []


def _stored(entry: Entry) -> StoredEntry:
    """What the store keeps of ``entry``, as a first run would have left it."""
    published = entry.published or NOW
    return StoredEntry(
        source="s", id=entry.id, title=entry.title, link=entry.link, summary=entry.summary,
        category=entry.category, published=published, updated=published, first_seen=NOW,
        last_seen=NOW, fingerprint=entry.fingerprint, seq=1, image=entry.image,
        raw_key=entry.raw_key,
    )  # fmt: skip


def _real_pages() -> list[tuple[Source, Page, tuple[RawEntry, ...]]]:
    cases = []
    for path in PAGES:
        truth = json.loads(path.read_text(encoding="utf-8"))
        selectors = truth["selectors"]
        if not selectors.get("title"):
            continue
        source = Source(
            id=truth["id"], url=truth["page_url"], home=truth["page_url"], title=truth["id"],
            select=Selectors(
                item=selectors["item"], title=selectors["title"], link=selectors.get("link"),
                date=selectors.get("date"), date_regex=selectors.get("date_regex"),
                date_format=selectors.get("date_format"),
            ),
        )  # fmt: skip
        text, _ = decode(path.with_suffix(".html").read_bytes())
        page = Page(url=truth["page_url"], text=text)
        cases.append((source, page, extract_entries(page, source)))
    return cases


@pytest.mark.skipif(not PAGES, reason=f"{REALWORLD} is not there (../shared is missing)")
def test_reused_entries_are_what_normalising_gives_on_real_pages():
    cases = _real_pages()
    assert len(cases) == 17
    for source, page, raws in cases:
        base = link_base(page, source)
        fresh = normalise_entries(raws, source=source, page_url=base, now=NOW)
        known = {entry.raw_key: _stored(entry) for entry in fresh.entries}
        again = normalise_entries(raws, source=source, page_url=base, now=NOW, known=known)
        # every entry is found (raw entries that collapse into another's id are not kept)
        assert again.reused >= len(fresh.entries), source.id
        assert [replace(e, published=None) for e in again.entries] == [
            replace(e, published=None) for e in fresh.entries
        ], source.id
        assert all(entry.raw_key for entry in again.entries)


def test_the_seed_page_is_reused_whole(seed_text):
    source = Source(id="amnesty", url="https://www.amnestyusa.org/countries/north-korea/",
                    home="https://www.amnestyusa.org/countries/north-korea/", title="A",
                    format="text")  # fmt: skip
    page = Page(url=source.url, text=seed_text)
    raws = extract_entries(page, source)
    fresh = normalise_entries(raws, source=source, page_url=source.url, now=NOW)
    known = {entry.raw_key: _stored(entry) for entry in fresh.entries}
    again = normalise_entries(raws, source=source, page_url=source.url, now=NOW, known=known)
    assert (len(fresh.entries), again.reused) == (10, 10)
    assert [e.id for e in again.entries] == [e.id for e in fresh.entries]


BASE = Source(
    id="s", url="https://news.example.org/", home="https://news.example.org/", title="S",
    select=Selectors(item="li", title="a"),
)  # fmt: skip
RAW = RawEntry(title="Report on water", link="/r/1", date="3 March 2026", summary="<p>x</p>",
               summary_is_html=True, category="Report")  # fmt: skip


@pytest.mark.parametrize(
    "change",
    [
        lambda s, u, r: (replace(s, home="https://other.example.org/"), u, r),
        lambda s, u, r: (replace(s, id="t"), u, r),
        lambda s, u, r: (replace(s, timezone="Asia/Tokyo"), u, r),
        lambda s, u, r: (replace(s, dayfirst=True), u, r),
        lambda s, u, r: (replace(s, select=replace(s.select, date_format="%d %B %Y")), u, r),
        lambda s, u, r: (s, "https://news.example.org/page/2/", r),
        lambda s, u, r: (s, u, replace(r, title="Report on water!")),
        lambda s, u, r: (s, u, replace(r, link="/r/2")),
        lambda s, u, r: (s, u, replace(r, date="4 March 2026")),
        lambda s, u, r: (s, u, replace(r, summary="<p>y</p>")),
        lambda s, u, r: (s, u, replace(r, summary_is_html=False)),
        lambda s, u, r: (s, u, replace(r, category="News")),
        lambda s, u, r: (s, u, replace(r, image="/i.png")),
    ],
    ids=[
        "home",
        "id",
        "timezone",
        "dayfirst",
        "date_format",
        "page_url",
        "title",
        "link",
        "date",
        "summary",
        "summary_kind",
        "category",
        "image",
    ],
)
def test_anything_normalising_reads_changes_the_key(change):
    (key,) = raw_keys([RAW], source=BASE, page_url=BASE.url)
    source, url, raw = change(BASE, BASE.url, RAW)
    assert raw_keys([raw], source=source, page_url=url) != [key]


@pytest.mark.slow
def test_a_page_that_gained_one_entry_normalises_only_that_one(tmp_path, serve, monkeypatch):
    def page(*titles: str) -> bytes:
        days = {"a": 14, "b": 13, "c": 12, "d": 11}
        items = "".join(
            f'<li><a href="/n/{t}">{t}</a> <time>2026-11-{days[t]}</time></li>' for t in titles
        )
        return f"<ul>{items}</ul>".encode()

    versions = [page("b", "c", "d"), page("a", "b", "c", "d")]
    server = serve({"/news": lambda path, headers: Reply(body=versions[0])})
    (tmp_path / "sources.yaml").write_text(
        "site: {base_url: 'https://feeds.example.org/', output: feeds, state: state.db,"
        " allow_private: true}\n"
        "sources:\n"
        f"  - id: news\n    url: {server.url('/news')}\n    min_delay: 0\n"
        "    select: {item: li, title: 'a::text', link: 'a::attr(href)', date: 'time::text'}\n",
        encoding="utf-8",
    )
    config = load_config(tmp_path / "sources.yaml")
    calls: list[str] = []
    normalise_entry = publisher.normalise.normalise_entry

    def counting(raw: RawEntry, **kw: object):  # type: ignore[no-untyped-def]
        calls.append(raw.title)
        return normalise_entry(raw, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(publisher.normalise, "normalise_entry", counting)
    with Store(config.site.state) as store, make_session() as session:
        first = run_once(config.sources, site=config.site, session=session, store=store, now=NOW)
        assert calls == ["b", "c", "d"] and first.sources[0].new == 3
        versions.pop(0)
        calls.clear()
        later = NOW + timedelta(hours=1)
        second = run_once(config.sources, site=config.site, session=session, store=store,
                          now=later)  # fmt: skip
        assert calls == ["a"]  # b, c and d come from the store
        report = second.sources[0]
        assert (report.found, report.new, report.changed) == (4, 1, 0)
        assert [e.title for e in store.feed_entries("news", limit=10)] == ["a", "b", "c", "d"]
        assert all(e.raw_key for e in store.entries("news").values())


def test_a_new_release_or_normalise_version_changes_every_key(monkeypatch):
    (key,) = raw_keys([RAW], source=BASE, page_url=BASE.url)
    monkeypatch.setattr(publisher.normalise, "__version__", "99.0")
    (release,) = raw_keys([RAW], source=BASE, page_url=BASE.url)
    monkeypatch.setattr(publisher.normalise, "NORMALISE_VERSION", 99)
    (bumped,) = raw_keys([RAW], source=BASE, page_url=BASE.url)
    assert len({key, release, bumped}) == 3
