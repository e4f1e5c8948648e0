"""Read the dates newsroom pages print, in any language and order, as aware UTC datetimes.

    parse_date(text, now=..., tz=..., languages=..., order=...)   the public function
    read_date(...)       the same, raising DateError with the reason (what normalise uses)
    page_order(...)      a page's day/month order, decided once from all its dates
    out_of_order(...)    entries whose date breaks the page's order badly

Fast paths first (ISO 8601, numeric dates in a known order, English names, RFC 822:
:mod:`.fast`), then dateparser for everything else (:mod:`.multilang`). A day that does
not exist is refused, never rolled over; a date after ``now`` is clamped to ``now``; a
year missing from the text is the latest year that keeps the date not after ``now``.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from .checks import order_warnings, out_of_order
from .errors import DateError
from .fast import (
    NUMERIC,
    TZINFOS,
    WEEKDAY_NOTE,
    numeric_parts,
    pop_zone,
    read_cjk,
    read_english,
    read_english_named,
    read_iso,
    read_numeric,
)
from .formats import read_format
from .multilang import dateparser_languages, known_language, read_any
from .named import read_named
from .order import (
    ORDERS,
    DateSettings,
    PageDates,
    PageOrder,
    date_languages,
    language_order,
    numeric_votes,
    page_dates,
    page_order,
)

__all__ = [
    "ORDERS", "DateError", "DateSettings", "PageDates", "PageOrder", "Reading",
    "date_languages", "known_language", "order_warnings", "out_of_order", "page_dates",
    "page_order", "parse_date", "read_date",
]  # fmt: skip

# Separators pages put between a date and its time or type: "May 5, 2024 • 9:46 AM EDT".
_NOISE = re.compile(r"[•·|]+")
_SPACE = re.compile(r"\s+")
# A range of days reads as its first day: "12-14 June 2021", "12.-14. Juni 2021", "June
# 12-14, 2021", "12.-14.06.2021" (numeric dates such as "06-17-2014" are no range).
_RANGES = (
    (re.compile(r"(?<![\d.:/-])(\d{1,2})\.?\s*[-–]\s*\d{1,2}(\.?)(?=\s+[^\W\d_])"), r"\1\2"),
    (re.compile(r"(?<=[^\W\d_])(\.?\s+\d{1,2})\s*[-–]\s*\d{1,2}(?=,?\s+\d{4}\b)"), r"\1"),
    (re.compile(r"(?<![\d.:/-])(\d{1,2}\.)-\d{1,2}\.(?=\d{1,2}\.\d{2,4}\b)"), r"\1"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Reading:
    """A date read from a page: aware UTC, and whether it was relative to ``now``."""

    value: datetime
    relative: bool = False


def parse_date(
    text: str,
    *,
    now: datetime,
    tz: str | tzinfo = "UTC",
    languages: Sequence[str] | None = None,
    order: str | None = None,
) -> datetime | None:
    """``text`` as an aware UTC datetime, or None when it is not a date.

    ``now``: the aware time the text was read (relative dates count from it; nothing is
    later). ``tz``: the zone of a text that names none (an IANA name or a tzinfo).
    ``languages``: BCP 47 tags the text may be in (None: any). ``order``: ``"DMY"``,
    ``"MDY"`` or ``"YMD"`` for numeric dates; None decides from the text and languages.
    A day that does not exist (``February 30 2008``) is None, never rolled over.
    """
    try:
        return read_date(text, now=now, tz=tz, languages=languages, order=order).value
    except DateError:
        return None


def read_date(
    text: str,
    *,
    now: datetime,
    tz: str | tzinfo = "UTC",
    languages: Sequence[str] | None = None,
    order: str | None = None,
    date_format: str | None = None,
) -> Reading:
    """Like :func:`parse_date`, but a :class:`DateError` says why ``text`` is no date;
    ``date_format`` (strptime directives, names in ``languages``) reads a fixed format."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if order is not None and order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)} or None, not {order!r}")
    zone = zoneinfo.ZoneInfo(tz) if isinstance(tz, str) else tz
    cleaned = _SPACE.sub(" ", _NOISE.sub(" ", text)).strip(" ,;")
    cleaned = _without_note(cleaned)
    if not cleaned:
        raise DateError("empty date")
    relative = False
    if date_format:
        value = read_format(cleaned, date_format, languages=languages or ())
    else:
        value, relative = _read_free(cleaned, now=now, tz=zone, languages=languages, order=order)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return Reading(value=min(value.astimezone(UTC), now.astimezone(UTC)), relative=relative)


def _without_note(text: str) -> str:
    """``text`` without a note in brackets at its end ("(Mon)", "（金）"), unless the note is
    the only zone the text names: "17:00 (PDT)" keeps PDT, "GMT+0800 (CST)" drops CST."""
    note = WEEKDAY_NOTE.search(text)
    if note is None:
        return text
    rest, inner = text[: note.start()], note.group(0).strip(" ()（）")
    if inner in TZINFOS and pop_zone(rest)[1] is None:
        return f"{rest} {inner}"
    return rest or text


def _read_free(
    text: str, *, now: datetime, tz: tzinfo, languages: Sequence[str] | None, order: str | None
) -> tuple[datetime, bool]:
    iso = read_iso(text)
    if iso is not None:
        return iso, False
    if "-" in text or "–" in text:  # after ISO 8601, the commonest form with dashes
        for pattern, first in _RANGES:
            text = pattern.sub(first, text)
    if languages is None or any(_english(tag) for tag in languages):
        named = read_english_named(text)  # "March 7, 2026": the commonest form, first
        if named is not None:
            return named, False
    rest, zone = pop_zone(text)  # "EDT", "MESZ", "UTC+2": the offset the text names
    rest = rest or text
    value, relative = _read_local(rest, now=now, tz=zone or tz, languages=languages, order=order)
    if zone is not None and value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value, relative


def _read_local(
    text: str, *, now: datetime, tz: tzinfo, languages: Sequence[str] | None, order: str | None
) -> tuple[datetime, bool]:
    tags = tuple(languages) if languages is not None else ()
    decided = order or _text_order(text, tags)
    local_now = now.astimezone(tz)
    numeric = read_numeric(text, order=decided, now=local_now)
    if numeric is None:
        numeric = read_cjk(text, now=local_now)
    if numeric is not None:
        return numeric, False
    if text.isascii() and (not tags or any(_english(tag) for tag in tags)):
        english = read_english(text, order=decided, now=now, tz=tz)
        if english is not None:
            _check_order(text, english, decided)
            return english, False
    if tags:
        named = read_named(text, languages=tags)
        if named is not None:
            return named, False
    codes = dateparser_languages(tags) if languages is not None else None
    found = read_any(text, languages=codes, order=order or _order_of(tags), now=now, tz=tz)
    _check_order(text, found.value, decided)
    return found.value, found.relative


def _text_order(text: str, tags: Sequence[str]) -> str:
    """The order of one string alone: its own digits if they decide, else its language."""
    vote = numeric_votes(text)
    if vote in ("DMY", "MDY"):
        return str(vote)
    return language_order(tags) or "MDY"


def _order_of(tags: Sequence[str]) -> str | None:
    return language_order(tags) if tags else None


def _english(tag: str) -> bool:
    return tag.lower().replace("_", "-").split("-")[0] == "en"


def _check_order(text: str, value: datetime, order: str) -> None:
    """Refuse a reading whose day and month disagree with the page's order: a library
    that swapped them to make an impossible date fit must not be believed."""
    match = NUMERIC.search(text)
    if match is None:
        return
    year_first = len(match.group("a")) == 4 and match.group("c")
    if not year_first and numeric_votes(text) is None:
        return  # no day-month numeric date (maybe a time: "10.30 Uhr")
    _, month, day = numeric_parts(match, order)
    if (value.month, value.day) == (day, month) != (month, day):  # swapped, not a range
        raise DateError(
            f"{text!r} does not name a day read in the page's order ({order}); check date_order"
        )
