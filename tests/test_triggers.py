"""Trigger parsing and next-fire computation: pure functions, an injected clock, no sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.triggers import (
    DEFAULT_EVERY,
    Timing,
    cron_trigger,
    crontab_days,
    due_at,
    format_duration,
    is_due,
    jitter_seconds,
    next_fire,
    parse_duration,
)

from .support import NOW


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1s", 1), ("45s", 45), ("30m", 1800), ("2h", 7200), ("1d", 86400), ("1h30m", 5400),
     ("1.5h", 5400), (" 10 m ", 600), ("1d12h", 129600)],
)  # fmt: skip
def test_parse_duration(text: str, seconds: int):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["30", "", "m", "30 minutes", "-5m", "1w", "0s", "0.2s", "1h 30"])
def test_parse_duration_rejects(text: str):
    with pytest.raises(ValueError, match=r"duration|shorter than one second"):
        parse_duration(text)


@given(st.integers(min_value=1, max_value=400 * 86400))
def test_format_duration_round_trips(seconds: int):
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize(
    ("field", "days"),
    [
        ("*", "*"),
        ("0", "sun"),
        ("7", "sun"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("mon-fri", "mon,tue,wed,thu,fri"),
        ("6,0", "sun,sat"),
        ("6-7", "sun,sat"),
        ("*/2", "sun,tue,thu,sat"),
        ("1/2", "sun,mon,wed,fri"),
        ("SAT,sun", "sun,sat"),
    ],
)
def test_crontab_days_use_crontab_numbering(field: str, days: str):
    """crontab(5) counts Sunday as 0 and 7; APScheduler 3 counts Monday as 0."""
    assert crontab_days(field) == days


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("* * * *", "has 4 fields"),
        ("61 * * * *", "61"),
        ("* 25 * * *", "25"),
        ("* * * * 8", "day of week '8'"),
        ("* * * * 5-1", "runs backwards"),
        ("0 9 1 * 1", "either matches"),
        ("*/0 * * * *", "Increment must be higher than 0"),
    ],
)
def test_cron_trigger_rejects(expr: str, message: str):
    with pytest.raises(ValueError, match=message):
        cron_trigger(expr)


def test_every_next_fire_is_interval_after():
    timing = Timing(every=1800)
    assert next_fire(timing, after=NOW) == NOW + timedelta(minutes=30)


def test_cron_next_fire_every_quarter_hour():
    timing = Timing(cron="*/15 * * * *")
    assert next_fire(timing, after=NOW) == NOW + timedelta(minutes=15)
    assert next_fire(timing, after=NOW + timedelta(minutes=1)) == NOW + timedelta(minutes=15)
    assert next_fire(timing, after=NOW - timedelta(seconds=1)) == NOW


def test_cron_weekdays_with_crontab_numbering():
    """'1-5' is Monday to Friday, as in crontab: from Friday noon the next is Monday 09:00."""
    timing = Timing(cron="0 9 * * 1-5")
    friday = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert next_fire(timing, after=friday) == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    sunday_only = Timing(cron="0 9 * * 0")
    assert next_fire(sunday_only, after=friday) == datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def test_cron_runs_in_the_source_timezone_across_dst():
    """09:00 in Lisbon is 09:00 WEST (08:00 UTC) before 25 Oct 2026 and 09:00 UTC after."""
    timing = Timing(cron="0 9 * * *", timezone="Europe/Lisbon")
    before = next_fire(timing, after=datetime(2026, 10, 23, 12, 0, tzinfo=UTC))
    after = next_fire(timing, after=datetime(2026, 10, 25, 12, 0, tzinfo=UTC))
    assert before == datetime(2026, 10, 24, 8, 0, tzinfo=UTC)
    assert after == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    assert before.astimezone(ZoneInfo("Europe/Lisbon")).hour == 9
    assert after.astimezone(ZoneInfo("Europe/Lisbon")).hour == 9


def test_next_fire_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="naive"):
        next_fire(Timing(every=60), after=datetime(2026, 1, 1))


def test_due_when_never_run():
    timing = Timing(every=3600)
    assert due_at(timing, last_success=None, last_attempt=None) is None
    assert is_due(timing, last_success=None, last_attempt=None, now=NOW)


def test_due_once_the_interval_has_elapsed_since_last_success():
    timing = Timing(every=3600)
    last = NOW - timedelta(minutes=59)
    assert not is_due(timing, last_success=last, last_attempt=last, now=NOW)
    assert is_due(timing, last_success=last, last_attempt=last, now=NOW + timedelta(minutes=1))


def test_failing_source_is_retried_once_per_interval_not_every_tick():
    timing = Timing(every=3600)
    success = NOW - timedelta(hours=5)
    failed = NOW - timedelta(minutes=10)
    assert due_at(timing, last_success=success, last_attempt=failed) == failed + timedelta(hours=1)
    assert not is_due(timing, last_success=success, last_attempt=failed, now=NOW)
    never_ok = due_at(timing, last_success=None, last_attempt=failed)
    assert never_ok == failed + timedelta(hours=1)


def test_cron_due():
    timing = Timing(cron="0 * * * *")  # on the hour
    last = datetime(2026, 11, 26, 11, 0, 0, tzinfo=UTC)
    assert is_due(timing, last_success=last, last_attempt=last, now=NOW)
    assert not is_due(timing, last_success=NOW, last_attempt=NOW, now=NOW + timedelta(minutes=59))


def test_timing_defaults_and_jitter():
    assert Timing().describe() == f"every {format_duration(DEFAULT_EVERY)}"
    assert jitter_seconds(Timing(every=30)) == 3  # 10% of the interval
    assert jitter_seconds(Timing(every=86400)) == 60  # capped
    assert jitter_seconds(Timing(cron="*/5 * * * *")) == 0  # cron runs on its minute
    assert jitter_seconds(Timing(cron="*/5 * * * *", jitter=20)) == 20
    assert jitter_seconds(Timing(every=600, jitter=0)) == 0
    assert Timing(cron="*/5 * * * *", timezone="Europe/Lisbon").describe() == (
        "cron */5 * * * * (Europe/Lisbon)"
    )
