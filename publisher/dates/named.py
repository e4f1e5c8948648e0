"""Day, month name and year in any of the page's languages, without dateparser. Pure.

"Dienstag, 3. März 2026, 10:30 Uhr", "3 марта 2026", "12 de marzo de 2026": the most
common printed form on non-English pages is a day, a month name and a year (maybe a
weekday before, a time after). Month and weekday names come from the same CLDR data
dateparser uses (:func:`.formats.names`), so the answer is dateparser's, at a fraction
of its cost; anything else is left to dateparser.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from .errors import DateError
from .fast import MONTH_NAMES
from .formats import names

_FORM = re.compile(
    r"(?:(?P<weekday>[^\W\d_]+)\.?,?\s+)?"
    r"(?P<day>\d{1,2})\.?\s+(?:de\s+)?(?P<month>[^\W\d_]+)\.?,?\s+(?:de\s+)?(?P<year>\d{4})"
    r"(?:,?\s+(?:um\s+|à\s+|a las\s+|às\s+|alle\s+|om\s+|в\s+|o\s+|saat\s+)?"
    r"(?P<H>\d{1,2})[:.h](?P<M>\d{2})(?:\s*(?:Uhr|h|Uhr\.))?)?"
)
_MONTH_NUMBERS = {name: number for number, name in enumerate(MONTH_NAMES, start=1)}


def read_named(text: str, *, languages: Sequence[str]) -> datetime | None:
    """``text`` as a naive datetime when it is in the form above, else None."""
    match = _FORM.fullmatch(text)
    if match is None:
        return None
    months, days = names(tuple(languages))
    english = months.get(match.group("month").casefold().rstrip("."))
    weekday = match.group("weekday")
    if english is None or (weekday is not None and weekday.casefold() not in days):
        return None
    try:
        return datetime(  # noqa: DTZ001 - localised by the caller
            int(match.group("year")), _MONTH_NUMBERS[english], int(match.group("day")),
            int(match.group("H") or 0), int(match.group("M") or 0),
        )  # fmt: skip
    except ValueError:
        raise DateError(f"{text!r} names a day or time that does not exist") from None
