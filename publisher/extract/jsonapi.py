"""Entries from a JSON API: ``select`` fields are JMESPath expressions (jmespath.org).

``item`` picks the list of entries from the document (``data.articles[]``); the other
fields are read from each entry (``headline``, ``url``, ``published_at``, ``tags[0]``).
A value that is a number is a date in seconds since 1970 (``date``) or plain text; a list
gives its strings joined with spaces. ``summary`` is read as HTML (it is sanitised).
"""

from __future__ import annotations

import functools
import json
import re
from datetime import UTC, datetime
from typing import Any

import jmespath
from jmespath.parser import ParsedResult

from ..errors import ExtractError
from ..model import Page, RawEntry, Selectors, Source
from . import page_base

# Fields read when 'select' does not name them: the usual keys of news APIs.
DEFAULT_TITLE = "title || headline || name"
DEFAULT_LINK = "url || link || href || permalink"


def extract(page: Page, source: Source) -> tuple[RawEntry, ...]:
    """The entries ``select.item`` finds in the JSON document ``page``."""
    assert source.select is not None  # config guarantees it for json sources
    select = source.select
    document = parse(page, source)
    items = _compiled(select.item).search(document)
    if not isinstance(items, list) or not items:
        raise ExtractError(
            f"{source.id}: the item expression {select.item!r} found no list of entries in "
            f"{page.url}: no entries found: the API may have changed, or the expression is "
            "wrong (it must give a list, e.g. 'data.articles[]'); check it with 'publisher "
            "preview'"
        )
    date_pattern = re.compile(select.date_regex) if select.date_regex else None
    return tuple(_entry(item, select, date_pattern) for item in items if item is not None)


def link_base(page: Page, source: Source) -> str:
    return page_base(page, source)


def parse(page: Page, source: Source) -> Any:
    try:
        return json.loads(page.text)
    except ValueError as exc:
        raise ExtractError(
            f"{source.id}: {page.url} is not valid JSON ({exc}); check 'url' and 'headers'"
        ) from None


def next_link(page: Page, source: Source) -> str | None:
    """The next list page named by ``select.next`` in the document, if any."""
    if source.select is None or not source.select.next:
        return None
    try:
        found = _compiled(source.select.next).search(json.loads(page.text))
    except ValueError:
        return None
    return found.strip() if isinstance(found, str) and found.strip() else None


def expression_problem(expression: str) -> str | None:
    """Why ``expression`` is no valid JMESPath, or None (for the configuration check)."""
    try:
        _compiled(expression)
    except jmespath.exceptions.JMESPathError as exc:
        return str(exc).replace("\n", " ")
    return None


@functools.lru_cache(maxsize=1024)
def _compiled(expression: str) -> ParsedResult:
    return jmespath.compile(expression)


def _entry(item: Any, select: Selectors, date_pattern: re.Pattern[str] | None) -> RawEntry:
    def field(expression: str | None) -> Any:
        return _compiled(expression).search(item) if expression else None

    date_value = field(select.date)
    date = _date(date_value)
    if date is not None and date_pattern is not None:
        match = date_pattern.search(date)
        date = (match.group(1) if match.groups() else match.group(0)) if match else None
    return RawEntry(
        title=_text(field(select.title or DEFAULT_TITLE)) or "",
        link=_text(field(select.link or DEFAULT_LINK)),
        date=date,
        summary=_text(field(select.summary)),
        summary_is_html=True,
        category=_text(field(select.category)),
        image=_text(field(select.image)),
    )


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, bool)):
        return None
    if isinstance(value, list):
        return " ".join(str(part) for part in value if isinstance(part, (str, int, float))) or None
    return str(value) or None


def _date(value: Any) -> str | None:
    """A number is seconds (or milliseconds) since 1970; anything else is text to parse."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC).isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    return _text(value)
