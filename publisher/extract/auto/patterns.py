"""Text that reads as a date: the printed forms auto detection looks for, and how to read them.

Each :class:`Family` is one printed form with a regular expression (its first group is
the date) that also works inside an XPath ``re:test`` (no single quotes). Month names
of English, German, Dutch, French, Spanish, Portuguese and Italian are known; a date
found in another language is rewritten as ``D Month YYYY`` in English before it is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from ... import dates

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan januar janvier janv enero ene janeiro gennaio gen januari jänner jän",
        "february feb februar februari février févr fevrier febrero fevereiro fev febbraio",
        "march mar märz maerz mär maart mars marzo março marco",
        "april apr avril abril abr aprile",
        "may mai mei mayo maio maggio mag",
        "june jun juni juin junio junho giugno giu",
        "july jul juli juillet juil julio julho luglio lug",
        "august aug augustus août aout agosto ago",
        "september sep sept septembre septiembre setembro set settembre",
        "october oct oktober okt octobre octubre outubro out ottobre ott",
        "november nov novembre noviembre novembro",
        "december dec dezember dez décembre decembre diciembre dic dezembro dicembre",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS.setdefault(_name, _number)
ENGLISH = ("", "January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip

_MONTH = "(?:" + "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True)) + ")"
_MONTH_WORD = rf"(?i:{_MONTH})\.?"


@dataclass(frozen=True, slots=True, kw_only=True)
class Family:
    name: str
    regex: str  # group 1 is the date
    numeric: bool = False  # day and month order to be decided
    named: bool = False  # a month name

    @property
    def compiled(self) -> re.Pattern[str]:
        return _compiled(self.regex)


FAMILIES = (
    Family(name="iso", regex=r"(?<!\d)(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                              r"(?:Z|[+-]\d{2}:?\d{2})?)?)(?!\d)"),
    Family(name="month-day-year", named=True,
           regex=rf"(?<![\w])({_MONTH_WORD} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}})(?!\d)"),
    Family(name="day-month-year", named=True,
           regex=rf"(?<![\w.])(\d{{1,2}}\.? (?:de )?{_MONTH_WORD},? (?:de )?\d{{4}})(?!\d)"),
    Family(name="dotted", regex=r"(?<![\d.])(\d{1,2}\.\s?\d{1,2}\.\s?\d{4})(?!\d)",
           numeric=True),
    Family(name="slashed", regex=r"(?<![\d/])(\d{1,2}/\d{1,2}/\d{4})(?![\d/])", numeric=True),
    Family(name="dashed", regex=r"(?<![\d-])(\d{1,2}-\d{1,2}-\d{4})(?![\d-])", numeric=True),
    Family(name="month-day", named=True, regex=rf"(?<![\w])({_MONTH_WORD} \d{{1,2}})(?![\d,:])"),
)  # fmt: skip

_ANY_DATE = re.compile("|".join(f.regex for f in FAMILIES[:-1]))
_YEAR = re.compile(r"\d{4}")
_WORD = re.compile(r"[^\W\d_]+")  # every form but month-day has one: a cheap first test


def has_date(text: str) -> bool:
    """Whether ``text`` holds a date with a year, in any of the known printed forms."""
    return bool(_YEAR.search(text)) and bool(_ANY_DATE.search(text))


def find(family: Family, text: str) -> str | None:
    """The first date of ``family`` in ``text``."""
    if family.name != "month-day" and not _YEAR.search(text):
        return None
    if family.named and not MONTHS.keys() & set(_WORD.findall(text.lower())):
        return None  # no month name: the long pattern need not run
    match = family.compiled.search(text)
    return match.group(1) if match else None


_CACHE: dict[str, re.Pattern[str]] = {}


def _compiled(regex: str) -> re.Pattern[str]:
    pattern = _CACHE.get(regex)
    if pattern is None:
        pattern = _CACHE[regex] = re.compile(regex)
    return pattern


def numbers(text: str) -> tuple[int, int] | None:
    """The first two numbers of a numeric date (``24.04.2015`` -> (24, 4))."""
    parts = re.findall(r"\d+", text)
    return (int(parts[0]), int(parts[1])) if len(parts) >= 3 else None


def dayfirst_of(found: list[str], *, language: str) -> bool:
    """Whether numeric dates put the day first: the numbers say so when one is over 12,
    else the separator (dots are day-first everywhere) and the page's language do."""
    for text in found:
        pair = numbers(text)
        if pair and pair[0] > 12:
            return True
        if pair and pair[1] > 12:
            return False
    if any("." in text for text in found):
        return True
    return not language.lower().startswith("en") or language.lower() in ("en-gb", "en-au")


def english(text: str, family: Family, *, dayfirst: bool) -> str:
    """``text`` (a match of ``family``) in a form :mod:`publisher.dates` reads the same way
    whatever a source's ``dayfirst``: ``24 April 2015``; other forms are returned as is."""
    if family.numeric:
        pair = numbers(text)
        year = re.findall(r"\d+", text)[2]
        if pair is None:
            return text
        day, month = pair if dayfirst else (pair[1], pair[0])
        if 1 <= month <= 12:
            return f"{day} {ENGLISH[month]} {year}"
        return text
    if family.name in ("month-day-year", "day-month-year", "month-day"):
        words = re.findall(r"[^\W\d_]+", text)
        names = [w for w in words if w.lower() in MONTHS and w.lower() != "de"]
        if names:
            days = re.findall(r"\d{1,2}", text)[:1]
            year = re.findall(r"\d{4}", text)[:1]
            return " ".join([*days, ENGLISH[MONTHS[names[0].lower()]], *year])
    return text


def reads_as_date(text: str) -> bool:
    """Whether today's :mod:`publisher.dates` reads ``text`` (kept in one place so that a
    new date parser can take its place)."""
    try:
        dates.parse_date(text, tz=UTC, now=datetime(9999, 1, 1, tzinfo=UTC))
    except (dates.DateError, ValueError, OverflowError):
        return False
    return True
