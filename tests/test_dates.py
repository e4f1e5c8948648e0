"""dates: a table of what pages print, and properties that hold for any date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher import dates as dates_module
from publisher.dates import DateError, page_order, read_date
from publisher.dates import parse_date as public_parse

from .support import NOW

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "tz", "kwargs", "expected"),
    [
        # A date alone is midnight in the source's timezone.
        ("March 7, 2016", NY, {}, datetime(2016, 3, 7, 5, 0, tzinfo=UTC)),
        ("June 8, 2018", NY, {}, datetime(2018, 6, 8, 4, 0, tzinfo=UTC)),
        ("2016-03-07", UTC, {}, datetime(2016, 3, 7, tzinfo=UTC)),
        ("7 March 2016", BERLIN, {}, datetime(2016, 3, 6, 23, 0, tzinfo=UTC)),
        # An explicit zone wins over the source's.
        ("2025-05-12T09:30:00+02:00", NY, {}, datetime(2025, 5, 12, 7, 30, tzinfo=UTC)),
        ("2021-09-02T00:00:00.000Z", BERLIN, {}, datetime(2021, 9, 2, tzinfo=UTC)),
        ("May 5, 2024 • 9:46 AM EDT", UTC, {}, datetime(2024, 5, 5, 13, 46, tzinfo=UTC)),
        ("Tue, 13 Oct 2026 23:00:00 +0000", NY, {}, datetime(2026, 10, 13, 23, tzinfo=UTC)),
        # Day first, by option or by format.
        ("01.04.2015", UTC, {"order": "DMY"}, datetime(2015, 4, 1, tzinfo=UTC)),
        ("01.04.2015", UTC, {"languages": ["de"]}, datetime(2015, 4, 1, tzinfo=UTC)),
        ("01.04.2015", UTC, {"date_format": "%d.%m.%Y"}, datetime(2015, 4, 1, tzinfo=UTC)),
        ("28/04/2021", UTC, {"date_format": "%d/%m/%Y"}, datetime(2021, 4, 28, tzinfo=UTC)),
        # No year: the latest year that keeps it in the past (NOW is 2026-11-26).
        ("Jan 14", UTC, {}, datetime(2026, 1, 14, tzinfo=UTC)),
        ("Dec 30", UTC, {}, datetime(2025, 12, 30, tzinfo=UTC)),
        ("Nov 26", UTC, {}, datetime(2026, 11, 26, tzinfo=UTC)),
        # Future dates are clamped to the fetch time.
        ("14.12.2214", UTC, {"date_format": "%d.%m.%Y"}, NOW),
        ("2026-11-27", UTC, {}, NOW),
    ],
)
def test_parse_date(text: str, tz, kwargs: dict, expected: datetime) -> None:
    assert parse_date(text, tz=tz, now=NOW, **kwargs) == expected


def parse_date(text: str, **kwargs) -> datetime:
    """read_date's value: the form these tests were written for (raises DateError)."""
    return read_date(text, **kwargs).value


@pytest.mark.parametrize("text", ["", "   ", "soon", "Feb 30, 2023", "•", "in Vorbereitung"])
def test_unreadable_dates_raise(text: str) -> None:
    with pytest.raises(DateError):
        parse_date(text, tz=UTC, now=NOW)


def test_missing_parts_never_come_from_today() -> None:
    # dateutil would fill the day from today's date without an explicit default.
    assert parse_date("March 2016", tz=UTC, now=NOW) == datetime(2016, 3, 1, tzinfo=UTC)


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_date("2020-01-01", tz=UTC, now=datetime(2026, 1, 1))


aware_datetimes = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2030, 12, 31),
    timezones=st.sampled_from([UTC, NY, BERLIN, timezone(timedelta(hours=5, minutes=30))]),
)  # fmt: skip


@given(value=aware_datetimes, tz=st.sampled_from([UTC, NY, BERLIN]))
def test_iso_round_trip_is_aware_utc_and_never_future(value: datetime, tz) -> None:
    parsed = parse_date(value.isoformat(), tz=tz, now=NOW)
    assert parsed.tzinfo is UTC
    assert parsed <= NOW
    assert parsed == min(value.astimezone(UTC), NOW)


@given(value=aware_datetimes)
def test_parsing_is_idempotent(value: datetime) -> None:
    once = parse_date(value.isoformat(), tz=NY, now=NOW)
    assert parse_date(once.isoformat(), tz=BERLIN, now=NOW) == once


@given(day=st.dates(min_value=datetime(1990, 1, 1).date(), max_value=NOW.date()))
def test_date_only_is_midnight_in_the_source_timezone(day) -> None:
    parsed = parse_date(day.strftime("%B %d, %Y"), tz=NY, now=NOW)
    local = parsed.astimezone(NY)
    assert (local.date(), local.hour, local.minute) == (day, 0, 0)


# -- issue 13: many languages, orders, relative dates, the public function ----------------


MARCH = datetime(2026, 3, 10, 12, 30, tzinfo=UTC)  # a Tuesday


@pytest.mark.parametrize(
    ("text", "languages", "expected"),
    [
        ("3. März 2026", ["de"], datetime(2026, 3, 3)),
        ("Samstag, 19. Juli 2014", ["de", "en"], datetime(2014, 7, 19)),
        ("3 de marzo de 2026", ["es"], datetime(2026, 3, 3)),
        ("3 марта 2026", ["ru"], datetime(2026, 3, 3)),
        ("2026年3月3日", ["ja"], datetime(2026, 3, 3)),
        ("10 Mart 2026", ["tr"], datetime(2026, 3, 10)),
        ("3. März 2026 10:00 MESZ", ["de"], datetime(2026, 3, 3, 9, 0)),  # +2, not Berlin's +1
        ("May 5, 2024 9:46 AM EDT", None, datetime(2024, 5, 5, 15, 46)),
        ("09.02.2015", ["de"], datetime(2015, 2, 9)),  # the language's order
        ("13.02.2015", ["en"], datetime(2015, 2, 13)),  # the string's own digits
        ("2 марта", ["ru"], datetime(2026, 3, 2)),  # no year: this year, not after now
        ("12. Dezember", ["de"], datetime(2025, 12, 12)),  # no year: last year
        # Relative: against now; without a time, the start of that day (Berlin here).
        ("vor 2 Tagen", ["de"], datetime(2026, 3, 8)),
        ("gestern, 18:00 Uhr", ["de"], datetime(2026, 3, 9, 18, 0)),
        ("2 hours ago", ["en"], datetime(2026, 3, 10, 11, 30)),
        ("hace 3 días", ["es"], datetime(2026, 3, 7)),
        ("il y a 3 jours", ["fr"], datetime(2026, 3, 7)),
    ],
)
def test_many_languages(text: str, languages: list[str] | None, expected: datetime) -> None:
    value = public_parse(text, now=MARCH, tz="Europe/Berlin", languages=languages)
    assert value is not None and value.tzinfo is not None
    assert value.astimezone(BERLIN).replace(tzinfo=None) == expected


@pytest.mark.parametrize(
    ("text", "languages", "order"),
    [
        ("February 30 2008", None, None),
        ("33. Dezember 2008", ["de"], None),
        ("31/02/2020", ["fr"], None),
        ("30.02.2008", ["de"], "DMY"),
        ("13/02/2015", ["en"], "MDY"),  # never swapped to fit
        ("nicht datiert", ["de"], None),
    ],
)
def test_impossible_dates_are_refused_never_rolled_over(text, languages, order) -> None:
    assert public_parse(text, now=MARCH, languages=languages, order=order) is None
    with pytest.raises(DateError):
        read_date(text, now=MARCH, languages=languages, order=order)


def test_the_order_argument_decides_numeric_dates() -> None:
    day_first = public_parse("03/04/2021", now=MARCH, order="DMY")
    month_first = public_parse("03/04/2021", now=MARCH, order="MDY")
    assert (day_first, month_first) == (
        datetime(2021, 4, 3, tzinfo=UTC), datetime(2021, 3, 4, tzinfo=UTC)
    )  # fmt: skip
    assert public_parse("2021/04/03", now=MARCH, order="DMY") == datetime(2021, 4, 3, tzinfo=UTC)
    with pytest.raises(ValueError, match="order"):
        public_parse("03/04/2021", now=MARCH, order="dmy")


def test_relative_dates_are_marked_and_move_with_now() -> None:
    first = read_date("vor 2 Tagen", now=MARCH, tz=BERLIN, languages=["de"])
    later = read_date("vor 2 Tagen", now=MARCH + timedelta(days=1), tz=BERLIN, languages=["de"])
    absolute = read_date("3. März", now=MARCH, tz=BERLIN, languages=["de"])
    assert first.relative and not absolute.relative
    assert later.value - first.value == timedelta(days=1)


def test_localised_date_format() -> None:
    kwargs = {"now": MARCH, "languages": ["de"]}
    assert read_date("3. März 2026", date_format="%d. %B %Y", **kwargs).value == datetime(
        2026, 3, 3, tzinfo=UTC
    )
    assert read_date("Di, 3. Mär. 2026", date_format="%a, %d. %b. %Y", **kwargs).value == (
        datetime(2026, 3, 3, tzinfo=UTC)
    )
    with pytest.raises(DateError, match="date_format"):
        read_date("33. März 2026", date_format="%d. %B %Y", **kwargs)


@pytest.mark.parametrize(
    ("texts", "languages", "order", "warned"),
    [
        (["28/04/2021", "12/04/2021", "01/04/2021"], [], "DMY", False),
        (["04/28/2021", "04/12/2021", "04/01/2021"], [], "MDY", False),
        (["01.04.2015", "02.04.2015"], ["de"], "DMY", False),
        (["01/04/2015", "02/04/2015"], ["en-US"], "MDY", False),
        (["01/04/2015", "02/04/2015"], ["en-GB"], "DMY", False),
        (["2015/04/01"], ["ja"], "YMD", False),
        (["01/04/2015", "02/04/2015"], ["en"], "MDY", True),  # nothing decides: warned
        (["01/04/2015", "02/04/2015"], [], "MDY", True),
        (["28/04/2021", "04/28/2021"], [], "DMY", True),  # mixed: warned
        (["March 3, 2026", "2026-03-03"], [], None, False),  # no numeric day-month dates
        (["19. Juli 2014, 10.30 Uhr", "3. März"], ["de"], "DMY", False),  # a time is no date
    ],
)
def test_page_order(texts, languages, order, warned) -> None:
    decided = page_order(texts, languages=languages)
    assert decided.order == order
    assert (decided.note is not None) == warned


def test_page_order_setting_wins() -> None:
    assert page_order(["28/04/2021"], override="MDY").order == "MDY"


def test_out_of_order_dates() -> None:
    days = [datetime(2015, 12, d, tzinfo=UTC) for d in range(20, 10, -1)]
    typo = [*days[:4], datetime(2214, 12, 14, tzinfo=UTC), *days[4:]]
    assert dates_module.out_of_order(typo) == [4]
    old = [*days[:4], datetime(2005, 12, 15, tzinfo=UTC), *days[4:]]
    assert dates_module.out_of_order(old) == [4]
    assert dates_module.out_of_order(days) == []
    assert dates_module.out_of_order(list(reversed(days))) == []
    gap = [datetime(y, 1, 1, tzinfo=UTC) for y in (2020, 2019, 2018, 2010, 2009, 2008)]
    assert dates_module.out_of_order(gap) == []


@given(
    day=st.dates(min_value=datetime(2000, 1, 1).date(), max_value=datetime(2026, 3, 9).date()),
    order=st.sampled_from(["DMY", "MDY", "YMD"]),
    sep=st.sampled_from(["/", ".", "-"]),
)
def test_numeric_dates_in_their_order(day, order, sep) -> None:
    parts = {"D": f"{day.day:02d}", "M": f"{day.month:02d}", "Y": str(day.year)}
    text = sep.join(parts[c] for c in order)
    value = public_parse(text, now=MARCH, order=order)
    assert value is not None and value.date() == day


NOON = datetime(2026, 3, 15, 12, tzinfo=UTC)  # a fetch time on the hour, as cron runs


@pytest.mark.parametrize(
    ("text", "languages", "expected"),
    [
        # A time equal to the fetch time's clock is still a time ("day" from dateparser).
        ("Ieri alle 12:00", ["it"], datetime(2026, 3, 14, 12, 0)),
        ("Ieri", ["it"], datetime(2026, 3, 14)),
        # A range of days is its first day; numeric dates are no range.
        ("June 12-14, 2021", ["en"], datetime(2021, 6, 12)),
        ("12.-14. Juni 2021", ["de"], datetime(2021, 6, 12)),
        ("12.-14.06.2021", ["de"], datetime(2021, 6, 12)),
        ("12 - 14 czerwca 2021", ["pl"], datetime(2021, 6, 12)),
        ("06-17-2014", ["en"], datetime(2014, 6, 17)),
        # A zone in brackets counts when it is the only one; a note in brackets does not.
        ("08/17/14 17:00 (PDT)", ["en"], datetime(2014, 8, 18, 0, 0)),
        ("Fri Sep 23 2016 10:34:51 GMT+0800 (CST)", ["en"], datetime(2016, 9, 23, 2, 34, 51)),
        # A weekday alone is the last such day, never one dateutil makes up.
        ("Friday", ["en"], datetime(2026, 3, 13)),
        # Halves of the day before a 12-hour time.
        ("2010年2月14日下午3点25分", ["zh"], datetime(2010, 2, 14, 15, 25)),
        ("2010年2月14日星期日下午3点25分", ["zh"], datetime(2010, 2, 14, 15, 25)),
        ("2016年9月14日晚8:00", ["zh"], datetime(2016, 9, 14, 20, 0)),
    ],
)
def test_forms_found_in_the_real_strings_table(text, languages, expected) -> None:
    value = public_parse(text, now=NOON, languages=languages)
    assert value is not None and value.replace(tzinfo=None) == expected
