"""Ids are stable for life: link canonicalisation, entry ids and fingerprints.

Parameter tables for the cases the issue names, then Hypothesis properties: the
canonical form is idempotent and never raises; scheme, ``www.``, default ports,
fragments, tracking parameters and parameter order never change an id; the fingerprint
ignores whitespace and tracking parameters but sees real edits.
"""

from __future__ import annotations

import re
import string
from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from publisher.links import TRACKING_PARAMS, canonical_link
from publisher.model import RawEntry, Source
from publisher.normalise import entry_id, fingerprint, normalise_entry

from .support import NOW

BASE = "https://example.org/news/2026/harbour/"

# -- the cases the issue names ----------------------------------------------------------------

SAME_PAGE = [
    "https://example.org/news/2026/harbour/",
    "http://example.org/news/2026/harbour/",
    "HTTPS://EXAMPLE.ORG/news/2026/harbour/",
    "https://www.example.org/news/2026/harbour/",
    "http://WWW.Example.Org:80/news/2026/harbour/",
    "https://example.org:443/news/2026/harbour/",
    "https://example.org./news/2026/harbour/",
    "https://example.org/news/2026/harbour/#comments",
    "https://example.org/news/2026/harbour/?utm_source=x",
    "https://example.org/news/2026/harbour/?utm_source=newsletter&utm_medium=email#top",
    "https://example.org/news/2026/harbour/?UTM_Campaign=autumn",
    "https://example.org/news/2026/harbour/?fbclid=IwAR0abc",
    "https://example.org/news/2026/harbour/?gclid=EAIaIQ",
    "https://example.org/news/2026/harbour/?mc_cid=1a2b&mc_eid=3c4d",
    "https://user:secret@example.org/news/2026/harbour/",
    " https://example.org/news/2026/harbour/ ",
]

DIFFERENT_PAGES = [
    "https://example.org/news/2026/harbour/",
    "https://example.org/news/2026/harbour",  # a trailing slash may be another page
    "https://example.org/News/2026/harbour/",  # paths are case-sensitive
    "https://example.org/news/2026/harbour/?page=2",
    "https://example.org:8080/news/2026/harbour/",
    "https://example.com/news/2026/harbour/",
    "https://news.example.org/news/2026/harbour/",
]


@pytest.mark.parametrize("link", SAME_PAGE)
def test_the_same_page_has_one_canonical_link(link: str) -> None:
    assert canonical_link(link) == "//example.org/news/2026/harbour/"


def test_different_pages_keep_different_canonical_links() -> None:
    canonical = [canonical_link(link) for link in DIFFERENT_PAGES]
    assert len(set(canonical)) == len(DIFFERENT_PAGES), canonical


@pytest.mark.parametrize(
    ("link", "canonical"),
    [
        ("https://example.org/search?b=2&a=1&c=", "//example.org/search?a=1&b=2&c="),
        ("https://example.org/?id=7&utm_source=x&ref=rss", "//example.org/?id=7&ref=rss"),
        ("https://example.org/a?x=1&x=0", "//example.org/a?x=0&x=1"),
        ("https://example.org", "//example.org/"),
        ("https://example.org/caf%c3%a9/%7euser", "//example.org/caf%C3%A9/~user"),
        ("https://example.org/café", "//example.org/caf%C3%A9"),
        ("https://bücher.example/", "//xn--bcher-kva.example/"),
        ("http://[2001:DB8::1]:8080/a", "//[2001:db8::1]:8080/a"),
        ("https://example.org/100%", "//example.org/100%25"),
        ("mailto:press@example.org", "mailto:press@example.org"),
        ("https://exa[mple.org/", "https://exa[mple.org/"),  # unparseable: itself
    ],
)
def test_canonical_link_table(link: str, canonical: str) -> None:
    assert canonical_link(link) == canonical


# -- properties ----------------------------------------------------------------------------------

_label = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8)
hosts = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(_label, min_size=1, max_size=3),
    st.sampled_from(["org", "com", "example", "pt", "de"]),
)
_segment = st.text(string.ascii_letters + string.digits + "-._~%!$&'()*+,;=:@é ", max_size=12)
paths = st.builds(lambda segments: "/" + "/".join(segments), st.lists(_segment, max_size=4))
_name = st.text(string.ascii_lowercase + "_", min_size=1, max_size=8).filter(
    lambda name: not name.startswith("utm_") and name not in TRACKING_PARAMS
)
_value = st.text(string.ascii_letters + string.digits + " -_.~é/?", max_size=8)
params = st.lists(st.tuples(_name, _value), max_size=4)
tracking = st.lists(
    st.tuples(
        st.one_of(
            st.sampled_from(sorted(TRACKING_PARAMS)),
            st.builds(lambda s: "utm_" + s, _name),
            st.sampled_from(["UTM_SOURCE", "Utm_Medium", "FBCLID", "GCLID", "mc_cid", "mc_eid"]),
        ),
        _value,
    ),
    max_size=3,
)


def _query(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(key)}={quote(value, safe='')}" for key, value in pairs)


def _url(scheme: str, host: str, port: str, path: str, pairs: list[tuple[str, str]], frag: str):
    query = _query(pairs)
    return (
        f"{scheme}://{host}{port}{quote(path, safe='/%:@!$&()*+,;=~')}"
        + (f"?{query}" if query else "")
        + (f"#{frag}" if frag else "")
    )


@given(st.text())
@example("https://www.www.example.org/")
@example("mailto:////x")
@example("http://x/%%34%31")
@example("http://ＷＷＷ.example.org/")
@example("//[::1]:8/a")
def test_canonical_link_is_idempotent_and_never_raises(text: str) -> None:
    once = canonical_link(text)
    assert canonical_link(once) == once


@given(
    host=hosts,
    path=paths,
    pairs=params,
    scheme=st.sampled_from(["http", "https", "HTTP", "Https"]),
    www=st.booleans(),
    port=st.sampled_from(["", ":80", ":443"]),
)
def test_canonical_link_is_idempotent_on_urls(host, path, pairs, scheme, www, port) -> None:
    link = _url(scheme, ("www." if www else "") + host, port, path, pairs, "")
    once = canonical_link(link)
    assert canonical_link(once) == once


@given(
    host=hosts,
    path=paths,
    pairs=params,
    noise=tracking,
    data=st.data(),
)
def test_scheme_www_port_fragment_tracking_and_order_never_change_the_id(
    host, path, pairs, noise, data
) -> None:
    plain = _url("https", host, "", path, pairs, "")
    mixed = data.draw(st.permutations(pairs + noise))
    variant = _url(
        data.draw(st.sampled_from(["http", "https", "HTTP"])),
        data.draw(st.sampled_from(["", "www.", "WWW."])) + host.upper(),
        data.draw(st.sampled_from(["", ":80", ":443"])),
        path,
        mixed,
        data.draw(st.text(string.ascii_letters, max_size=6)),
    )
    assert canonical_link(variant) == canonical_link(plain)
    ids = {
        entry_id(source_id="s", link=link, title=title, date_key="2026-11-26")
        for link in (plain, variant)
        for title in ("A title", "Another title")  # the title does not matter with a link
    }
    assert len(ids) == 1


@given(host=hosts, path=paths, pairs=params, extra=st.tuples(_name, _value.filter(bool)))
def test_a_real_parameter_changes_the_id(host, path, pairs, extra) -> None:
    if any(key == extra[0] for key, _ in pairs):
        pairs = [pair for pair in pairs if pair[0] != extra[0]]
    plain = _url("https", host, "", path, pairs, "")
    more = _url("https", host, "", path, [*pairs, extra], "")
    assert entry_id(source_id="s", link=plain, title="t", date_key=None) != entry_id(
        source_id="s", link=more, title="t", date_key=None
    )


def test_ids_are_urns_and_never_depend_on_the_summary_or_clock() -> None:
    made = entry_id(source_id="s", link=BASE, title="t", date_key=None)
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", made)
    assert made == entry_id(source_id="s", link=BASE + "?utm_source=x", title="u", date_key="x")
    linkless = entry_id(source_id="s", link=None, title="Annual Report", date_key="2026-07-07")
    assert linkless == entry_id(
        source_id="s", link=None, title="ANNUAL REPORT", date_key="2026-07-07"
    )
    assert linkless != entry_id(
        source_id="t", link=None, title="Annual Report", date_key="2026-07-07"
    )


# -- fingerprints --------------------------------------------------------------------------------

_words = st.lists(st.text(string.ascii_letters + "éü.,;'-", min_size=1, max_size=8), max_size=8)
_spaces = st.text(" \t\n\r\u00a0\u2003", min_size=1, max_size=3)


def _respace(words: list[str], draw) -> str:
    """The same words with other whitespace between, before and after them."""
    return draw(_spaces) + draw(_spaces).join(words) + draw(_spaces) if words else draw(_spaces)


@given(title=_words, summary=_words, category=_words, data=st.data())
def test_fingerprint_ignores_whitespace(title, summary, category, data) -> None:
    html = "<p>" + " ".join(summary) + "</p>"
    base = fingerprint(
        title=" ".join(title), summary=html, category=" ".join(category) or None, link=BASE
    )
    spaced = fingerprint(
        title=_respace(title, data.draw),
        summary=data.draw(_spaces) + "<p>" + _respace(summary, data.draw) + "</p>\n",
        category=_respace(category, data.draw) if category else None,
        link=BASE,
    )
    assert spaced == base


@given(noise=tracking, scheme=st.sampled_from(["http", "https"]), frag=st.text(max_size=4))
def test_fingerprint_ignores_tracking_parameters_and_scheme(noise, scheme, frag) -> None:
    link = _url(scheme, "www.example.org", "", "/news/2026/harbour/", noise, "")
    if frag:
        link += "#" + quote(frag)
    assert fingerprint(title="t", summary="s", category=None, link=link) == fingerprint(
        title="t", summary="s", category=None, link=BASE
    )


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Court halts evictions"},
        {"summary": "<p>The court ordered a stop, corrected.</p>"},
        {"category": "Statement"},
        {"link": "https://example.org/news/2026/other/"},
    ],
)
def test_fingerprint_sees_real_edits(change: dict[str, str]) -> None:
    fields = {
        "title": "Court halts harbour evictions",
        "summary": "<p>The court ordered a stop.</p>",
        "category": "Press Release",
        "link": BASE,
    }
    assert fingerprint(**fields) != fingerprint(**{**fields, **change})  # type: ignore[arg-type]


# -- through normalise_entry: the shown link is cleaned, the id survives ---------------------


def _source() -> Source:
    return Source(
        id="newsroom",
        url="https://example.org/newsroom/",
        title="Newsroom",
        home="https://example.org/newsroom/",
    )


@pytest.mark.parametrize(
    ("link", "shown"),
    [
        ("http://example.org/news/a/", "http://example.org/news/a/"),
        ("https://example.org/news/a/", "https://example.org/news/a/"),
        ("https://example.org/news/a/?utm_source=x&utm_medium=y", "https://example.org/news/a/"),
        ("https://example.org/news/a/?fbclid=1#top", "https://example.org/news/a/"),
        ("/news/a/?gclid=1", "https://example.org/news/a/"),
    ],
)
def test_the_feed_shows_the_cleaned_link_under_one_id(link: str, shown: str) -> None:
    raw = RawEntry(title="Court halts evictions", link=link, date="2026-10-14", summary="Text")
    entry, warning = normalise_entry(raw, source=_source(), page_url=_source().url, now=NOW)
    assert warning is None
    assert entry is not None
    assert entry.link == shown
    reference, _ = normalise_entry(
        RawEntry(
            title="Court halts evictions", link="https://example.org/news/a/", date="2026-10-14"
        ),
        source=_source(),
        page_url=_source().url,
        now=NOW,
    )
    assert reference is not None
    assert entry.id == reference.id


def test_an_undated_entry_has_no_date_until_the_store_gives_it_one() -> None:
    raw = RawEntry(title="Statement", link="https://example.org/news/s/")
    entry, _ = normalise_entry(raw, source=_source(), page_url=_source().url, now=NOW)
    assert entry is not None
    assert entry.published is None  # first seen is decided once, by plan_merge
