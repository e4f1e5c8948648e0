"""When a source runs: ``every: 30m`` or ``cron: "*/15 * * * *"``, pure and clock-free.

Everything here is a pure function of its arguments: the clock (``now``) is passed in,
so the tests need not sleep. :mod:`publisher.schedule` turns a :class:`Timing` into an
APScheduler trigger; ``publisher run --due`` and ``publisher status`` use
:func:`due_at` to decide whether a source's interval has elapsed.

Crontab expressions mean what they mean in crontab(5): day of week 0 and 7 are Sunday.
APScheduler 3 counts 0 as Monday, so :func:`cron_trigger` translates the day-of-week
field into day names before handing it over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .model import Source

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*[smhd]\s*)+$")
DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
DEFAULT_EVERY = 3600  # seconds: a source with neither `every` nor `cron` runs hourly
MAX_AUTO_JITTER = 60  # seconds: the automatic jitter is 10% of the interval, at most this
DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab numbering, 0 = Sunday


def parse_duration(text: str) -> int:
    """``"30m"`` -> 1800 seconds. Units s, m, h, d; parts may be combined: ``"1h30m"``."""
    if not isinstance(text, str) or not DURATION.match(text):
        raise ValueError(
            f"{text!r} is not a duration; write a number with a unit (s, m, h, d), "
            "e.g. '45s', '30m', '2h', '1d' or '1h30m'"
        )
    seconds = sum(float(number) * UNITS[unit] for number, unit in DURATION_PART.findall(text))
    if seconds < 1:
        raise ValueError(f"{text!r} is shorter than one second")
    return round(seconds)


def format_duration(seconds: int) -> str:
    """1800 -> ``"30m"``; 5400 -> ``"1h30m"``: the inverse of :func:`parse_duration`."""
    if seconds <= 0:
        return "0s"
    parts = []
    for unit in ("d", "h", "m", "s"):
        count, seconds = divmod(seconds, UNITS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


# -- crontab ------------------------------------------------------------------------------


def _day_number(token: str, expr: str) -> int:
    token = token.lower()
    if token[:3] in DAY_NAMES and token.isalpha():
        return DAY_NAMES.index(token[:3])
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token) % 7
    raise ValueError(f"{expr!r}: day of week {token!r} is not 0-7 or a day name (mon, tue, ...)")


def crontab_days(field: str, expr: str = "") -> str:
    """The crontab day-of-week ``field`` as APScheduler day names, e.g. ``1-5`` -> mon..fri."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        span, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ValueError(f"{expr!r}: bad step {step_text!r} in the day of week")
            step = int(step_text)
        if span == "*":
            first, last = 0, 7  # crontab's day-of-week range is 0-7 (both ends Sunday)
        elif "-" in span:
            low, _, high = span.partition("-")
            first, last = _day_number(low, expr), _day_number(high, expr)
            if high == "7":
                last = 7
            if last < first:
                raise ValueError(f"{expr!r}: day range {span!r} runs backwards")
        else:
            first = last = _day_number(span, expr)
            if step_text:  # "1/2" means 1-7/2
                last = 7
        days.update(day % 7 for day in range(first, last + 1, step))
    # APScheduler 3 accepts day names, which mean the same in both numberings.
    return ",".join(DAY_NAMES[day] for day in sorted(days))


def cron_trigger(expr: str, *, timezone: str = "UTC", jitter: int | None = None) -> Any:
    """An APScheduler ``CronTrigger`` for the crontab ``expr``; ValueError when invalid."""
    from apscheduler.triggers.cron import CronTrigger  # lazily: only the scheduler needs it

    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(
            f"{expr!r} has {len(fields)} fields; a crontab expression has 5: "
            "minute hour day-of-month month day-of-week, e.g. '*/15 * * * *'"
        )
    minute, hour, day, month, day_of_week = fields
    if day != "*" and day_of_week != "*":
        raise ValueError(
            f"{expr!r} restricts both the day of month and the day of week; crontab runs "
            "when either matches, which is not supported here: restrict only one"
        )
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=crontab_days(day_of_week, expr),
            timezone=timezone,
            jitter=jitter or None,
        )
    except ValueError as exc:
        if str(exc).startswith(repr(expr)):
            raise
        raise ValueError(f"{expr!r}: {exc}") from None


# -- timing of a source -------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Timing:
    """When one source runs: an interval in seconds, or a crontab expression."""

    every: int | None = None
    cron: str | None = None
    timezone: str = "UTC"
    jitter: int | None = None  # seconds; None = automatic (see :func:`jitter_seconds`)

    @classmethod
    def of(cls, source: Source) -> Timing:
        every = source.every if source.every or source.cron else DEFAULT_EVERY
        return cls(every=every, cron=source.cron, timezone=source.timezone, jitter=source.jitter)

    def describe(self) -> str:
        if self.cron:
            return f"cron {self.cron} ({self.timezone})"
        return f"every {format_duration(self.every or DEFAULT_EVERY)}"


def jitter_seconds(timing: Timing) -> int:
    """The random delay added to each run: as configured, else 10% of the interval (<= 60 s).

    Cron sources run on the minute they name unless ``jitter`` is set.
    """
    if timing.jitter is not None:
        return timing.jitter
    if timing.cron:
        return 0
    return min(MAX_AUTO_JITTER, (timing.every or DEFAULT_EVERY) // 10)


def next_fire(timing: Timing, *, after: datetime) -> datetime:
    """The first time strictly after ``after`` at which the source runs (without jitter)."""
    _aware(after)
    if timing.cron:
        trigger = cron_trigger(timing.cron, timezone=timing.timezone)
        fire: datetime = trigger.get_next_fire_time(None, after + timedelta(seconds=1))
        return fire.astimezone(UTC)
    return (after + timedelta(seconds=timing.every or DEFAULT_EVERY)).astimezone(UTC)


def due_at(
    timing: Timing, *, last_success: datetime | None, last_attempt: datetime | None = None
) -> datetime | None:
    """When the source is next due; None when it has never succeeded (due now).

    Due once its interval (or its next cron time) has passed since its last success, and
    since its last attempt too, so a failing site is retried once per interval, not on
    every cron tick.
    """
    if last_success is None and last_attempt is None:
        return None
    last = max(t for t in (last_success, last_attempt) if t is not None)
    return next_fire(timing, after=last)


def is_due(
    timing: Timing, *, last_success: datetime | None, last_attempt: datetime | None, now: datetime
) -> bool:
    _aware(now)
    when = due_at(timing, last_success=last_success, last_attempt=last_attempt)
    return when is None or when <= now


def _aware(value: datetime) -> None:
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the scheduler; pass an aware UTC datetime")
