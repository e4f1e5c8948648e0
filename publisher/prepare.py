"""One fetched page to what its source's store transaction and feed files will be.

    extract_entries | store.prior (one read) | normalise_entries | plan_merge
    | feed_window | render

Reads the store, writes nothing: the run's one writer (:mod:`publisher.pipeline`)
commits the plan, then writes the bytes. So it runs in the calling process or in a
worker process of the run's pool (:mod:`publisher.pool`) alike, with the same result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .decide import LAYOUT_CHANGED, MergePlan, feed_window, layout_problem, plan_merge
from .errors import ExtractError, LayoutChangedError
from .extract import extract_pages, link_base, page_language
from .model import Page, Site, Source, SourceState
from .normalise import normalise_entries, raw_keys
from .render import render, source_feed
from .stages import StageTimes, stage
from .store import Store


@dataclass(frozen=True, slots=True, kw_only=True)
class Prepared:
    """What one changed page gives: the plan to commit and the feeds' bytes."""

    plan: MergePlan
    found: int  # entries on the first list page (the layout guard's count)
    entries: int  # entries on the page(s)
    warnings: tuple[str, ...]
    newest: datetime | None  # the newest published date of the source, for the feed date
    # the bytes of each of site.outputs, from the feed as it stands once ``plan`` is
    # committed; None when the feed is read back after the commit (filters)
    files: tuple[bytes, ...] | None


def prepare(
    source: Source, state: SourceState, page: Page, *, store: Store, site: Site,
    now: datetime, timings: StageTimes | None = None,
) -> Prepared:  # fmt: skip
    """Extract, normalise, decide and render one fetched page (not a 304).

    Raises the source's error: ExtractError, LayoutChangedError when the page no longer
    looks like the last good one.
    """
    usual = state.entries_seen
    try:
        with stage(timings, "extract"):
            raws, first_page = extract_pages(page, source)
    except ExtractError as exc:
        if usual:
            lead = "" if exc.names_layout else f"{LAYOUT_CHANGED}: "
            raise LayoutChangedError(
                f"{lead}{exc} The last good run had {usual} entries; the feed was left as it was."
            ) from exc
        raise
    base = link_base(page, source)
    with stage(timings, "normalise"):
        keys = raw_keys(raws, source=source, page_url=base)
    with stage(timings, "store"):  # one read: all the decision needs
        prior = store.prior(
            source.id, keys, limit=source.max_entries, max_age_days=source.max_age_days,
            now=now,
        )  # fmt: skip
    with stage(timings, "normalise"):
        normalised = normalise_entries(
            raws, source=source, page_url=base, now=now, known=prior.known, keys=keys,
            language=page_language(page, source),
        )  # fmt: skip
    entries = normalised.entries
    # a paged source counts the entries of its first page (a rerun stops early)
    found = min(len(entries), first_page)
    problem = layout_problem(found, usual, ratio=source.min_entries_ratio)
    if problem:
        raise LayoutChangedError(f"{source.id}: {problem}")
    if not entries:
        raise ExtractError(no_titles(source, page))

    existing = {stored.id: stored for stored in (*prior.known.values(), *prior.window)}
    missing = [entry.id for entry in entries if entry.id not in existing]
    if missing and state.entries_stored > len(existing):
        with stage(timings, "store"):  # older history than the feed shows: rare
            existing.update(store.entries(source.id, missing))
    plan = plan_merge(existing, entries, source_id=source.id, now=now, next_seq=prior.next_seq)
    newest = max((e.published for e in plan.new), default=state.newest)
    if state.newest is not None and newest is not None:
        newest = max(newest, state.newest)
    files = None
    if not (source.include or source.exclude):
        feed = feed_window(
            prior.window, plan, limit=source.max_entries, max_age_days=source.max_age_days,
            now=now,
        )  # fmt: skip
        with stage(timings, "render"):
            # Dates a feed whose entries all aged out: from the store, never from the clock.
            view = source_feed(source, site, feed, fallback_updated=newest or now)
            files = tuple(render(view, site.outputs).values())
    return Prepared(
        plan=plan, found=found, entries=len(entries), warnings=normalised.warnings,
        newest=newest, files=files,
    )  # fmt: skip


def no_titles(source: Source, page: Page) -> str:
    return (
        f"{source.id}: no entries found on {page.url}: the items matched but none had "
        "a title; check the title selector"
    )
