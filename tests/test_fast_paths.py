"""The fast paths of issue 6 give exactly what the slow, obvious code gave.

Dates read by the fast paths (ISO, numeric, English, dateutil) must equal dateparser's
reading; selectors run as compiled XPath
must give what parsel's Selector objects gave; entry ids must equal ``uuid.uuid5``.
"""

from __future__ import annotations

import uuid
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher import dates
from publisher.errors import ExtractError
from publisher.extract.html import extract_html
from publisher.model import Selectors
from publisher.normalise import _uuid5

from .support import NOW

ZONES = (ZoneInfo("UTC"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo"))
MONTHS = ("Jan", "January", "feb.", "Sept", "SEPTEMBER", "Dec", "Mai", "June", "Jun.")


def _read(text: str, tz: tzinfo, order: str, *, slow: bool) -> datetime | str:
    """The reading with the fast paths, or with dateparser alone (``slow``)."""
    saved = dates.read_iso, dates.read_numeric, dates.read_english
    if slow:
        dates.read_iso = dates.read_numeric = dates.read_english = lambda *a, **k: None  # type: ignore[assignment]
    try:
        return dates.read_date(text, tz=tz, now=NOW, languages=["en"], order=order).value
    except dates.DateError:
        return "error"
    finally:
        dates.read_iso, dates.read_numeric, dates.read_english = saved


def _same(text: str) -> None:
    for tz in ZONES:
        for order in ("MDY", "DMY"):
            fast = _read(text, tz, order, slow=False)
            assert fast == _read(text, tz, order, slow=True), (text, tz, order)


@pytest.mark.parametrize(
    "text",
    [
        "2026-10-14", "2026-10-04", "2026-10-14T09:30:00+01:00", "2026-10-14T09:30:00Z",
        "2026-10-14 09:30", "2026-10-14T09:30:00.123+02:00", "2026-13-01", "2026-02-30",
        "2000-05-05", "May 5, 2000", "May 5", "Feb 29", "October 14, 2026", "14 Oct 2026",
        "2026-10-14T24:00:00", "12/11/2026", "Nov 26 11:00 EST", "Dec 31",
    ],
)  # fmt: skip
def test_dates_table(text: str):
    _same(text)


@settings(max_examples=60, deadline=None)  # dateparser is the slow side: a few ms each
@given(
    day=st.integers(0, 32),
    month=st.sampled_from(MONTHS),
    year=st.integers(1990, 2100),
    form=st.sampled_from(["{m} {d}, {y}", "{m} {d} {y}", "{d} {m} {y}", "{m}. {d}, {y}"]),
)
def test_named_month_dates(day: int, month: str, year: int, form: str):
    _same(form.format(m=month, d=day, y=year))


@settings(max_examples=60, deadline=None)
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


# -- selectors: pages are always read as HTML ---------------------------------------------

PAGE = """<html><head><title>t</title></head><body>
<article class="news-item"><time datetime="2026-10-14">October 14, 2026</time>
  <h3><a href="/a/">First <em>title</em></a></h3></article>
</body></html>"""
SELECT = Selectors(item="article.news-item", title="h3 a", date="time::attr(datetime)")


@pytest.mark.parametrize(
    "page", [PAGE, '<?xml version="1.0"?>\n' + PAGE], ids=["html", "xml-declaration"]
)
def test_pages_are_read_as_html(page: str):
    """parsel would read a page with an XML declaration as XML, and one that happens to be
    valid JSON as JSON; a newsroom page is HTML either way."""
    (entry,) = extract_html(page, SELECT, url="https://x.example/", where="t")
    assert (entry.title, entry.link, entry.date) == ("First title", "/a/", "2026-10-14")


def test_a_page_that_is_json_has_no_entries():
    with pytest.raises(ExtractError, match="matched nothing"):
        extract_html('{"a": 1}', SELECT, url="https://x.example/", where="t")


# -- issue 13: day, month name and year in other languages, without dateparser ------------

_NAMED_FORMS = {
    "de": ("{d}. {m} {y}", "Dienstag, {d}. {m} {y}, 10:30 Uhr", "{d}. {m} {y} um 18:05"),
    "fr": ("{d} {m} {y}", "{d} {m} {y} à 10h30"),
    "es": ("{d} de {m} de {y}", "{d} {m} {y}"),
    "ru": ("{d} {m} {y}",),
    "nl": ("{d} {m} {y}",),
}
_MONTH_WORDS = {
    "de": ("Januar", "März", "Mai", "Dezember", "Mrz", "Jänner"),
    "fr": ("janvier", "mars", "août", "déc."),
    "es": ("enero", "marzo", "agosto", "dic"),
    "ru": ("января", "марта", "мая", "декабря"),
    "nl": ("januari", "maart", "mei", "december"),
}


@settings(max_examples=80, deadline=None)
@given(
    data=st.data(),
    language=st.sampled_from(sorted(_NAMED_FORMS)),
    day=st.integers(1, 32),
    year=st.integers(1990, 2026),
)
def test_named_months_read_as_dateparser_reads_them(data, language, day, year):
    form = data.draw(st.sampled_from(_NAMED_FORMS[language]))
    month = data.draw(st.sampled_from(_MONTH_WORDS[language]))
    text = form.format(d=day, m=month, y=year)
    saved = dates.read_named
    try:
        fast = dates.read_date(text, tz="UTC", now=NOW, languages=[language, "en"]).value
    except dates.DateError:
        fast = None
    dates.read_named = lambda *a, **k: None  # type: ignore[assignment]
    try:
        slow = dates.read_date(text, tz="UTC", now=NOW, languages=[language, "en"]).value
    except dates.DateError:
        slow = None
    finally:
        dates.read_named = saved
    assert fast == slow, text
