"""The common forms, read without dateparser. Pure.

ISO 8601 (the form of ``<time datetime>``), numeric dates in a known day/month order,
English month names ("October 14, 2026", "14 Oct 2026") and whatever else dateutil reads
in English (RFC 822, "Nov 26 11:00 EST"). These are most dates on most pages, and here
they cost a few microseconds instead of dateparser's milliseconds; each gives the answer
dateparser would give.

dateutil fills any part a string lacks from today's date unless told otherwise: every
parse here gets an explicit ``default``, and a missing year is the latest year that does
not put the date after ``now``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from dateutil import parser as dateutil_parser

from .errors import DateError


def _zone(hours: float) -> timezone:
    return timezone(timedelta(hours=hours)) if hours else UTC


# Zone abbreviations dateutil does not know by itself: the abbreviation says the offset
# (EST is -5 even in July), so each is a fixed offset, not a region's rules.
TZINFOS: dict[str, tzinfo | None] = {
    "UTC": UTC, "GMT": UTC, "Z": UTC, "UT": UTC, "WET": UTC,
    "EST": _zone(-5), "EDT": _zone(-4), "CST": _zone(-6), "CDT": _zone(-5),
    "MST": _zone(-7), "MDT": _zone(-6), "PST": _zone(-8), "PDT": _zone(-7),
    "AKST": _zone(-9), "AKDT": _zone(-8), "HST": _zone(-10), "AST": _zone(-4),
    "CET": _zone(1), "CEST": _zone(2), "MEZ": _zone(1), "MESZ": _zone(2),
    "BST": _zone(1), "WEST": _zone(1), "EET": _zone(2), "EEST": _zone(3),
    "MSK": _zone(3), "JST": _zone(9), "KST": _zone(9), "HKT": _zone(8), "SGT": _zone(8),
    "AEST": _zone(10), "AEDT": _zone(11), "NZST": _zone(12), "NZDT": _zone(13),
    "OEZ": _zone(2), "OESZ": _zone(3), "WEZ": UTC, "WESZ": _zone(1), "IST": _zone(5.5),
    "PKT": _zone(5), "WIB": _zone(7), "ICT": _zone(7), "PHT": _zone(8), "AWST": _zone(8),
    "ACST": _zone(9.5), "SAST": _zone(2), "EAT": _zone(3), "WAT": _zone(1), "CAT": _zone(2),
    "BRT": _zone(-3), "ART": _zone(-3), "NST": _zone(-3.5), "ADT": _zone(-3),
    "HNE": _zone(-5), "HAE": _zone(-4),
}  # fmt: skip
# A zone in a text: an abbreviation above, or an offset ("UTC+2", "GMT+01:00", "+0100").
_ZONE = re.compile(
    r"(?<![\w+-])(?P<name>[A-Z]{1,4})(?:\s*(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?)?(?![\w:])"
    r"|(?<=\d)(?P<zulu>Z)(?!\w)"
    r"|(?:(?<=\d)(?=[+-]\d\d:)|(?<=:\d\d)|(?<![\w+-]))"
    r"(?P<sign2>[+-])(?P<h2>\d{2}):?(?P<m2>\d{2})(?![\w:])"
)


def pop_zone(text: str) -> tuple[str, tzinfo | None]:
    """``text`` without its last zone abbreviation or offset, and that zone (or None)."""
    for match in reversed(list(_ZONE.finditer(text))):
        name = match.group("name") or match.group("zulu")
        sign = match.group("sign") or match.group("sign2")
        if name is not None and name not in TZINFOS:
            continue
        if name is not None and not sign:
            zone = TZINFOS[name]
        elif name is not None and name not in ("UTC", "GMT", "UT"):
            continue  # "EST+1" is nothing we know
        else:
            hours = int(match.group("h") or match.group("h2"))
            minutes = int(match.group("m") or match.group("m2") or 0)
            if hours > 14 or minutes > 59:
                continue
            offset = timedelta(hours=hours, minutes=minutes)
            zone = timezone(-offset if sign == "-" else offset) if offset else UTC
        rest = (text[: match.start()] + " " + text[match.end() :]).strip()
        return rest, zone
    return text, None


# Two defaults in leap years that differ only in the year: a part the string lacks shows
# up as a difference between the two parses.
_DEFAULT_A = datetime(2000, 1, 1)  # noqa: DTZ001 - dateutil defaults are naive by design
_DEFAULT_B = datetime(2004, 1, 1)  # noqa: DTZ001

# Strict ISO 8601: read without dateutil (same result).
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
_INFO = dateutil_parser.parserinfo
# Every word dateutil reads as part of an English date: a text with any other word
# ("12 Mart 1921" is Turkish) is not English, and dateutil would misread it.
_ENGLISH_WORDS = frozenset(
    word.lower()
    for group in (*_INFO.MONTHS, *_INFO.WEEKDAYS, *_INFO.AMPM, *_INFO.HMS)
    for word in group
) | frozenset(w.lower() for w in (*_INFO.JUMP, *_INFO.UTCZONE, *_INFO.PERTAIN, *TZINFOS))
_WORDS = re.compile(r"[A-Za-z]+")
MONTH_NAMES = tuple(names[-1] for names in dateutil_parser.parserinfo.MONTHS)
DAY_NAMES = tuple(names[-1] for names in dateutil_parser.parserinfo.WEEKDAYS)
# A numeric date ("09.02.2015", "28/04", "2015/2/9", "11-08-14"), maybe with a time.
NUMERIC = re.compile(
    r"(?P<a>\d{4}|\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?:(?P=sep)(?P<c>\d{4}|\d{2}))?\.?"
    r"(?:(?:,?\s+|T|\s*-\s*)(?:um\s+|à\s+|a las\s+|at\s+)?"
    r"(?P<H>\d{1,2})[:h.](?P<M>\d{2})(?::(?P<S>\d{2}))?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?(?:\s*(?:Uhr|h))?)?"
)


# "2024年3月15日", "3月23日", "2024년 3월 15일", with a time "6时35分" / "6:35": dateparser
# reads the first but not the year-less ones that Chinese and Japanese lists print.
_HALVES = "上午|下午|午前|午後|凌晨|早上|中午|晚上|晚|오전|오후"  # of the day, before a time
_CJK = re.compile(
    r"(?:(?P<y>\d{4})\s*[年년]\s*)?(?P<m>\d{1,2})\s*[月월]\s*(?P<d>\d{1,2})\s*[日일号號]"
    r"(?:\s*(?:[(（][^)）]{1,4}[)）]|星期.|周.|礼拜.)?\s*(?P<half>" + _HALVES + r")?\s*"
    r"(?P<H>\d{1,2})\s*[时時点點:：시]\s*(?P<M>\d{2})?\s*[分분]?)?"
)
# The halves of the day that put a 12-hour clock after noon: 下午 3点 is 15:00.
_AFTERNOON = frozenset(("下午", "午後", "晚上", "晚", "오후"))
# A weekday in brackets after a date: "2026.03.22 (일)", "2024/03/15（金）", "(Mon)".
WEEKDAY_NOTE = re.compile(r"\s*[(（][^\d()（）]{1,4}[)）]\s*$")


def read_cjk(text: str, *, now: datetime) -> datetime | None:
    """A date written with 年月日 (or 년월일), naive; None when ``text`` is not one."""
    match = _CJK.fullmatch(text)
    if match is None:
        return None
    month, day = int(match.group("m")), int(match.group("d"))
    hour, minute = int(match.group("H") or 0), int(match.group("M") or 0)
    if match.group("half") in _AFTERNOON and hour < 12:
        hour += 12
    try:
        if match.group("y"):
            return datetime(int(match.group("y")), month, day, hour, minute)  # noqa: DTZ001
        return _latest_year(now, month, day, hour, minute)
    except ValueError:
        raise DateError(f"{text!r} names a day or time that does not exist") from None


def read_iso(text: str) -> datetime | None:
    """Strict ISO 8601 as :meth:`datetime.fromisoformat` reads it; else None."""
    if not _ISO.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise DateError(f"{text!r} names a day or time that does not exist") from None


def numeric_parts(match: re.Match[str], order: str) -> tuple[int | None, int, int]:
    """(year or None, month, day) of a :data:`NUMERIC` match read in ``order``."""
    a, b, c = match.group("a"), match.group("b"), match.group("c")
    if len(a) == 4:  # year first is always year first: 2015-02-09, 2015/02
        return int(a), int(b), int(c) if c else 1
    if c is None:  # no year: "28/04" day first, "04/28" month first, "04/28" in YMD too
        return (None, int(b), int(a)) if order == "DMY" else (None, int(a), int(b))
    if order == "YMD" and len(c) == 2:  # 26/03/10 on a year-first page
        return _year(a), int(b), int(c)
    if order == "YMD":  # 03.04.2024 on a year-first (Swedish) page: day first
        return int(c), int(b), int(a)
    if order == "DMY":
        return _year(c), int(b), int(a)
    return _year(c), int(a), int(b)


def _year(text: str) -> int:
    value = int(text)
    return value if len(text) == 4 else 2000 + value if value < 70 else 1900 + value


def read_numeric(text: str, *, order: str, now: datetime) -> datetime | None:
    """A numeric date (and time) in ``order``, naive; None when ``text`` is not one.

    A day that does not exist is a :class:`DateError`, never rolled over or swapped.
    """
    match = NUMERIC.fullmatch(text)
    if match is None:
        return None
    year, month, day = numeric_parts(match, order)
    hour = int(match.group("H") or 0)
    minute = int(match.group("M") or 0)
    second = int(match.group("S") or 0)
    ampm = (match.group("ampm") or "").lower()[:1]
    if ampm and 1 <= hour <= 12:
        hour = hour % 12 + (12 if ampm == "p" else 0)
    try:
        if year is not None:
            return datetime(year, month, day, hour, minute, second)  # noqa: DTZ001
        return _latest_year(now, month, day, hour, minute, second)
    except ValueError:
        raise DateError(
            f"{text!r} names a day or time that does not exist (read as {order})"
        ) from None


def _latest_year(
    now: datetime, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """The date in the latest year that keeps it not after ``now`` (naive, local)."""
    for year in range(now.year, now.year - 8, -1):  # Feb 29 needs up to 8 years back
        try:
            candidate = datetime(year, month, day, hour, minute, second)  # noqa: DTZ001
        except ValueError:
            if month == 2 and day == 29:
                continue
            raise
        if candidate <= now.replace(tzinfo=None):
            return candidate
    raise ValueError("no such day")


def read_english(text: str, *, order: str, now: datetime, tz: tzinfo) -> datetime | None:
    """Named English months, RFC 822 and the rest of what dateutil reads; else None."""
    named = read_english_named(text)
    if named is not None:
        return named
    if not any(char.isdigit() for char in text):
        return None  # "Friday", "today": dateutil would make a date up from its default
    if not all(word.lower() in _ENGLISH_WORDS for word in _WORDS.findall(text)):
        return None  # a word dateutil does not know: not English, not for dateutil
    dayfirst, yearfirst = order == "DMY", order == "YMD"
    try:
        first = dateutil_parser.parse(
            text, default=_DEFAULT_A, tzinfos=TZINFOS, dayfirst=dayfirst, yearfirst=yearfirst
        )
        # A year other than the default's came from the text: no need for the second parse.
        if first.year != _DEFAULT_A.year:
            return first
        second = dateutil_parser.parse(
            text, default=_DEFAULT_B, tzinfos=TZINFOS, dayfirst=dayfirst, yearfirst=yearfirst
        )
    except (ValueError, OverflowError):
        return None
    if first.year == second.year:
        return first
    # No year on the page ("Jan 14"): the latest year that keeps the date in the past.
    local_now = now.astimezone(first.tzinfo or tz)
    try:
        latest = _latest_year(
            local_now, first.month, first.day, first.hour, first.minute, first.second
        )
    except ValueError:
        return None
    return latest.replace(tzinfo=first.tzinfo)


def read_english_named(text: str) -> datetime | None:
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
        raise DateError(f"{text!r} names a day that does not exist") from None
