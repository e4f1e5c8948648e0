"""Find the page's entry list: groups of sibling elements with the same structure, scored.

A group is the children of one element that share a tag and a class signature (class
names with their digits taken out, state names like ``odd``/``active`` left out, so that
``tabcol``/``tabcol3`` rows are one group). Each member is measured once, bottom up
(text, links, link text, headings, dates, pictures), and a group's score grows with the
number of members, their text, their headings and dates, and falls for link-only
members (menus, pagers, tag clouds), for members that are whole sections (many headings
or dates each) and for groups inside navigation, headers, footers and sidebars.
Pure and deterministic: the same page gives the same groups in the same order.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from .patterns import has_date

SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head", "title", "select",
                  "option", "iframe", "button"})  # fmt: skip
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
STATE_CLASSES = frozenset({"odd", "even", "first", "last", "active", "current", "selected",
                           "alt", "new", "sticky", "featured", "hidden", "visible",
                           "open"})  # fmt: skip
# Where entry lists are not: their tags, and words in their class names or ids.
CHROME_TAGS = frozenset({"nav", "footer", "aside", "header", "menu"})
CHROME_WORDS = re.compile(
    r"nav(?:bar|igation)?(?:$|[-_\s])|menu|footer|breadcrumb|paginat|pager|sidebar|cookie|"
    r"(?:^|[-_\s])(?:paging|tags?|tagcloud|cloud|widget|social|share|sharing|skip|toolbar|"
    r"dropdown|topbar|masthead|legal)(?:$|[-_\s])",
    re.IGNORECASE,
)
MAIN_WORDS = re.compile(r"(?:^|[-_\s])(?:main|content|results?|list|listing|posts?|articles?|"
                        r"entries|news|items?|feed|archive|stream)(?:$|[-_\s])", re.I)  # fmt: skip
# Microformats and schema.org types that name an entry outright.
ENTRY_CLASSES = frozenset({"h-entry", "hentry", "h-review", "hreview", "h-event", "vevent",
                           "h-cite", "post", "article", "entry"})  # fmt: skip
ENTRY_TYPES = re.compile(r"schema\.org/(?:\w*Article|BlogPosting|Review|Event|CreativeWork|"
                         r"Report|Posting|ListItem)\b")  # fmt: skip
PSEUDO_LINK = re.compile(r"^\s*(?:#|javascript:|mailto:|tel:|$)", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
MIN_BLOCKS = 3


@dataclass(slots=True)
class Stats:
    """What one element holds, its descendants included."""

    text: int = 0  # characters of visible text, spaces left out
    links: int = 0  # <a href> that lead somewhere
    link_text: int = 0
    headings: int = 0
    dates: int = 0  # text runs that read as dates, and datetime attributes
    images: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """Sibling elements that look alike: the candidate entry list."""

    parent: etree._Element
    members: tuple[etree._Element, ...]
    score: float
    reason: str  # what counted, for the candidate list ``init`` prints


def classes(element: etree._Element) -> tuple[str, ...]:
    return tuple(str(element.get("class") or "").split())


def signature(element: etree._Element) -> tuple[str, tuple[str, ...]]:
    """The tag and the class names that say what an element is (not its state or number)."""
    kept = _kept_classes(str(element.get("class") or ""))
    if element.tag == "tr":  # rows of one record kind have the same cells
        cells = tuple(f"{c.tag}.{c.get('class') or ''}.{c.get('headers') or ''}" for c in element)
        return "tr", (*kept, *cells)
    return str(element.tag), kept


@functools.lru_cache(maxsize=4096)
def _kept_classes(value: str) -> tuple[str, ...]:
    names = {_DIGITS.sub("", name).lower() for name in value.split()}
    return tuple(sorted(n for n in names if n and n not in STATE_CLASSES))


def measure(root: etree._Element) -> dict[etree._Element, Stats]:
    """:class:`Stats` of every element under ``root``, in one pass from the leaves up."""
    stats: dict[etree._Element, Stats] = {}
    for element in _post_order(root):
        own = Stats()
        own.text = _chars(element.text)
        if element.text and has_date(element.text):
            own.dates += 1
        for child in element:
            if child.tail:
                own.text += _chars(child.tail)
                if has_date(child.tail):
                    own.dates += 1
            sub = stats.get(child)
            if sub is None:
                continue
            own.text += sub.text
            own.links += sub.links
            own.link_text += sub.link_text
            own.headings += sub.headings
            own.dates += sub.dates
            own.images += sub.images
        tag = element.tag
        if tag == "a" and not PSEUDO_LINK.match(str(element.get("href") or "")):
            own.links += 1
            own.link_text = own.text
        elif tag in HEADINGS:
            own.headings += 1
        elif tag == "img":
            own.images += 1
        if element.get("datetime"):
            own.dates += 1
        stats[element] = own
    return stats


def _post_order(root: etree._Element) -> list[etree._Element]:
    order: list[etree._Element] = []
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        element, done = stack.pop()
        if done:
            order.append(element)
            continue
        if not isinstance(element.tag, str) or element.tag in SKIP:
            continue
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    return order


def _chars(text: str | None) -> int:
    return len("".join(text.split())) if text else 0


def find_groups(root: etree._Element, stats: dict[etree._Element, Stats]) -> list[Group]:
    """Every candidate group, best first (ties broken by page order)."""
    groups: list[Group] = []
    for parent in stats:
        children = [c for c in parent if isinstance(c.tag, str) and c in stats]
        if len(children) < 2:
            continue
        kinds = [signature(child) for child in children]
        by_signature: dict[tuple[str, tuple[str, ...]], list[etree._Element]] = {}
        for child, kind in zip(children, kinds, strict=True):
            by_signature.setdefault(kind, []).append(child)
        for members in [*by_signature.values(), *_striped(children, kinds)]:
            kept = [m for m in members if stats[m].text >= 3]  # empty ones are spacers
            if len(kept) >= MIN_BLOCKS:
                group = _score(parent, tuple(kept), stats)
                if group is not None:
                    groups.append(group)
    order = {element: index for index, element in enumerate(stats)}
    groups.sort(key=lambda g: (-g.score, order[g.members[0]]))
    return groups


def _striped(children: list[etree._Element], signatures: list[Any]) -> list[list[etree._Element]]:
    """Siblings of one tag whose classes alternate (zebra rows: ``''``, ``hg``, ``''``...)."""
    if len(set(signatures)) < 2:
        return []
    found = []
    by_tag: dict[str, list[tuple[etree._Element, Any]]] = {}
    for child, kind in zip(children, signatures, strict=True):
        by_tag.setdefault(str(child.tag), []).append((child, kind))
    for pairs in by_tag.values():
        same = [c for c, _ in pairs]
        kinds = [k for _, k in pairs]
        if (len(same) >= 2 * MIN_BLOCKS and kinds[0] != kinds[1]
                and all(kinds[i] == kinds[i + 2] for i in range(len(kinds) - 2))):  # fmt: skip
            found.append(same)
    return found


def _score(
    parent: etree._Element, members: tuple[etree._Element, ...],
    stats: dict[etree._Element, Stats],
) -> Group | None:  # fmt: skip
    count = len(members)
    parts = [stats[m] for m in members]
    text = sum(min(p.text, 400) for p in parts) / count
    linked = sum(1 for p in parts if p.links) / count
    dated = sum(1 for p in parts if p.dates) / count
    headed = sum(1 for p in parts if p.headings) / count
    density = sum(p.link_text for p in parts) / max(1, sum(p.text for p in parts))
    score = math.log2(count + 1) * (1 + min(text, 200) / 40)
    score *= (0.4 + linked) * (1 + 1.5 * dated) * (1 + 0.5 * headed)
    reasons = [f"{count} blocks", f"{text:.0f} chars each", f"links {linked:.0%}"]
    if dated:
        reasons.append(f"dates {dated:.0%}")
    if density > 0.9 and text < 40 and dated < 0.3 and _words(members) < 3:
        score *= 0.15  # a word or two, all link, no date: a menu, pager or tag cloud
        reasons.append("link-only")
    mean = [sum(getattr(p, f) for p in parts) / count for f in ("headings", "dates", "links")]
    if mean[0] > 2.5 or mean[1] > 3.5:
        score *= 0.2  # each member holds several entries: a section, not an entry
        reasons.append("sections")
    elif mean[2] > 15:
        score *= 0.5
    if _entry_marked(members):
        score *= 3
        reasons.append("marked as entries")
    place = _place(parent)
    if place < 1:
        reasons.append("navigation/footer")
    elif place > 1:
        reasons.append("main content")
    score *= place
    if score <= 0:
        return None
    return Group(parent=parent, members=members, score=score, reason=", ".join(reasons))


def _words(members: tuple[etree._Element, ...]) -> float:
    return sum(len(" ".join(m.itertext()).split()) for m in members) / len(members)


def _entry_marked(members: tuple[etree._Element, ...]) -> bool:
    first = members[0]
    names = {name.lower() for name in classes(first)}
    return bool(names & ENTRY_CLASSES) or bool(ENTRY_TYPES.search(str(first.get("itemtype") or "")))


def _place(parent: etree._Element) -> float:
    """0.05 inside page chrome (navigation, footer, ...), 1.5 inside main content, else 1."""
    factor = 1.0
    element: etree._Element | None = parent
    while element is not None and isinstance(element.tag, str):
        words = f"{element.get('class') or ''} {element.get('id') or ''}"
        if element.tag in CHROME_TAGS or element.get("role") in (
            "navigation",
            "banner",
            "contentinfo",
            "menu",
        ):
            return 0.05
        if CHROME_WORDS.search(words):
            return 0.05
        if element.tag == "main" or element.get("role") == "main" or MAIN_WORDS.search(words):
            factor = 1.5
        element = element.getparent()
    return factor
