"""Which entries are published: ``include`` / ``exclude`` rules over an entry's fields. Pure.

    rule      {field: pattern} or {field: [pattern, ...]} (any of them)
    field     title | summary (its text, tags dropped) | category | link | any (all four)
    pattern   words: case-insensitive (full Unicode case folding: Straße = STRASSE),
              whole words by the Unicode word boundaries of UAX #29 (so a Chinese or
              Japanese word matches inside a sentence without spaces, "report" does not
              match "reports", "климат" does not match "климата"); several words are a
              phrase (any whitespace between them)
              or /regex/ with optional flags i, m, s, x (Python syntax)

An entry is published when it matches an ``include`` rule (if there are any) and no
``exclude`` rule. The decision is made when feeds are rendered, over the entries the store
keeps: filtered entries are stored like the others, so a filter changed later shows old
entries with their first-seen dates, never as new ones.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import regex

from .model import Rule

FIELDS = ("title", "summary", "category", "link", "any")
_REGEX = re.compile(r"^/(?P<body>.*)/(?P<flags>[imsx]*)$", re.DOTALL)
_FLAGS = {"i": regex.IGNORECASE, "m": regex.MULTILINE, "s": regex.DOTALL, "x": regex.VERBOSE}
_TAG = re.compile(r"<[^>]*>")


class Filterable(Protocol):
    """What a rule reads: an Entry or a StoredEntry."""

    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def category(self) -> str | None: ...
    @property
    def link(self) -> str: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """Whether an entry is published, and if not, the rule that dropped it."""

    published: bool
    reason: str | None = None  # "exclude[0] category: Draft", "no include rule matched"


PUBLISHED = Verdict(published=True)


def compile_pattern(pattern: str) -> regex.Pattern[str]:
    """The compiled form of a rule's pattern; ``ValueError`` saying what is wrong."""
    try:
        return _compile(pattern)
    except regex.error as exc:
        raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}") from None


@functools.lru_cache(maxsize=4096)  # sources share their rules: compile each once
def _compile(pattern: str) -> regex.Pattern[str]:
    found = _REGEX.match(pattern)
    if found and found.group("body"):
        flags = regex.V0
        for letter in found.group("flags"):
            flags |= _FLAGS[letter]
        return regex.compile(found.group("body"), flags)
    words = pattern.split()
    if not words:
        raise regex.error("an empty pattern matches nothing; write a word or /regex/")
    phrase = r"\s+".join(regex.escape(word) for word in words)
    # W: Unicode (UAX #29) word boundaries; F with I: full case folding (ß = SS)
    return regex.compile(
        rf"\b{phrase}\b", regex.V1 | regex.WORD | regex.IGNORECASE | regex.FULLCASE
    )


def field_text(entry: Filterable, name: str) -> str:
    """The text of ``entry``'s field ``name`` that rules are matched against."""
    if name == "title":
        return entry.title
    if name == "summary":
        return html.unescape(_TAG.sub(" ", entry.summary or ""))
    if name == "category":
        return entry.category or ""
    if name == "link":
        return entry.link
    return "\n".join(field_text(entry, part) for part in FIELDS[:4])


def matches(rule: Rule, entry: Filterable) -> bool:
    text = field_text(entry, rule.field)
    return any(_compile(pattern).search(text) is not None for pattern in rule.patterns)


def describe(rule: Rule) -> str:
    """A rule as the user wrote it: ``exclude[0] category: Draft``."""
    shown = rule.patterns[0] if len(rule.patterns) == 1 else "[" + ", ".join(rule.patterns) + "]"
    return f"{rule.where} {rule.field}: {shown}".strip()


def verdict(entry: Filterable, *, include: Sequence[Rule], exclude: Sequence[Rule]) -> Verdict:
    """Whether ``entry`` is published under these rules, and why not."""
    if include and not any(matches(rule, entry) for rule in include):
        return Verdict(published=False, reason="no include rule matched")
    for rule in exclude:
        if matches(rule, entry):
            return Verdict(published=False, reason=describe(rule))
    return PUBLISHED


def published(entry: Filterable, *, include: Sequence[Rule], exclude: Sequence[Rule]) -> bool:
    return verdict(entry, include=include, exclude=exclude).published
