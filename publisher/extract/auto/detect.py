"""Page -> :class:`Detection`: where the entries are, as selectors a user could keep.

Structured data first (JSON-LD lists of articles, see :mod:`.structured`), then the best
group of repeated blocks (:mod:`.blocks`), then the fields inside them (:mod:`.fields`).
The item selector is written from the group's parent path and checked: it must select
exactly the group's blocks, or a longer path is tried.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from parsel import Selector

from ...model import RawEntry, Selectors
from . import blocks, fields, structured
from .patterns import Family

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
MIN_SCORE = 4.0  # below this, no group is convincing


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    selector: str
    count: int
    score: float
    reason: str
    sample: str  # the first block's text, shortened


@dataclass(frozen=True, slots=True, kw_only=True)
class Detection:
    """What auto detection found on one page."""

    kind: str  # "json-ld", "blocks" or "none"
    select: Selectors | None = None  # for "blocks"
    dayfirst: bool = False
    date_family: Family | None = None
    entries: tuple[RawEntry, ...] = ()  # for "json-ld"
    feeds: tuple[str, ...] = ()  # feeds the page announces (absolute URLs)
    candidates: tuple[Candidate, ...] = ()  # the best groups, best first


def detect(document: Selector, *, url: str) -> Detection:
    root = document.root
    feeds = announced_feeds(document, url=url)
    found = structured.entries(document)
    if found:
        return Detection(kind="json-ld", entries=found, feeds=feeds)
    stats = blocks.measure(root)
    groups = blocks.find_groups(root, stats)
    candidates = tuple(_candidate(root, g) for g in groups[:5])
    if not groups or groups[0].score < MIN_SCORE:
        return Detection(kind="none", feeds=feeds, candidates=candidates)
    group = groups[0]
    members = group.members
    language = _language(root)
    title = fields.choose_title(members)
    date, date_regex, family, dayfirst = fields.choose_date(members, language=language)
    select = Selectors(
        item=candidates[0].selector,
        title=title,
        link=fields.choose_link(members, title),
        date=date or None,
        date_regex=date_regex,
        summary=fields.choose_summary(members, title),
        category=fields.choose_category(members, title),
        image=fields.choose_image(members),
    )
    return Detection(kind="blocks", select=select, dayfirst=dayfirst, date_family=family,
                     feeds=feeds, candidates=candidates)  # fmt: skip


def announced_feeds(document: Selector, *, url: str) -> tuple[str, ...]:
    """The feeds the page links in its head (``<link rel="alternate" type="...rss+xml">``)."""
    from urllib.parse import urljoin

    found: list[str] = []
    for link in document.xpath("//link[@href]"):
        rel = str(link.attrib.get("rel", "")).lower().split()
        kind = str(link.attrib.get("type", "")).lower().strip()
        if "alternate" in rel and kind in FEED_TYPES:
            href = urljoin(url, link.attrib["href"].strip())
            if href not in found:
                found.append(href)
    return tuple(found)


def _language(root: etree._Element) -> str:
    for element in root.iter("html"):
        return str(element.get("lang") or element.get("xml:lang") or "")
    return ""


def _candidate(root: etree._Element, group: blocks.Group) -> Candidate:
    text = " ".join("".join(group.members[0].itertext()).split())
    return Candidate(
        selector=item_selector(root, group),
        count=len(group.members),
        score=round(group.score, 1),
        reason=group.reason,
        sample=text[:77] + "..." if len(text) > 80 else text,
    )


def item_selector(root: etree._Element, group: blocks.Group) -> str:
    """An XPath selecting exactly the group's blocks: the members' step under the shortest
    path to their parent (by id, or by tag and class) that selects nothing else."""
    member = _member_step(group)
    wanted = set(group.members)
    steps: list[str] = []
    element: etree._Element | None = group.parent
    while element is not None and isinstance(element.tag, str):
        anchor = _anchor(element)
        for top in (anchor, fields.step(element)):
            if top:
                selector = "//" + "/".join([top, *steps, member])
                if set(root.xpath(selector)) == wanted:
                    return selector
        steps.insert(0, _indexed(element))
        element = element.getparent()
    return "/" + "/".join([*steps, member])


def _anchor(element: etree._Element) -> str | None:
    ident = element.get("id")
    if ident and not re.search(r"['\"]|\d{3,}", ident):
        return f"{element.tag}[@id='{ident}']"
    return None


def _indexed(element: etree._Element) -> str:
    parent = element.getparent()
    if parent is None:
        return str(element.tag)
    same = [c for c in parent if c.tag == element.tag]
    step = fields.step(element)
    if len(same) == 1:
        return step
    return f"{element.tag}[{same.index(element) + 1}]"


def _member_step(group: blocks.Group) -> str:
    tag = str(group.members[0].tag)
    wanted = set(group.members)
    siblings = [c for c in group.parent if c.tag == tag]
    if all(s in wanted for s in siblings):
        return tag
    names = [set(blocks.classes(m)) for m in group.members]
    common = set.intersection(*names) if names else set()
    if common:
        name = sorted(common)[0]
        step = f"{tag}[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"
    else:
        values = sorted({" ".join(blocks.classes(m)) for m in group.members})
        step = f"{tag}[" + " or ".join(f"normalize-space(@class)='{v}'" for v in values) + "]"
    matched = [s for s in siblings if s in wanted or _matches(s, step)]
    if any(s not in wanted for s in matched):
        step += "[normalize-space()]"
    return step


def _matches(element: etree._Element, step: str) -> bool:
    parent = element.getparent()
    return parent is not None and element in parent.xpath(f"./{step}")
