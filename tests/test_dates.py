"""dates: a table of what pages print, and properties that hold for any date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.dates import DateError, parse_date

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
        ("01.04.2015", UTC, {"dayfirst": True}, datetime(2015, 4, 1, tzinfo=UTC)),
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


@pytest.mark.parametrize(
    "text", ["", "   ", "soon", "10 months ago", "Feb 30, 2023", "•", "in Vorbereitung"]
)
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
