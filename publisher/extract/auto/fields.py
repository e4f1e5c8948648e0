"""Inside the chosen blocks: which element holds the title, the link, the date, the summary,
the category and the picture, as selectors relative to a block (XPath).

Every field is chosen for the whole group, not block by block: candidate selectors come
from the blocks' elements, each is tried on every block, and the one that covers the
most blocks with the best kind of content wins. So the choice can be written down as
``select:`` and gives the same entries when run as an html source.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from lxml import etree

from .blocks import HEADINGS, SKIP, classes
from .patterns import FAMILIES, Family, dayfirst_of, english, find, reads_as_date

TITLE_WORDS = re.compile(r"title|headline|heading|name|subject|summary|caption", re.I)
SUMMARY_WORDS = re.compile(r"summary|excerpt|teaser|description|intro|abstract|lead|desc", re.I)
CATEGORY_WORDS = re.compile(r"categor|kicker|rubri|section|topic|label|type|genre", re.I)
HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
REAL_HREF = "[@href][not(starts-with(normalize-space(@href), '#'))]" \
            "[not(starts-with(normalize-space(@href), 'javascript:'))]"  # fmt: skip
_QUOTE = re.compile(r"['\"]")

Blocks = tuple[etree._Element, ...]


def step(element: etree._Element) -> str:
    """An XPath step naming ``element`` by tag and (first usable) class, or another naming
    attribute, or (table cells) position."""
    for name in classes(element):
        if not _QUOTE.search(name) and not re.search(r"\d{3,}", name):
            return f"{element.tag}[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"
    for attribute in ("itemprop", "name", "headers"):
        value = element.get(attribute)
        if value and not _QUOTE.search(value):
            return f"{element.tag}[@{attribute}='{value}']"
    parent = element.getparent()
    if element.tag in ("td", "th") and parent is not None:
        same = [c for c in parent if c.tag == element.tag]
        return f"{element.tag}[{same.index(element) + 1}]"
    return str(element.tag)


def first(path: str) -> str:
    """The first element of ``path`` (relative to a block) that has text."""
    return f"(.//{path}[normalize-space()])[1]"


def evaluate(blocks: Blocks, selector: str) -> list[list[etree._Element | str]]:
    """``selector`` applied to each block (compiled once: it is tried on every block)."""
    compiled = _xpath(selector)
    return [list(compiled(block)) for block in blocks]


@functools.lru_cache(maxsize=512)
def _xpath(selector: str) -> etree.XPath:
    return etree.XPath(selector, namespaces=NS)


NS = {"re": "http://exslt.org/regular-expressions"}


def text_of(node: etree._Element | str) -> str:
    if isinstance(node, str):
        return " ".join(node.split())
    return " ".join("".join(node.itertext()).split())


def _elements(blocks: Blocks) -> Iterable[tuple[int, etree._Element]]:
    for index, block in enumerate(blocks):
        for element in block.iterdescendants():
            if isinstance(element.tag, str) and element.tag not in SKIP:
                yield index, element


def _hidden(element: etree._Element, block: etree._Element) -> bool:
    while element is not None and element is not block:
        if HIDDEN.search(str(element.get("style") or "")) or element.get("hidden") is not None:
            return True
        element = element.getparent()
    return False


def _candidates(blocks: Blocks, keep: Callable[[etree._Element], bool]) -> list[str]:
    """Selectors for the elements ``keep`` accepts, most common first (ties: page order)."""
    counts: Counter[str] = Counter()
    for index, element in _elements(blocks):
        if keep(element):
            own = step(element)
            counts[own] += 1
            parent = element.getparent()
            if parent is not None and parent is not blocks[index]:
                counts[f"{step(parent)}/{own}"] += 1
    return [path for path, _ in counts.most_common(24)]


def choose_title(blocks: Blocks) -> str | None:
    """The selector of the title: a heading, an element named like a title, or the most
    prominent link text; covering the most blocks with distinct, readable text."""
    best: tuple[float, str] | None = None
    for path in _candidates(blocks, _may_be_title):
        selector = first(path)
        found = evaluate(blocks, selector)
        texts = [text_of(nodes[0]) for nodes in found if nodes]
        if not texts:
            continue
        coverage = len(texts) / len(blocks)
        distinct = len(set(texts)) / len(texts)
        length = sum(len(t) for t in texts) / len(texts)
        tag = path.split("[", 1)[0]
        weight = 1.0
        if tag in HEADINGS:
            weight = 3.0
        elif TITLE_WORDS.search(path) or "itemprop" in path:
            weight = 2.5
        elif tag == "a":
            weight = 2.0
        elif tag in ("b", "strong"):
            weight = 1.5
        if length < 4:
            weight *= 0.2
        elif length < 10:
            weight *= 0.6
        elif length > 300:
            weight *= 0.3
        hidden = sum(1 for b, n in zip(blocks, found, strict=True)
                     if n and isinstance(n[0], etree._Element) and _hidden(n[0], b))  # fmt: skip
        score = (weight * coverage**2 * distinct**2 * min(1.0, length / 40) ** 0.5
                 * (1 - 0.5 * hidden / len(blocks)))  # fmt: skip
        if best is None or score > best[0]:
            best = (score, selector)
    return best[1] if best else None


def _may_be_title(element: etree._Element) -> bool:
    return (element.tag in HEADINGS or element.tag in ("a", "b", "strong")
            or bool(element.text and element.text.strip()))  # fmt: skip


def choose_link(blocks: Blocks, title: str | None) -> str | None:
    """The title's own link when it has one in most blocks, else the most common real link."""
    if title:
        path = title[len("(.//") : -len("[normalize-space()])[1]")]
        own = f"(.//a{REAL_HREF}[descendant-or-self::{path}] | .//{path}//a{REAL_HREF})[1]/@href"
        if _coverage(blocks, own) >= 0.5:
            return own
    best: tuple[float, str] | None = None
    for path in _candidates(blocks, lambda e: e.tag == "a" and bool(e.get("href"))):
        selector = f"(.//{path}{REAL_HREF})[1]/@href"
        values = [str(n[0]) for n in evaluate(blocks, selector) if n]
        if not values:
            continue
        score = len(values) / len(blocks) * len(set(values)) / len(values)
        if best is None or score > best[0]:
            best = (score, selector)
    if best is None or best[0] < 0.3:
        return None
    return best[1]


def choose_date(blocks: Blocks, *, language: str) -> tuple[str, str | None, Family | None, bool]:
    """The date: a ``datetime`` attribute, else the printed form found in most blocks.

    Returns the selector, the date_regex, the family (None for an attribute) and dayfirst.
    """
    attribute = "(.//*[@datetime][normalize-space(@datetime)])[1]/@datetime"
    attribute_cover = _coverage(blocks, attribute)
    inside = _date_family(blocks, ".//text()")
    after = _date_family(blocks, "./following-sibling::*[1]//text()")
    where = "."
    if after is not None and (inside is None or after[0] > inside[0] + 0.3):
        inside, where = after, "./following-sibling::*[1]"
    if attribute_cover and (inside is None or attribute_cover >= inside[0] - 0.05):
        return attribute, None, None, False
    if inside is None or inside[0] < 0.2:
        return "", None, None, False
    _, family, found = inside
    sample = found[:20]
    readable = sum(1 for text in sample if reads_as_date(english(text, family, dayfirst=True)))
    if readable < len(sample) / 2:
        return "", None, None, False  # looks like dates, mostly is not (11/99/2024)
    selector = f"({where}//text()[re:test(., '{family.regex}')])[1]"
    dayfirst = dayfirst_of(found, language=language) if family.numeric else False
    return selector, family.regex, family, dayfirst


def _date_family(blocks: Blocks, texts: str) -> tuple[float, Family, list[str]] | None:
    """The printed date form found in most blocks (ties: the order of FAMILIES)."""
    compiled = _xpath(texts)
    runs = [
        [str(t) for t in compiled(block) if _DIGIT.search(t) and not _in_skipped(t)]
        for block in blocks
    ]
    best: tuple[float, Family, list[str]] | None = None
    for rank, family in enumerate(FAMILIES):
        found: list[str] = []
        for run in runs:
            for text in run:
                date = find(family, text)
                if date:
                    found.append(date)
                    break
        cover = len(found) / len(blocks) - rank * 0.001
        if found and (best is None or cover > best[0]):
            best = (cover, family, found)
    return best


_DIGIT = re.compile(r"\d")


def _in_skipped(text: Any) -> bool:
    parent = text.getparent()
    return parent is not None and parent.tag in SKIP


def choose_summary(blocks: Blocks, title: str | None) -> str | None:
    """A paragraph-like element with more text than the title, in most blocks."""
    best: tuple[float, str] | None = None
    titles = [text_of(n[0]) if n else "" for n in evaluate(blocks, title)] if title else []
    for path in _candidates(
        blocks,
        lambda e: (
            e.tag in ("p", "div", "span", "section")
            and (e.tag == "p" or bool(SUMMARY_WORDS.search(" ".join(classes(e)))))
        ),
    ):
        selector = first(path)
        found = evaluate(blocks, selector)
        texts = [text_of(n[0]) if n else "" for n in found]
        useful = [t for i, t in enumerate(texts)
                  if len(t) >= 40 and (not titles or titles[i] not in t)]  # fmt: skip
        if len(useful) / len(blocks) < 0.5:
            continue
        score = len(useful) / len(blocks) + (0.5 if SUMMARY_WORDS.search(path) else 0)
        if best is None or score > best[0]:
            best = (score, selector)
    return best[1] if best else None


def choose_category(blocks: Blocks, title: str | None) -> str | None:
    """A short element named like a category or kicker, in most blocks."""
    for path in _candidates(blocks, lambda e: bool(CATEGORY_WORDS.search(" ".join(classes(e))))
                            and e.tag not in HEADINGS):  # fmt: skip
        selector = first(path)
        texts = [text_of(n[0]) for n in evaluate(blocks, selector) if n]
        if title and selector == title:
            continue
        if len(texts) / len(blocks) >= 0.6 and all(0 < len(t) <= 40 for t in texts):
            return selector
    return None


def choose_image(blocks: Blocks) -> str | None:
    selector = "(.//img)[1]"
    return selector if _coverage(blocks, selector) >= 0.5 else None


def _coverage(blocks: Blocks, selector: str) -> float:
    return sum(1 for nodes in evaluate(blocks, selector) if nodes) / len(blocks)
