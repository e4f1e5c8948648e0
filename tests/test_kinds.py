"""The feed, json and sitemap formats on real samples (tests/data/kinds, see SOURCE.md),
XML safety (billion laughs, XXE), and their configuration checks."""

from __future__ import annotations

import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from publisher.config import load_config
from publisher.errors import ConfigError, ExtractError
from publisher.extract import extract_entries
from publisher.extract.sitemap import newest_children, parse
from publisher.model import Page, Selectors, Source
from publisher.normalise import normalise_entries

from .support.server import LocalServer, Reply, serving

DATA = Path(__file__).parent / "data" / "kinds"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def source(fmt: str, select: Selectors | None = None, **more: object) -> Source:
    return Source(
        id="up", url="https://up.example/feed", title="Up", home="https://up.example/",
        format=fmt, select=select, **more,  # type: ignore[arg-type]
    )  # fmt: skip


def page(path: Path | str, url: str = "https://up.example/feed") -> Page:
    text = path.read_text(encoding="utf-8") if isinstance(path, Path) else path
    return Page(url=url, text=text)


def entries(src: Source, pg: Page) -> list[tuple[str, str, str | None]]:
    result = normalise_entries(extract_entries(pg, src), source=src, page_url=pg.url, now=NOW)
    return [
        (e.title, e.link, e.published.isoformat() if e.published else None) for e in result.entries
    ]


def test_real_rss_entries_take_link_title_date_and_never_the_guid() -> None:
    src = source("feed")
    found = entries(src, page(DATA / "feed" / "full.rss"))
    assert found[:2] == [
        ("Example entry", "http://www.example.com/blog/post/1", "2009-09-06T16:20:00+00:00"),
        # no link of its own: home, at its title (a text fragment)
        ("Example entry, again", "https://up.example/#:~:text=Example%20entry%2C%20again",
         "2009-09-06T00:00:00+00:00"),
    ]  # fmt: skip
    renumbered = (DATA / "feed" / "full.rss").read_text().replace("7bd204c6", "99999999")
    again = normalise_entries(
        extract_entries(page(renumbered), src), source=src, page_url=src.url, now=NOW
    )
    first = normalise_entries(
        extract_entries(page(DATA / "feed" / "full.rss"), src), source=src, page_url=src.url,
        now=NOW,
    )  # fmt: skip
    assert [e.id for e in again.entries] == [e.id for e in first.entries]


def test_real_atom_and_json_feed() -> None:
    atom = entries(source("feed"), page(DATA / "feed" / "full.atom"))
    assert atom[0] == (
        "Atom-Powered Robots Run Amok",
        "http://example.org/2003/12/13/atom03",
        "2003-12-13T17:17:51+00:00",
    )
    assert len(atom) == 2
    feed = entries(source("feed"), page(DATA / "feed" / "full.json"))
    assert feed == [
        ("Title", "https://example.org/second-item", "2020-01-02T21:00:00+00:00"),
        ("Hello, world!", "https://example.org/initial-post", "2020-01-02T12:00:00+00:00"),
    ]


def test_feed_summaries_are_sanitised() -> None:
    rss = (
        "<rss version='2.0'><channel><title>t</title><item><title>A</title>"
        "<link>https://up.example/a</link><description>&lt;p onclick='x()'&gt;Hi"
        "&lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;</description></item></channel></rss>"
    )
    src = source("feed")
    (entry,) = normalise_entries(
        extract_entries(page(rss), src), source=src, page_url=src.url, now=NOW
    ).entries
    assert entry.summary == "<p>Hi</p>"


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>t</title>
<item><title>&lol9;</title><link>https://up.example/a</link></item></channel></rss>
"""


def xxe(system: str) -> str:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{system}">]>\n'
        '<rss version="2.0"><channel><title>t</title><item><title>&xxe;</title>'
        "<link>https://up.example/a</link></item></channel></rss>"
    )


@pytest.mark.parametrize("fmt", ["feed", "sitemap"])
def test_billion_laughs_fails_cleanly_and_quickly(fmt: str) -> None:
    text = BILLION_LAUGHS
    if fmt == "sitemap":
        text = text.replace("<rss", "<urlset").replace("</rss>", "</urlset>")
    start = time.perf_counter()
    with pytest.raises(ExtractError, match=r"refused: .*declares XML entities"):
        extract_entries(page(text), source(fmt))
    assert time.perf_counter() - start < 1.0


def test_xxe_to_a_local_file_fails_without_reading_it(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    with pytest.raises(ExtractError, match="refused") as info:
        extract_entries(page(xxe(secret.as_uri())), source("feed"))
    assert "TOP-SECRET" not in str(info.value)


@pytest.mark.slow
def test_xxe_to_a_loopback_url_sends_no_request() -> None:
    with serving(LocalServer(routes={"/evil.dtd": Reply(body=b"SECRET")})) as server:
        url = server.url("/evil.dtd")
        for fmt in ("feed", "sitemap"):
            text = xxe(url)
            if fmt == "sitemap":
                text = text.replace("<rss", "<urlset").replace("</rss>", "</urlset>")
            start = time.perf_counter()
            with pytest.raises(ExtractError, match="refused"):
                extract_entries(page(text), source(fmt))
            assert time.perf_counter() - start < 1.0
        external_dtd = (
            f'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "{url}">\n<rss version="2.0">'
            "<channel><title>t</title><item><title>A</title><link>https://up.example/a</link>"
            "</item></channel></rss>"
        )
        assert entries(source("feed"), page(external_dtd))[0][0] == "A"  # the DTD is not fetched
        assert server.paths() == []


RELEASES = Selectors(
    item="[?method=='get'].response",
    title="name",
    link="html_url || browser_download_url",
    date="published_at || created_at",
    summary="body",
)


def test_real_json_api_with_jmespath() -> None:
    found = entries(source("json", RELEASES), page(DATA / "json" / "release-assets.json"))
    assert found == [
        (
            "Version 1.0.0",
            "https://github.com/octokit-fixture-org/release-assets/releases/tag/v1.0.0",
            "2017-10-10T16:00:00+00:00",
        ),
        (
            "test-upload.txt",
            "https://github.com/octokit-fixture-org/release-assets/releases/download/v1.0.0/"
            "test-upload.txt",
            "2017-10-10T16:00:00+00:00",
        ),
    ]


def test_json_numbers_are_epoch_dates_and_a_missing_list_is_a_clear_error() -> None:
    src = source("json", Selectors(item="hits[]", date="created_at_i"))
    text = '{"hits": [{"title": "A", "url": "https://up.example/a", "created_at_i": 1593888188}]}'
    assert entries(src, page(text)) == [("A", "https://up.example/a", "2020-07-04T18:43:08+00:00")]
    with pytest.raises(ExtractError, match="found no list of entries"):
        extract_entries(page('{"error": "down"}'), src)
    with pytest.raises(ExtractError, match="not valid JSON"):
        extract_entries(page("<html>"), src)


def test_real_news_sitemap_newest_first_with_news_titles() -> None:
    src = source("sitemap", max_entries=2)
    raws = extract_entries(page(DATA / "sitemap" / "alltags.xml"), src)
    assert [(r.link, r.date) for r in raws] == [
        ("https://roosterteeth.com/episode/let-s-watch-2018-house-party-part-2",
         "2016-09-12T00:00:00.000Z"),
        ("http://example.com/2&%3E%3C'%22", "2011-06-27T00:00:00.000Z"),
    ]  # fmt: skip
    everything = extract_entries(page(DATA / "sitemap" / "alltags.xml"), source("sitemap"))
    news = [r for r in everything if r.title]
    assert [(r.title, r.date) for r in news] == [
        ("Companies A, B in Merger Talks&><'\"", "2008-12-23")
    ]
    index = parse((DATA / "sitemap" / "alltags-index.xml").read_text(), where="x")
    assert newest_children(index, 1) == ["https://www.example.com/sitemap2.xml.gz"]
    with pytest.raises(ExtractError, match="lists no URLs"):
        extract_entries(page(DATA / "sitemap" / "alltags-index.xml"), source("sitemap"))


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sources.yaml"
    text = "site:\n  base_url: https://feeds.example.org/\nsources:\n" + textwrap.indent(
        textwrap.dedent(body), "  "
    )
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("- id: a\n  url: https://x.example/\n  format: json\n  select: {item: 'data.[['}\n",
         r"'item' is not a valid JMESPath expression 'data.\[\['"),
        ("- id: a\n  url: https://x.example/\n  format: json\n",
         "a json source needs 'select'.*JMESPath"),
        ("- id: a\n  url: https://x.example/\n  format: feed\n  select: {item: x}\n",
         "'select' does not apply to format: feed"),
        ("- id: a\n  url: https://x.example/\n  render: firefox\n  select: {item: x}\n",
         "'render' can only be 'browser'"),
        ("- id: a\n  url: https://x.example/\n  pages: 0\n  select: {item: x}\n",
         "'pages' must be greater than 0"),
        ("- id: a\n  url: https://x.example/\n  select: {item: x, next: 'a[[['}\n",
         "'next' selector 'a\\[\\[\\[' is not valid"),
    ],
)  # fmt: skip
def test_kind_configuration_errors(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, body))


def test_jmespath_is_checked_for_json_only(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            "- id: a\n  url: https://x.example/\n  format: json\n  pages: 3\n"
            "  select: {item: 'data.articles[]', title: headline, next: 'links.next'}\n",
        )
    )
    (only,) = config.sources
    assert only.select is not None
    assert only.select.item == "data.articles[]"
    assert only.pages == 3


def test_render_browser_without_chromium_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from publisher import browser
    from publisher.errors import FetchError

    monkeypatch.setenv("PUBLISHER_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(FetchError, match="no Chromium found: install it"):
        browser.Browser()
