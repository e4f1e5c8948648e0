"""The fast paths of issue 6 give exactly what the slow, obvious code gave.

Dates read without dateutil must equal dateutil's reading; selectors run as compiled XPath
must give what parsel's Selector objects gave; entry ids must equal ``uuid.uuid5``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

import pytest
from dateutil import parser as dateutil_parser
from hypothesis import given, settings
from hypothesis import strategies as st
from parsel import Selector

from publisher import dates
from publisher.config import Selectors, is_xpath
from publisher.extract.html import extract_html
from publisher.model import RawEntry
from publisher.normalise import _uuid5

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
ZONES = (ZoneInfo("UTC"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo"))
MONTHS = ("Jan", "January", "feb.", "Sept", "SEPTEMBER", "Dec", "Mai", "June", "Jun.")


def _slow_free(text: str, *, tz: tzinfo, now: datetime, dayfirst: bool) -> datetime:
    """The date reading before issue 6: always two dateutil parses."""
    try:
        first = dateutil_parser.parse(
            text, default=dates._DEFAULT_A, tzinfos=dates.TZINFOS, dayfirst=dayfirst
        )
        second = dateutil_parser.parse(
            text, default=dates._DEFAULT_B, tzinfos=dates.TZINFOS, dayfirst=dayfirst
        )
    except (ValueError, OverflowError) as exc:
        raise dates.DateError(text) from exc
    if first.year == second.year:
        return first
    local_now = now.astimezone(tz)
    for year in (local_now.year, local_now.year - 1):
        try:
            candidate = first.replace(year=year)
        except ValueError:
            continue
        aware = candidate if candidate.tzinfo else candidate.replace(tzinfo=tz)
        if aware <= local_now:
            return candidate
    return first.replace(year=local_now.year - 1, day=min(first.day, 28))


def _read(text: str, tz: tzinfo, dayfirst: bool, *, slow: bool) -> datetime | str:
    original = dates._parse_free
    if slow:
        dates._parse_free = _slow_free  # type: ignore[assignment]
    try:
        return dates.parse_date(text, tz=tz, now=NOW, dayfirst=dayfirst)
    except dates.DateError:
        return "error"
    finally:
        dates._parse_free = original


def _same(text: str) -> None:
    for tz in ZONES:
        for dayfirst in (False, True):
            fast = _read(text, tz, dayfirst, slow=False)
            assert fast == _read(text, tz, dayfirst, slow=True), (text, tz, dayfirst)


@pytest.mark.parametrize(
    "text",
    [
        "2026-10-14", "2026-10-04", "2026-10-14T09:30:00+01:00", "2026-10-14T09:30:00Z",
        "2026-10-14 09:30", "2026-10-14T09:30:00.123+02:00", "2026-13-01", "2026-02-30",
        "2000-05-05", "May 5, 2000", "May 5", "Feb 29", "October 14, 2026", "14 Oct 2026",
        "2026-10-14T24:00:00", "12/11/2026", "20261014", "Nov 26 11:00 EST", "Dec 31",
    ],
)  # fmt: skip
def test_dates_table(text: str):
    _same(text)


@settings(max_examples=300, deadline=None)
@given(
    day=st.integers(0, 32),
    month=st.sampled_from(MONTHS),
    year=st.integers(1990, 2100),
    form=st.sampled_from(["{m} {d}, {y}", "{m} {d} {y}", "{d} {m} {y}", "{m}. {d}, {y}"]),
)
def test_named_month_dates(day: int, month: str, year: int, form: str):
    _same(form.format(m=month, d=day, y=year))


@settings(max_examples=300, deadline=None)
@given(
    when=st.datetimes(datetime(1990, 1, 1), datetime(2030, 12, 31)),
    form=st.sampled_from(["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]),
    zone=st.sampled_from(["", "Z", "+05:30", "-03:00"]),
)
def test_iso_dates(when: datetime, form: str, zone: str):
    _same(when.strftime(form) + zone)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_entry_ids_equal_uuid5(name: str):
    try:
        expected = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            _uuid5(name)
        return
    assert _uuid5(name) == expected


# -- selectors: compiled XPath versus parsel's Selector objects ---------------------------

PAGE = """<html><head><title>t</title></head><body>
<article class="news-item"><time datetime="2026-10-14">October 14, 2026</time>
  <span class="type">Press Release</span> <span class="type">Report</span>
  <h3><a href="/a/?utm_source=x">First <em>title</em></a></h3>
  <p class="summary">Summary <strong>one</strong> &amp; more.</p><p class="summary">Two</p>
  <!-- a comment --></article>
<article class="news-item"><h3><a href="https://example.org/b">Second</a></h3>
  <p class="summary"></p></article>
<article class="news-item"><a href="/only-link">Item text only</a></article>
</body></html>"""

SELECTORS = [
    Selectors(
        item="article.news-item", title="h3 a::text", link="h3 a::attr(href)",
        date="time::attr(datetime)", summary="p.summary", category=".type::text",
    ),
    Selectors(item="article", title="h3 a", date="time::text", summary="p.summary::text"),
    Selectors(item="//article", title="./h3//text()", link="./h3/a/@href", summary="./p"),
    Selectors(item="article", title="(count(.//a))", summary="(string(./p))", category="./@x"),
    Selectors(item="//article/h3/a/@href", title="./text()"),
    Selectors(item="article", title="h3", summary="./node()"),  # a comment: both fail alike
    Selectors(item="article", title="h3", summary="./h3/node()"),
    Selectors(item="article", title="(set:distinct(.//a/text()))", date="(re:test(., 'x'))"),
]  # fmt: skip


def _parsel_extract(text: str, select: Selectors) -> tuple[RawEntry, ...]:
    """The extraction before issue 6: a parsel Selector around every node."""

    def find(node: Selector, selector: str):  # type: ignore[no-untyped-def]
        return node.xpath(selector) if is_xpath(selector) else node.css(selector)

    def string(node: Selector) -> str:
        if isinstance(node.root, str):
            return str(node.get())
        return str(node.xpath("string()").get() or "")

    def first(item: Selector, selector: str) -> str | None:
        for node in find(item, selector):
            value = string(node).strip()
            if value:
                return value
        return None

    entries = []
    for item in find(Selector(text=text, base_url="https://x.example/"), select.item):
        summary, is_html = None, False
        if select.summary:
            nodes = find(item, select.summary)
            if nodes and all(not isinstance(node.root, str) for node in nodes):
                summary, is_html = "".join(str(node.get()) for node in nodes), True
            elif nodes:
                summary = " ".join(string(node) for node in nodes)
        category = (
            " ".join(string(n) for n in find(item, select.category)) if select.category else None
        )
        entries.append(
            RawEntry(
                title=(
                    " ".join(string(n) for n in find(item, select.title))
                    if select.title
                    else string(item)
                ),
                link=first(item, select.link or "(./@href | .//a/@href)"),
                date=first(item, select.date) if select.date else None,
                summary=summary,
                summary_is_html=is_html,
                category=category or None,
            )
        )
    return tuple(entries)


@pytest.mark.parametrize("page", [PAGE, '<?xml version="1.0"?>\n' + PAGE], ids=["html", "xml"])
@pytest.mark.parametrize("select", SELECTORS, ids=lambda s: s.item + " " + str(s.title))
def test_selectors_give_what_parsel_gave(select: Selectors, page: str):
    def outcome(extract):  # type: ignore[no-untyped-def]
        try:
            return extract()
        except Exception as exc:  # the same failure counts as the same result
            return type(exc).__name__

    expected = outcome(lambda: _parsel_extract(page, select))
    assert expected  # the case is not empty
    got = outcome(lambda: extract_html(page, select, url="https://x.example/", where="t"))
    assert got == expected
