"""Dates that break the order of the page they are on. Pure.

A listing is sorted, newest first (most) or oldest first. An entry that breaks that
order and lies far from the dates around it (``14.12.2214`` among 2015 dates, a year
typed as 2005 in a 2015 list) is most likely a typo or a misread date: worth a warning,
since it sorts the entry to the top or bottom of every feed reader.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from datetime import datetime, timedelta

from ..model import Entry

BADLY = timedelta(days=365)  # this far from the dates around it: badly out of order
_AROUND = 3  # dated entries looked at on each side


def out_of_order(dates: Sequence[datetime | None], *, slack: timedelta = BADLY) -> list[int]:
    """Indexes of the dates that break the page's order (newest or oldest first, as most
    of the page is) and lie more than ``slack`` from the median of the dates around."""
    dated = [(index, value) for index, value in enumerate(dates) if value is not None]
    if len(dated) < 3:
        return []
    values = [value for _, value in dated]
    pairs = list(itertools.pairwise(values))
    newest_first = sum(a > b for a, b in pairs) >= sum(a < b for a, b in pairs)
    bad: list[int] = []
    for position, (index, value) in enumerate(dated):
        before = values[position - 1] if position else None
        after = values[position + 1] if position + 1 < len(values) else None
        if not _breaks(before, value, after, newest_first=newest_first):
            continue
        window = values[max(0, position - _AROUND) : position] + values[position + 1 :][:_AROUND]
        middle = statistics.median_low(window)
        if abs(value - middle) > slack:
            bad.append(index)
    return bad


def _breaks(
    before: datetime | None, value: datetime, after: datetime | None, *, newest_first: bool
) -> bool:
    if newest_first:
        return (before is not None and value > before) or (after is not None and value < after)
    return (before is not None and value < before) or (after is not None and value > after)


def order_warnings(source_id: str, entries: Sequence[Entry]) -> tuple[str, ...]:
    """A warning for each entry whose date is badly out of the page's order (preview)."""
    return tuple(
        f"{source_id}: entry {entries[index].title!r} is dated "
        f"{entries[index].published:%Y-%m-%d}, far out of the order of the dates around it: "
        "a typo on the page, or a misread date (check date_order)?"
        for index in out_of_order([entry.published for entry in entries])
    )
