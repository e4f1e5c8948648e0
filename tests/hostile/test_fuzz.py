"""Fuzzing: the config loader, the decoder, the extractors, normalising and the feed reader
raise nothing but PublisherError subclasses, whatever they are given."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.config import parse_config
from publisher.decode import decode
from publisher.errors import PublisherError
from publisher.extract import extract_entries
from publisher.model import Page, RawEntry, Selectors, Source
from publisher.normalise import normalise_entry
from publisher.repair import read_feed

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEAD = (
    "site:\n  base_url: https://feeds.example.org/\n"
    "sources:\n  - id: s\n    url: https://x.org/\n    format: text\n"
)
KEYS = ["max_entries", "max_age_days", "timeout", "min_delay", "retries", "max_bytes", "ttl",
        "user_agent", "title", "every", "jitter", "headers", "timezone",
        "min_entries_ratio"]  # fmt: skip
YAML_VALUES = st.sampled_from(
    [".nan", ".inf", "-.inf", "1e29", "100000000000", "-1", "0", "''", "[]", "{}", "*x", "&a 1",
     "!!binary aGk=", "\"\\r\\n\"", "'\\u0000'", "{connect: .nan}", "2001-01-01", "~",
     "yes",
     "[[[[[[]]]]]]", "\"" + "x" * 500 + "\"", "{total: -1}", "30m", "99999999d"]
)  # fmt: skip


def _safe(call, *args, **kw) -> None:  # type: ignore[no-untyped-def]
    with contextlib.suppress(PublisherError):
        call(*args, **kw)


@FAST
@given(st.text(max_size=400))
def test_any_text_as_the_configuration(text: str) -> None:
    _safe(parse_config, text, path=Path("/srv/sources.yaml"))


@FAST
@given(st.sampled_from(KEYS), YAML_VALUES)
def test_any_value_for_any_key(key: str, value: str) -> None:
    _safe(parse_config, f"{HEAD}    {key}: {value}\n", path=Path("/srv/sources.yaml"))


@FAST
@given(st.binary(max_size=300), st.one_of(st.none(), st.text(max_size=30)))
def test_any_bytes_with_any_charset_decode(data: bytes, charset: str | None) -> None:
    text, _ = decode(data, http_charset=charset)
    assert isinstance(text, str)


HTML = Source(id="s", url="https://x.org/", title="S", home="https://x.org/",
              select=Selectors(item="li", title="a", link="a::attr(href)", date="time",
                               summary="p"))  # fmt: skip
TEXT = Source(id="s", url="https://x.org/", title="S", home="https://x.org/", format="text")


@FAST
@given(st.text(max_size=600), st.sampled_from([HTML, TEXT]))
def test_any_page_through_the_extractors(text: str, source: Source) -> None:
    _safe(extract_entries, Page(url=source.url, text=text), source)


HTML_BITS = st.lists(
    st.sampled_from(["<li>", "</li>", "<a href='javascript:alert(1)'>", "<a href='//x'>", "</a>",
                     "<time>", "2026-13-45", "</time>", "<p>", "<script>x</script>", "\x00",
                     "&#0;", "&bogus;", "\u202e", "<li><a href=/a>t</a></li>", "\r\n"]),
    max_size=40,
)  # fmt: skip


@FAST
@given(HTML_BITS)
def test_hostile_markup_through_the_extractor(bits: list[str]) -> None:
    _safe(extract_entries, Page(url=HTML.url, text="<ul>" + "".join(bits) + "</ul>"), HTML)


@FAST
@given(
    st.text(max_size=200),
    st.one_of(st.none(), st.text(max_size=60)),
    st.one_of(st.none(), st.text(max_size=60)),
    st.one_of(st.none(), st.text(max_size=200)),
)
def test_any_raw_entry_normalises(
    title: str, link: str | None, date: str | None, summary: str | None
) -> None:
    raw = RawEntry(title=title, link=link, date=date, summary=summary, summary_is_html=True)
    entry, _ = normalise_entry(
        raw, source=HTML, page_url=HTML.url, now=datetime(2026, 1, 1, tzinfo=UTC)
    )
    if entry is not None:
        assert "<script" not in entry.summary.lower()
        assert not entry.link.lower().startswith("javascript:")


@FAST
@given(st.binary(max_size=400))
def test_any_bytes_as_a_feed_file(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("feed") / "s.atom"
    path.write_bytes(data)
    _safe(read_feed, path, "s")
