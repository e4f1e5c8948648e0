"""One pass over the sources. The data flows one way:

    load_sources(sources.yaml)                      config.load_config
    | fetch_page        (network, conditional GET)  fetch.fetch_page
    | extract_entries   (page -> raw entries, pure) extract.extract_entries
    | normalise_entry   (raw -> Entry; pure)        normalise.normalise_entries
    | plan_merge        (new / changed / guard)     decide.plan_merge, decide.layout_problem
    | store.merge       (SQLite: first seen, history, updates)   store.Store.commit_success
    | render_feeds      (entries -> Atom/RSS bytes; pure)        render.render_feeds
    | write_feed        (atomic replace, only when bytes changed) write.write_if_changed

The edges are passed in: ``session`` (network), ``store`` and ``out_dir`` (disk) and
``now`` (clock). A failing source is reported and never stops the others; its feed files
are left exactly as they were.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import requests

from .config import Config, Site, Source
from .decide import MergePlan, layout_problem, plan_merge
from .errors import ExtractError, FetchError, LayoutChangedError, PublisherError
from .extract import extract_entries, link_base
from .fetch import Validators, fetch_page
from .normalise import normalise_entries
from .render import render_feeds
from .stages import StageTimes, stage
from .store import Store
from .write import write_if_changed

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceReport:
    """The outcome of one source in one run."""

    source_id: str
    ok: bool
    found: int = 0  # entries on the page
    new: int = 0
    changed: int = 0
    files_written: tuple[str, ...] = ()
    not_modified: bool = False  # HTTP 304: nothing was extracted or rendered
    error: str | None = None
    error_kind: str | None = None  # fetch | extract | layout | internal
    warnings: tuple[str, ...] = ()
    moved_to: str | None = None  # a permanent redirect: update sources.yaml

    @property
    def outcome(self) -> str:
        if not self.ok:
            return "failed"
        if self.not_modified and not self.files_written:
            return "not modified"
        return "written" if self.files_written else "unchanged"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunReport:
    sources: tuple[SourceReport, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(report.ok for report in self.sources)

    @property
    def failed(self) -> tuple[SourceReport, ...]:
        return tuple(report for report in self.sources if not report.ok)


def select_sources(config: Config, only: Iterable[str] | None = None) -> tuple[Source, ...]:
    """The enabled sources, or exactly the ``only`` ones (enabled or not)."""
    if only:
        wanted = list(dict.fromkeys(only))
        known = {source.id for source in config.sources}
        unknown = [source_id for source_id in wanted if source_id not in known]
        if unknown:
            raise KeyError(", ".join(unknown))
        return tuple(config.source(source_id) for source_id in wanted)
    return tuple(source for source in config.sources if source.enabled)


def run_once(
    sources: Iterable[Source],
    *,
    site: Site,
    session: requests.Session,
    store: Store,
    now: datetime,
    out_dir: Path | None = None,
    on_report: Callable[[SourceReport], None] | None = None,
    timings: StageTimes | None = None,
) -> RunReport:
    """Process every source once and return what happened to each.

    ``timings``, when given, collects the time spent in each stage (benchmarks).
    """
    now = now.replace(microsecond=0)
    out = out_dir if out_dir is not None else site.output
    reports = []
    for source in sources:
        report = process_source(
            source, site=site, session=session, store=store, now=now, out_dir=out,
            timings=timings,
        )  # fmt: skip
        if on_report is not None:
            on_report(report)
        reports.append(report)
    return RunReport(sources=tuple(reports))


def process_source(
    source: Source,
    *,
    site: Site,
    session: requests.Session,
    store: Store,
    now: datetime,
    out_dir: Path,
    timings: StageTimes | None = None,
) -> SourceReport:
    """Fetch, extract, normalise, store, render and write one source; never raises."""
    try:
        return _process(
            source, site=site, session=session, store=store, now=now, out_dir=out_dir,
            timings=timings,
        )  # fmt: skip
    except PublisherError as exc:
        kind = _kind(exc)
        status = exc.status if isinstance(exc, FetchError) else None
        log.warning("%s: %s", source.id, exc)
        error = str(exc)
    except Exception as exc:  # a bug must not stop the other sources
        log.exception("%s: unexpected error", source.id)
        kind, status = "internal", None
        error = f"unexpected error {type(exc).__name__}: {exc} (please report this as a bug)"
    store.record_failure(source.id, now=now, error=error, kind=kind, status=status)
    return SourceReport(source_id=source.id, ok=False, error=error, error_kind=kind)


def _kind(exc: PublisherError) -> str:
    if isinstance(exc, LayoutChangedError):
        return "layout"
    if isinstance(exc, ExtractError):
        return "extract"
    if isinstance(exc, FetchError):
        return "fetch"
    return "internal"


def feed_paths(out_dir: Path, source: Source) -> tuple[Path, Path]:
    return out_dir / f"{source.id}.atom", out_dir / f"{source.id}.rss"


def _process(
    source: Source,
    *,
    site: Site,
    session: requests.Session,
    store: Store,
    now: datetime,
    out_dir: Path,
    timings: StageTimes | None = None,
) -> SourceReport:
    with stage(timings, "store"):
        state = store.source_state(source.id)
    paths = feed_paths(out_dir, source)
    have_files = all(path.exists() for path in paths)
    validators = Validators(etag=state.etag, last_modified=state.last_modified)
    with stage(timings, "fetch"):
        page = fetch_page(source, session=session, validators=validators if have_files else None)
    moved = page.permanent_redirect
    if moved:
        log.warning("%s: %s moved permanently to %s; update 'url'", source.id, source.url, moved)

    if page.status == 304:
        with stage(timings, "store"):
            store.commit_success(
                source.id, None, now=now, status=304, etag=state.etag,
                last_modified=state.last_modified, entries_seen=None,
            )  # fmt: skip
        return SourceReport(source_id=source.id, ok=True, not_modified=True, moved_to=moved)

    usual = state.entries_seen
    try:
        with stage(timings, "extract"):
            raws = extract_entries(page, source)
    except ExtractError as exc:
        if usual:
            raise LayoutChangedError(f"{exc} The last good run had {usual} entries.") from exc
        raise
    with stage(timings, "normalise"):
        base = link_base(page, source)
        normalised = normalise_entries(raws, source=source, page_url=base, now=now)
    for warning in normalised.warnings:
        log.warning("%s", warning)
    entries = normalised.entries
    problem = layout_problem(len(entries), usual, ratio=source.min_entries_ratio)
    if problem:
        raise LayoutChangedError(f"{source.id}: {problem}")
    if not entries:
        raise ExtractError(
            f"{source.id}: no entries found on {page.url}: the items matched but none had "
            "a title; check the title selector"
        )

    with stage(timings, "store"):
        existing = store.entries(source.id, (entry.id for entry in entries))
        plan: MergePlan = plan_merge(
            existing, entries, source_id=source.id, now=now, next_seq=store.next_seq(source.id)
        )
        store.commit_success(
            source.id, plan, now=now, status=page.status, etag=page.etag,
            last_modified=page.last_modified, entries_seen=len(entries),
        )  # fmt: skip
        feed = store.feed_entries(
            source.id, limit=source.max_entries, max_age_days=source.max_age_days, now=now
        )
    with stage(timings, "render"):
        files = render_feeds(source, site, feed, fallback_updated=state.newest or now)
    with stage(timings, "write"):
        written = tuple(
            str(path)
            for path, data in zip(paths, (files.atom, files.rss), strict=True)
            if write_if_changed(path, data)
        )
    return SourceReport(
        source_id=source.id,
        ok=True,
        found=len(entries),
        new=len(plan.new),
        changed=len(plan.changed),
        files_written=written,
        warnings=normalised.warnings,
        moved_to=moved,
    )
