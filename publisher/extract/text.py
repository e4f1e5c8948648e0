"""Entries from the plain-text newsroom layout.

    March 7, 2016 • Report                 <- date, bullet, type (the type is optional)
    Connection Denied: Restrictions ...     <- title: the next non-empty line
    Ordinary North Koreans caught ...       <- summary: the lines up to the next date line

Nothing above the first date line is an entry: pages put their own prose there.
"""

from __future__ import annotations

import re

from ..errors import ExtractError
from ..model import RawEntry

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = (
    rf"(?:{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}"  # March 7, 2016
    rf"|\d{{1,2}}\.?\s+{_MONTH}\s+\d{{4}}"  # 7 March 2016
    r"|\d{4}-\d{2}-\d{2}"  # 2016-03-07
    r"|\d{1,2}[./]\d{1,2}[./]\d{4})"  # 07.03.2016, 3/7/2016
)
DATE_LINE = re.compile(
    rf"^\s*(?P<date>{_DATE})\s*(?:[•·|–—-]\s*(?P<type>[^•·|]+?))?\s*$", re.IGNORECASE
)


def extract_text(text: str, *, where: str) -> tuple[RawEntry, ...]:
    """The entries of a plain-text newsroom page, in page order."""
    lines = [line.strip() for line in text.splitlines()]
    starts = [index for index, line in enumerate(lines) if DATE_LINE.match(line)]
    if not starts:
        raise ExtractError(
            f"{where}: no entries found: no line looks like 'March 7, 2016 • Report'. "
            "The page layout may have changed, or this source needs format: html."
        )
    entries = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(lines)
        match = DATE_LINE.match(lines[start])
        assert match is not None
        body = [line for line in lines[start + 1 : end] if line]
        if not body:
            continue  # a date line with nothing under it is not an entry
        title, summary = body[0], " ".join(body[1:])
        entries.append(
            RawEntry(
                title=title,
                date=match.group("date"),
                category=match.group("type"),
                summary=summary or None,
            )
        )
    return tuple(entries)
