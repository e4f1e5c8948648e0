"""``date_format`` with month and day names in the source's languages. Pure.

``datetime.strptime`` knows only English names (in the C locale): ``%d. %B %Y`` fails on
``3. März 2026``. Here each month or day name of the given languages (from the CLDR data
that ships with dateparser) is first replaced by its English name, and ``%b``/``%a`` by
``%B``/``%A``; then strptime reads the result, so a day that does not exist is refused,
never rolled over.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import datetime

from .errors import DateError
from .fast import DAY_NAMES, MONTH_NAMES

_KEYS_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")  # fmt: skip
_KEYS_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WORD = re.compile(r"[^\W\d_]+")
_NAMED = re.compile(r"%[bBaA]")


def read_format(text: str, date_format: str, *, languages: Sequence[str] = ()) -> datetime:
    """``text`` read with ``date_format`` (strptime directives), names in ``languages``."""
    try:
        return datetime.strptime(text, date_format)  # noqa: DTZ007 - localised by the caller
    except ValueError:
        pass
    if _NAMED.search(date_format):
        months, days = names(tuple(languages))
        wants_month = "%b" in date_format or "%B" in date_format
        wants_day = "%a" in date_format or "%A" in date_format

        def english(match: re.Match[str]) -> str:
            word = match.group(0).casefold()
            if wants_month and word in months:
                return months[word]
            if wants_day and word in days:
                return days[word]
            return match.group(0)

        translated = _WORD.sub(english, text)
        full = date_format.replace("%b", "%B").replace("%a", "%A")
        try:
            return datetime.strptime(translated, full)  # noqa: DTZ007
        except ValueError:
            pass
    named = languages and _NAMED.search(date_format)
    note = f" (names read in {', '.join(languages)})" if named else ""
    raise DateError(f"{text!r} does not match date_format {date_format!r}{note}")


@functools.lru_cache(maxsize=64)
def names(languages: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str]]:
    """Every month and day name of ``languages`` (and English) -> its English full name."""
    months = {name.casefold(): name for name in MONTH_NAMES}
    days = {name.casefold(): name for name in DAY_NAMES}
    months.update({name[:3].casefold(): name for name in MONTH_NAMES})
    days.update({name[:3].casefold(): name for name in DAY_NAMES})
    if not languages:
        return months, days
    from dateparser.languages.loader import default_loader  # lazy: heavy import

    from .multilang import dateparser_languages

    for code in dateparser_languages(languages) or ():
        info = default_loader.get_locale(code).info
        for keys, english, table in ((_KEYS_MONTHS, MONTH_NAMES, months),
                                     (_KEYS_DAYS, DAY_NAMES, days)):  # fmt: skip
            for key, name in zip(keys, english, strict=True):
                for spelling in info.get(key, ()):
                    table.setdefault(str(spelling).casefold().rstrip("."), name)
    return months, days
