"""Writing sources: ``publisher init`` (a page -> a ready ``sources.yaml`` entry) and the
checks ``publisher preview`` prints (what each selector matched, what was merged).

    fetch_page (the run's polite path) | auto.detect | source_entry (YAML text)
    | append_source (sources.yaml, comments kept, validated before it is replaced)
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from .config import parse_config
from .dates import order_warnings
from .errors import ConfigError, ExtractError
from .extract import auto, extract_entries, link_base, page_language
from .extract.auto.detect import Detection
from .fetch import fetch_page
from .model import Entry, Page, RawEntry, Selectors, Source
from .normalise import normalise_entries
from .propose import propose
from .write import write_if_changed

FIELDS = ("title", "link", "date", "summary", "category", "image")


@dataclass(frozen=True, slots=True, kw_only=True)
class Found:
    """What ``init`` found on a page."""

    source: Source  # the source to write: html with selectors, or auto for JSON-LD
    detection: Detection
    entries: tuple[Entry, ...]  # as the source gives them
    why: str = ""  # for a feed, a JSON API or a sitemap: what the address is


@dataclass(frozen=True, slots=True, kw_only=True)
class Preview:
    """What ``preview`` shows about one source."""

    entries: tuple[Entry, ...]
    raw_count: int
    matched: dict[str, int]  # field -> items where it matched
    merged: tuple[str, ...]  # titles of entries merged as duplicates
    warnings: tuple[str, ...]
    feeds: tuple[str, ...]  # feeds the page announces


def slug_for(url: str) -> str:
    """An id for the page at ``url``: its host and path as a slug."""
    parts = urlsplit(url)
    host = (parts.hostname or "page").removeprefix("www.")
    words = re.findall(r"[a-z0-9]+", f"{host} {parts.path}".lower())
    return "-".join(words)[:60].strip("-") or "page"


def find_source(
    url: str, *, source_id: str | None, session: requests.Session, now: datetime,
    allow_private: bool = False, allow_addresses: tuple[str, ...] = (),
) -> Found:  # fmt: skip
    """Fetch ``url`` and find its entries; ExtractError (naming the best candidates) when
    nothing convincing is there. ``allow_private`` and ``allow_addresses`` are the site's
    address policy (``init`` refuses loopback and private addresses unless allowed)."""
    # format feed accepts what a page, a feed, a JSON API or a sitemap is served as
    probe = Source(id=source_id or slug_for(url), url=url, title=source_id or slug_for(url),
                   home=url, format="feed", allow_private=allow_private,
                   allow_addresses=allow_addresses)  # fmt: skip
    page = fetch_page(probe, session=session)
    proposal = propose(page)
    if proposal is not None:  # an existing feed, a JSON API or a sitemap
        source = replace(probe, format=proposal.format, select=proposal.select)
        raws = extract_entries(page, source)
        result = normalise_entries(
            raws, source=source, page_url=link_base(page, source), now=now,
        )  # fmt: skip
        detection = Detection(kind=proposal.format, feeds=())
        return Found(source=source, detection=detection, entries=result.entries,
                     why=proposal.why)  # fmt: skip
    return found_on(page, replace(probe, format="auto"), now=now)


def found_on(page: Page, probe: Source, *, now: datetime) -> Found:
    """:func:`find_source` on a fetched page."""
    document, detection = auto.detect_page(page)
    raws = auto.entries_of(document, detection, url=page.url, where=probe.id)
    source = probe
    if detection.select is not None:
        source = replace(probe, format="html", select=detection.select,
                         dayfirst=detection.dayfirst)  # fmt: skip
    result = normalise_entries(raws, source=source, page_url=link_base(page, probe), now=now)
    return Found(source=source, detection=detection, entries=result.entries)


def source_entry(source: Source) -> str:
    """``source`` as a YAML list item for ``sources:`` (id, url, format, select, ...)."""
    item: dict[str, Any] = {"id": source.id, "url": source.url, "format": source.format}
    if source.dayfirst:
        item["dayfirst"] = True
    if source.select is not None:
        item["select"] = {
            f.name: getattr(source.select, f.name)
            for f in fields(Selectors)
            if getattr(source.select, f.name)
        }
    return _dump([item])


def append_source(config_path: Path, entry: str) -> None:
    """Append the YAML list item ``entry`` under ``sources:`` of ``config_path``, keeping
    its comments; the file is replaced only when the result validates."""
    from ruamel.yaml import YAML

    text = config_path.read_text(encoding="utf-8")
    yaml = _yaml()
    document = yaml.load(text)
    item = YAML(typ="rt").load(entry)[0]
    if document is None or "sources" not in document:
        raise ConfigError("no 'sources:' list to add the source to", path=str(config_path))
    sources = document["sources"]
    if sources is None:
        document["sources"] = sources = []
    if any(isinstance(s, dict) and s.get("id") == item["id"] for s in sources):
        raise ConfigError(
            f"a source with id {item['id']!r} is already there; pass another --id",
            path=str(config_path),
        )
    sources.append(item)
    out = io.StringIO()
    yaml.dump(document, out)
    parse_config(out.getvalue(), path=config_path)  # raises ConfigError: nothing written
    write_if_changed(config_path, out.getvalue().encode("utf-8"))


def preview(source: Source, *, session: requests.Session, now: datetime) -> Preview:
    """Fetch ``source`` and say what its selectors (or auto detection) give."""
    page = fetch_page(source, session=session)
    raws = extract_entries(page, source)
    result = normalise_entries(
        raws, source=source, page_url=link_base(page, source), now=now,
        language=page_language(page, source),
    )  # fmt: skip
    if not result.entries:
        raise ExtractError(
            f"{source.id}: no entries found on {page.url}: the items matched but none had "
            f"a title; check the title selector (publisher preview {source.id})"
        )
    matched = field_counts(raws)
    warnings = [*result.warnings, *order_warnings(source.id, result.entries)]
    if raws and not matched["link"]:
        warnings.append(
            f"'link' matched nothing in any of the {len(raws)} items: every entry links to "
            f"home ({source.home}); check the link selector"
        )
    document = auto.parse(page.text, url=page.url)
    return Preview(
        entries=result.entries,
        raw_count=len(raws),
        matched=matched,
        merged=merged_titles(raws, result.entries),
        warnings=tuple(warnings),
        feeds=auto.detect_feeds(document, url=page.url),
    )


def field_counts(raws: tuple[RawEntry, ...] | list[RawEntry]) -> dict[str, int]:
    """For each field, in how many raw entries it has a value."""
    return {name: sum(1 for raw in raws if (getattr(raw, name) or "").strip()) for name in FIELDS}


def merged_titles(raws: tuple[RawEntry, ...], entries: tuple[Entry, ...]) -> tuple[str, ...]:
    """Titles that stand for more than one item on the page (merged as duplicates)."""
    if len(raws) == len(entries):
        return ()
    counts = Counter(" ".join(raw.title.split()) for raw in raws)
    kept = Counter(entry.title for entry in entries)
    return tuple(title for title, n in counts.items() if title and n > kept.get(title, 0))


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # selectors stay on one line
    return yaml


def _dump(value: Any) -> str:
    out = io.StringIO()
    _yaml().dump(value, out)
    return out.getvalue()
