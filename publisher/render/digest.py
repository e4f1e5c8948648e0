"""Digest feeds for mail services: one item per closed day or week. Pure.

``digest: daily`` (or ``weekly``) gives ``<id>-daily.atom``/``.rss`` (``-weekly``): one
item per period, listing the entries *first seen* in it (title, link, date). A period
is a calendar day (a week from Monday) in the source's timezone, and it is published
only once it is over: no entry can be first seen in a past period, so an item, once
published, never changes, and a feed-to-mail service sends one mail per period, never a
partial one twice. A period without new entries has no item. The item's id comes from
the source, the kind and the period, so it is stable whatever else changes.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..model import Site, Source, StoredEntry
from .view import Feed, Item, public_url

KEEP = {"daily": 14, "weekly": 8}  # periods a digest feed looks back


@dataclass(frozen=True, slots=True, kw_only=True)
class Period:
    key: str  # 2026-11-25 or 2026-W48
    start: datetime  # UTC
    end: datetime  # UTC, exclusive
    label: str  # for people: 25 November 2026, week of 23 November 2026


def closed_periods(kind: str, tz: ZoneInfo, now: datetime) -> tuple[Period, ...]:
    """The last :data:`KEEP` periods of ``kind`` that are over at ``now``, newest first."""
    today = now.astimezone(tz).date()
    step = 1 if kind == "daily" else 7
    first = today - timedelta(days=step if kind == "daily" else today.weekday() + 7)
    periods = []
    for back in range(KEEP[kind]):
        day = first - timedelta(days=back * step)
        start = datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=step), time(), tzinfo=tz).astimezone(UTC)
        if kind == "daily":
            key, label = day.isoformat(), f"{day.day} {day:%B %Y}"
        else:
            year, week, _ = day.isocalendar()
            key, label = f"{year}-W{week:02d}", f"week of {day.day} {day:%B %Y}"
        periods.append(Period(key=key, start=start, end=end, label=label))
    return tuple(periods)


def digest_stem(source: Source, kind: str) -> str:
    return f"{source.id}-{kind}"


def digest_feed(
    source: Source,
    site: Site,
    kind: str,
    periods: Sequence[Period],
    entries: Sequence[StoredEntry],
    *,
    fallback_updated: datetime,
) -> Feed:
    """The digest of ``source``: ``entries`` (first seen within ``periods``) grouped by
    period, newest period first."""
    items = []
    for period in periods:
        inside = [e for e in entries if period.start <= e.first_seen < period.end]
        if inside:
            items.append(_item(source, site, kind, period, inside))
    stem = digest_stem(source, kind)
    return Feed(
        stem=stem,
        id=_urn(f"publisher-digest-feed:{source.id}:{kind}"),
        title=f"{source.title} ({kind} digest)",
        home=public_url(source.home),
        base_url=site.base_url,
        description=f"One item per {'day' if kind == 'daily' else 'week'} listing the new "
        f"entries from {source.home}",
        author=source.author or source.title,
        updated=max((i.updated for i in items), default=fallback_updated),
        ttl=source.ttl,
        items=tuple(items),
        timezone=source.timezone,
    )


def _item(
    source: Source, site: Site, kind: str, period: Period, entries: Sequence[StoredEntry]
) -> Item:
    count = len(entries)
    lines = "".join(
        f'<li><a href="{html.escape(public_url(e.link))}">{html.escape(e.title)}</a> '
        f"({e.published.astimezone(source.tz).date().isoformat()})</li>"
        for e in sorted(entries, key=lambda e: (e.published, e.seq), reverse=True)
    )
    return Item(
        id=_urn(f"publisher-digest:{source.id}:{kind}:{period.key}"),
        title=f"{source.title}: {count} new {'entry' if count == 1 else 'entries'}, {period.label}",
        link=f"{site.base_url}{source.id}.html#{period.key}",
        published=period.end,
        updated=period.end,
        summary=f"<ul>{lines}</ul>",
    )


def _urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"
