"""Parse the dates newsroom pages print into aware UTC datetimes. Pure.

dateutil fills any part a string lacks from today's date unless told otherwise, which is
how other tools end up dating entries "today" on every run. Here every parse gets an
explicit ``default``; a missing year is inferred as the latest year that does not put the
date in the future; a naive result is read in the source's timezone; a date in the future
is clamped to the fetch time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

from dateutil import parser as dateutil_parser
from dateutil import tz as dateutil_tz

# Abbreviations dateutil does not know by itself (it only knows UTC/GMT and the local zone).
TZINFOS: dict[str, tzinfo | None] = {
    "UTC": UTC,
    "GMT": UTC,
    "Z": UTC,
    "EST": dateutil_tz.gettz("America/New_York"),
    "EDT": dateutil_tz.gettz("America/New_York"),
    "CST": dateutil_tz.gettz("America/Chicago"),
    "CDT": dateutil_tz.gettz("America/Chicago"),
    "MST": dateutil_tz.gettz("America/Denver"),
    "MDT": dateutil_tz.gettz("America/Denver"),
    "PST": dateutil_tz.gettz("America/Los_Angeles"),
    "PDT": dateutil_tz.gettz("America/Los_Angeles"),
    "CET": dateutil_tz.gettz("Europe/Berlin"),
    "CEST": dateutil_tz.gettz("Europe/Berlin"),
    "BST": dateutil_tz.gettz("Europe/London"),
}

# Two defaults in leap years that differ only in the year: a part the string lacks shows
# up as a difference between the two parses.
_DEFAULT_A = datetime(2000, 1, 1)  # noqa: DTZ001 - dateutil defaults are naive by design
_DEFAULT_B = datetime(2004, 1, 1)  # noqa: DTZ001

# Separators pages put between a date and its time or type: "May 5, 2024 • 9:46 AM EDT".
_NOISE = re.compile(r"[•·|]+")
_SPACE = re.compile(r"\s+")
# Strict ISO 8601, the form of <time datetime="...">: read without dateutil (same result).
_ISO = re.compile(  # an offset only after a time: dateutil refuses "2026-10-14+01:00"
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{3}|\.\d{6})?)?(?:Z|[+-]\d{2}:\d{2})?)?"
)
# "October 14, 2026" and "14 Oct 2026": a named month, so no day/month order to guess.
_MONTH_DAY_YEAR = re.compile(r"([A-Za-z]{3,9})\.? (\d{1,2}),? ([12]\d{3})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2}) ([A-Za-z]{3,9})\.?,? ([12]\d{3})")
_MONTHS = {
    name.lower(): number
    for number, names in enumerate(dateutil_parser.parserinfo.MONTHS, start=1)
    for name in names
}


class DateError(ValueError):
    """The text is not a date we can read."""


def parse_date(
    text: str,
    *,
    tz: tzinfo,
    now: datetime,
    date_format: str | None = None,
    dayfirst: bool = False,
) -> datetime:
    """Return ``text`` as an aware UTC datetime, or raise :class:`DateError`.

    ``tz`` is the source's timezone, used for dates without one (a date alone means
    midnight there); ``now`` is the aware fetch time, the upper bound of any result.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    cleaned = _SPACE.sub(" ", _NOISE.sub(" ", text)).strip()
    if not cleaned:
        raise DateError("empty date")
    if date_format:
        try:
            value = datetime.strptime(cleaned, date_format)  # noqa: DTZ007 - localised below
        except ValueError as exc:
            raise DateError(f"{text!r} does not match date_format {date_format!r}") from exc
    else:
        value = _parse_free(cleaned, tz=tz, now=now, dayfirst=dayfirst)
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    result = value.astimezone(UTC)
    return min(result, now.astimezone(UTC))


def _parse_free(text: str, *, tz: tzinfo, now: datetime, dayfirst: bool) -> datetime:
    if not dayfirst and _ISO.fullmatch(text):
        try:  # dateutil reads these the same way, at a tenth of the speed
            return datetime.fromisoformat(text)
        except ValueError:
            pass  # e.g. month 13: let dateutil have its say
    named = _named_month_date(text)
    if named is not None:
        return named
    try:
        first = dateutil_parser.parse(text, default=_DEFAULT_A, tzinfos=TZINFOS, dayfirst=dayfirst)
        # A year other than the default's came from the text: no need for the second parse.
        if first.year != _DEFAULT_A.year:
            return first
        second = dateutil_parser.parse(text, default=_DEFAULT_B, tzinfos=TZINFOS, dayfirst=dayfirst)
    except (ValueError, OverflowError) as exc:
        raise DateError(f"{text!r} is not a date") from exc
    if first.year == second.year:
        return first
    # No year on the page ("Jan 14"): the latest year that keeps the date in the past.
    local_now = now.astimezone(tz)
    for year in (local_now.year, local_now.year - 1):
        try:
            candidate = first.replace(year=year)
        except ValueError:  # Feb 29 in a non-leap year
            continue
        aware = candidate if candidate.tzinfo else candidate.replace(tzinfo=tz)
        if aware <= local_now:
            return candidate
    return first.replace(year=local_now.year - 1, day=min(first.day, 28))


def _named_month_date(text: str) -> datetime | None:
    """The common printed forms, read as dateutil reads them, without dateutil; else None."""
    match = _MONTH_DAY_YEAR.fullmatch(text)
    if match:
        month_name, day, year = match.groups()
    else:
        match = _DAY_MONTH_YEAR.fullmatch(text)
        if not match:
            return None
        day, month_name, year = match.groups()
    month = _MONTHS.get(month_name.lower())
    if month is None:
        return None
    try:
        return datetime(int(year), month, int(day))  # noqa: DTZ001 - localised by the caller
    except ValueError:
        return None  # e.g. February 30: dateutil gives the error message
