"""Which order a page writes its numeric dates in, decided once for the whole page. Pure.

``03/04/2021`` alone is undecidable, but pages are consistent: one ``28/04/2021`` on the
page says day first for all of them. So the order is decided from all the date strings
of a page together: an explicit setting first, then unambiguous numeric dates on the
page, then the page's language (day first in most locales, month first in en-US, year
first in ja, zh, ko, hu ...). A page left undecided, or one that mixes both orders, gets
one warning (:attr:`PageOrder.note`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from .fast import NUMERIC

ORDERS = ("DMY", "MDY", "YMD")
# English-speaking regions that write the month first (CLDR); plain "en" says nothing.
_MONTH_FIRST = frozenset({"en-us", "en-as", "en-gu", "en-mp", "en-pr", "en-um", "en-vi",
                          "en-ph", "en-fm", "en-mh", "en-pw"})  # fmt: skip
_CLOCK = re.compile(r"\s*(?:Uhr|h\b|:)", re.IGNORECASE)
_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")


@dataclass(frozen=True, slots=True, kw_only=True)
class PageOrder:
    """The order to read a page's dates in, and a warning when the page left it open."""

    order: str | None  # DMY, MDY or YMD; None: let each string's language decide
    note: str | None = None  # why the order is a guess (said once per page)


def numeric_votes(text: str) -> str | None:
    """``DMY`` or ``MDY`` when ``text`` holds a numeric date only one order can read,
    ``?`` when both can, None when it holds no day-month numeric date."""
    match = NUMERIC.search(text)
    if match is None or len(match.group("a")) == 4:
        return None  # none, or year first: says nothing about day and month
    if match.group("c") is None and _CLOCK.match(text, match.end()):
        return None  # "10.30 Uhr" is a time
    a, b = int(match.group("a")), int(match.group("b"))
    if not (1 <= a <= 31 and 1 <= b <= 31):
        return None
    if a > 12 >= b:
        return "DMY"
    if b > 12 >= a:
        return "MDY"
    return "?" if a <= 12 and b <= 12 else None


def page_order(
    texts: Iterable[str], *, override: str | None = None, languages: Sequence[str] = ()
) -> PageOrder:
    """The order for every date on a page with these date ``texts``.

    ``override`` (a source's ``date_order``, or DMY for ``dayfirst``) wins; ``languages``
    are the page's language tags, most telling first.
    """
    if override:
        return PageOrder(order=override)
    examples: dict[str, str] = {}
    counts = {"DMY": 0, "MDY": 0, "?": 0}
    for text in texts:
        vote = numeric_votes(text)
        if vote is not None:
            counts[vote] += 1
            examples.setdefault(vote, text.strip())
    spoken = language_order(languages)
    if counts["DMY"] and counts["MDY"]:
        order = spoken or ("DMY" if counts["DMY"] >= counts["MDY"] else "MDY")
        return PageOrder(
            order=order,
            note=(
                f"the page mixes day-first dates ({counts['DMY']}, e.g. {examples['DMY']!r}) "
                f"and month-first dates ({counts['MDY']}, e.g. {examples['MDY']!r}); "
                f"reading them {_words(order)}, so some are wrong or rejected: check the "
                "page and set date_order (DMY, MDY or YMD) if this is not right"
            ),
        )
    for decided in ("DMY", "MDY"):
        if counts[decided]:
            return PageOrder(order=decided)
    if not counts["?"] or spoken:
        return PageOrder(order=spoken)
    return PageOrder(
        order="MDY",
        note=(
            f"{counts['?']} numeric date(s) like {examples['?']!r} read either day first or "
            "month first, and neither the page nor its language decides; reading them month "
            "first: set date_order (DMY, MDY or YMD) or languages (e.g. [en-GB]) to be sure"
        ),
    )


def _words(order: str) -> str:
    return {"DMY": "day first", "MDY": "month first", "YMD": "year first"}[order]


def language_order(languages: Sequence[str]) -> str | None:
    """The numeric date order of the first language tag that decides one, else None.

    Plain ``en`` decides nothing (both orders are common); ``en-US`` is month first,
    ``en-GB`` day first; other languages take their order from the CLDR data that ships
    with dateparser.
    """
    for tag in languages:
        order = _tag_order(tag.replace("_", "-").lower())
        if order is not None:
            return order
    return None


@functools.lru_cache(maxsize=256)
def _tag_order(tag: str) -> str | None:
    if tag in _MONTH_FIRST:
        return "MDY"
    if tag == "en" or not _TAG.fullmatch(tag):
        return None
    from dateparser.languages.loader import default_loader  # lazy: heavy import

    primary, _, region = tag.partition("-")
    candidates = ([f"{primary}-{region.upper()}"] if region else []) + [primary]
    for candidate in candidates:
        try:
            locale = default_loader.get_locale(candidate)
        except (ValueError, KeyError):
            continue
        if primary == "en" and candidate == "en":
            return None  # an English region CLDR does not list: undecided
        order = locale.info.get("date_order")
        return str(order) if order in ORDERS else None
    return None


def date_languages(configured: Sequence[str], page_language: str | None) -> tuple[str, ...]:
    """The language tags a page's dates are read in: the source's ``languages`` when set;
    else the page's own language (``<html lang>``, ``Content-Language``) plus English."""
    if configured:
        return tuple(configured)
    tags: list[str] = []
    if page_language and _TAG.fullmatch(page_language.strip()):
        tags.append(page_language.strip())
    tags.append("en")
    return tuple(dict.fromkeys(tags))


@dataclass(frozen=True, slots=True, kw_only=True)
class PageDates:
    """How to read the dates of one page: in these languages, in this order."""

    languages: tuple[str, ...]
    order: str | None
    note: str | None = None  # the page's order is a guess: warn once


class DateSettings(Protocol):
    """What a source says about its dates (a :class:`publisher.config.Source`)."""

    @property
    def languages(self) -> tuple[str, ...]: ...
    @property
    def date_order(self) -> str | None: ...
    @property
    def dayfirst(self) -> bool: ...


def page_dates(
    texts: Iterable[str], settings: DateSettings, page_language: str | None = None
) -> PageDates:
    """The languages and order for a page with these date ``texts``, given a source's
    ``languages``, ``date_order`` and ``dayfirst`` settings and the page's language."""
    tags = date_languages(settings.languages, page_language)
    telling = (*settings.languages, page_language) if page_language else settings.languages
    override = settings.date_order or ("DMY" if settings.dayfirst else None)
    decided = page_order(texts, override=override, languages=telling)
    return PageDates(languages=tags, order=decided.order, note=decided.note)
