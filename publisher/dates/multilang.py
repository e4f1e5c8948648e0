"""Dates in any of dateparser's 200+ locales, relative ones included. Pure.

dateparser is imported on first use (it takes a while to load) and one parser is kept
per (languages, order, fetch time), so that a page's dates share it. Relative dates
("vor 2 Tagen", "2 hours ago", "gestern, 18:00 Uhr") are read against the fetch time; one
without a time of day is the start of that day in the source's timezone.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from .errors import DateError

# Two fetch times a whole number of weeks (and a few minutes) apart, in other months: a
# relative date ("vor 2 Tagen", "Montag", "10 months ago") moves to another day of the
# year with the fetch time; a year-less one ("3. März") keeps its month and day; a time
# the text gives ("Ieri alle 12:00") stays when the fetch time's clock moves.
_SHIFT = timedelta(weeks=57, minutes=7)
_PARSERS = ["relative-time", "custom-formats", "absolute-time"]  # no epochs, no 20261014


@dataclass(frozen=True, slots=True, kw_only=True)
class Found:
    """What dateparser read: a naive local time (aware when the text named a zone we did
    not take off first, such as ``Z``); ``relative`` when it depends on the fetch time."""

    value: datetime
    relative: bool


def known_language(tag: str) -> bool:
    """Whether dateparser reads dates in the language of BCP 47 ``tag`` (``de``, ``pt-BR``)."""
    return _language(tag) is not None


@functools.lru_cache(maxsize=512)
def _language(tag: str) -> str | None:
    from dateparser.data import languages_info  # lazy: dateparser is slow to import

    known = set(languages_info.language_order)
    tag = tag.replace("_", "-")
    primary = tag.split("-")[0].lower()
    for candidate in (tag, primary):
        if candidate in known:
            return candidate
    return None


def dateparser_languages(tags: Sequence[str]) -> tuple[str, ...] | None:
    """The dateparser language codes for ``tags`` (unknown ones left out); None: any."""
    if not tags:
        return None
    codes = tuple(dict.fromkeys(code for code in map(_language, tags) if code))
    return codes or ("en",)


def read_any(
    text: str, *, languages: tuple[str, ...] | None, order: str | None, now: datetime,
    tz: tzinfo,
) -> Found:  # fmt: skip
    """``text`` (its zone already taken off) read by dateparser in ``languages`` (None:
    guess among all), as a naive time in ``tz``; or raise :class:`DateError`."""
    base = now.astimezone(tz).replace(tzinfo=None)
    value, period = _parse(text, languages, order, base)
    if value is None:
        where = f" in {', '.join(languages)}" if languages else ""
        raise DateError(f"{text!r} is not a date{where} (or names a day that does not exist)")
    relative = timed = False
    if str(value.year) not in text:  # a year printed in the text: absolute, no second parse
        shifted, _ = _parse(text, languages, order, base - _SHIFT)
        relative = shifted is not None and (value.month, value.day) != (shifted.month, shifted.day)
        # dateparser says "day", not "time", when the time given is the fetch time's clock
        timed = shifted is not None and value.time() == shifted.time()
    if period == "year" and not relative:
        raise DateError(f"{text!r} gives only a year, not a date")
    if relative and period != "time" and not timed:
        value = value.replace(hour=0, minute=0, second=0, microsecond=0)
    return Found(value=value, relative=relative)


def _parse(
    text: str, languages: tuple[str, ...] | None, order: str | None, base: datetime
) -> tuple[datetime | None, str | None]:
    data = _parser(languages, order, base).get_date_data(text)
    value: datetime | None = data.date_obj
    return value, data.period


@functools.lru_cache(maxsize=64)
def _parser(languages: tuple[str, ...] | None, order: str | None, base: datetime) -> Any:
    """One dateparser parser per languages, order and fetch time: building one and
    loading its languages costs far more than a parse."""
    from dateparser.date import DateDataParser

    settings: dict[str, Any] = {
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": "past",
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_TIME_AS_PERIOD": True,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PARSERS": _PARSERS,
    }
    if order:
        settings["DATE_ORDER"] = order
    return DateDataParser(  # the page's language first: "12 Mart 1921" is Turkish, not English
        languages=list(languages) if languages else None,
        settings=settings,
        try_previous_locales=False,
        use_given_order=bool(languages),
    )
