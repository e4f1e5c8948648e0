"""One pass over the sources. The data flows one way:

    load_sources(sources.yaml)                      config.load_config
    | fetch_page        (network, conditional GET)  fetch.fetch_page (retrieve.RETRIEVERS)
    | extract_entries   (page -> raw entries, pure) extract.extract_entries (extract.FORMATS)
    | store.prior       (one read: entries seen before by raw key, the feed as it stands)
    | normalise_entry   (raw -> Entry; pure)        normalise.normalise_entries
    | plan_merge        (new / changed / guard)     decide.plan_merge, decide.layout_problem
    | store.merge       (one transaction: entries and the source's state)
    |                                               store.Store.commit_success
    | render            (entries -> site.outputs' bytes; pure)   render.render
    | write_feed        (atomic replace, only when bytes changed) write.write_if_changed
    | store.record_run  (one transaction per run: 304s and the feed files' stamps)

The edges are passed in: ``session`` (network), ``store`` and ``out_dir`` (disk) and
``now`` (clock). Pages are fetched concurrently across hosts (``workers`` threads, see
:mod:`publisher.workers`); every later stage runs on the calling thread as pages
arrive. The report keeps the given order. A failing source is reported and never stops
the others; its feed files are left exactly as they were.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import requests

from .collections import write_collections
from .errors import ClockError, FetchError, PublisherError
from .faults import store_message
from .fetch import fetch_page
from .fulltext import fill
from .hosts import HostGate
from .model import Config, Page, Site, Source, SourceState, StoredEntry
from .pool import START_AFTER, Job, Outcome, PagePool, pool_size
from .render import output_paths, output_urls, render, source_feed
from .report import RunReport, SourceReport
from .retrieve import Validators, close_retrievers
from .robots import ROBOTS_MAX_AGE, RobotsCache
from .stages import StageTimes, stage
from .store import Store
from .websub import ping_hub
from .window import filters_key, source_window
from .workers import fetched_in_turn
from .write import FeedWriter, LocalWriter, open_writer

if TYPE_CHECKING:
    from .prepare import Prepared

log = logging.getLogger(__name__)


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


@dataclass(slots=True, kw_only=True)
class _Run:
    """What the stages of one run share: its edges, and what it records at its end."""

    site: Site
    store: Store
    now: datetime
    out: FeedWriter
    timings: StageTimes | None
    full_text: Callable[[Source, Sequence[StoredEntry]], int]  # fetches missing articles
    stamps: dict[str, str | None] = field(default_factory=dict)  # feed files written
    not_modified: list[str] = field(default_factory=list)  # sources that answered 304


def run_once(
    sources: Iterable[Source],
    *,
    site: Site,
    session: requests.Session,
    store: Store,
    now: datetime,
    out_dir: Path | str | None = None,
    on_report: Callable[[SourceReport], None] | None = None,
    workers: int | None = None,
    gate: HostGate | None = None,
    robots: RobotsCache | None = None,
    timings: StageTimes | None = None,
    config: Config | None = None,
) -> RunReport:
    """Process every source once and return what happened to each, in the given order.

    Up to ``workers`` (default ``site.workers``) pages are fetched at once by worker
    threads, taking hosts in turn; the shared ``gate`` keeps requests to one host one at
    a time and ``min_delay`` apart, and ``robots`` fetches each host's robots.txt once.
    Without ``robots``, the run makes its own cache and keeps it in ``store``, so that the
    next runs within :data:`~publisher.robots.ROBOTS_MAX_AGE` need not ask again.
    The calling thread does the rest (extract to write) for each page as it arrives:
    that work is CPU-bound, so more threads would only contend for the interpreter, and
    the store is written from one thread. At most ``2 * workers`` fetched pages wait at a
    time, so memory does not grow with the number of sources. ``on_report`` is called in
    the given order; ``timings``, when given, collects the time spent in each stage.
    With ``config``, its collections that hold a source whose files were written are
    written afterwards (:mod:`publisher.collections`).
    """
    now = now.replace(microsecond=0)
    todo = tuple(sources)
    gate = gate if gate is not None else HostGate()
    keep_robots = robots is None  # a cache of our own: remembered in the store
    if robots is None:
        robots = RobotsCache(session=session, gate=gate, max_age=ROBOTS_MAX_AGE)
    shared_robots = robots

    def full_text(source: Source, window: Sequence[StoredEntry]) -> int:
        return fill(source, window, store=store, session=session, gate=gate, robots=shared_robots)

    run = _Run(
        site=site, store=store, now=now, timings=timings, full_text=full_text,
        out=open_writer(out_dir if out_dir is not None else site.output, generated=now),
    )  # fmt: skip
    with stage(timings, "store"):
        states = store.source_states(source.id for source in todo)
        # a store lost or emptied under existing feed files: their history comes back first
        # (from a local folder only: feeds in S3 are not read back)
        lost: dict[str, Exception] = {}
        if any(not state.entries_stored for state in states.values()):
            if isinstance(run.out, LocalWriter):
                # lxml and the normaliser: not imported by a run whose store holds every source
                from .repair import restore_lost

                lost = restore_lost(todo, states, store=store, out_dir=run.out.folder)
            states = store.source_states(source.id for source in todo)
        if keep_robots:
            since = now - timedelta(seconds=ROBOTS_MAX_AGE)
            robots.load(store.robots_files(since=since), now=now)
    with stage(timings, "write"):  # before the workers start: no thread waits on a stat
        files = {source.id: _stamp(run.out, source, site.outputs) for source in todo}

    def fetch(source: Source) -> Page | Exception:
        if source.id in lost:  # its history could not be rebuilt: it must not run
            return lost[source.id]
        state = states[source.id]
        conditional = files[source.id] is not None  # a file is missing: ask for the page
        validators = Validators(etag=state.etag, last_modified=state.last_modified)
        try:
            with stage(timings, "fetch"):
                return fetch_page(
                    source, session=session, validators=validators if conditional else None,
                    gate=gate, robots=robots, now=now,
                    known=functools.partial(store.entries, source.id),  # pages: stop at known
                )  # fmt: skip
        except Exception as exc:  # handed to the thread that records outcomes
            return exc

    reports: list[SourceReport | None] = [None] * len(todo)
    emitted = 0

    def settle(
        index: int, prepared: Prepared | Exception | None, fetched: Page | Exception
    ) -> None:
        nonlocal emitted
        source = todo[index]
        work = functools.partial(
            _finish, source, states[source.id], fetched, files[source.id], run, prepared
        )
        reports[index] = _announce(_settle(source, work, run), source, site=site, session=session)
        while emitted < len(todo) and reports[emitted] is not None:
            if on_report is not None:
                on_report(reports[emitted])  # type: ignore[arg-type]
            emitted += 1

    # worker processes for the changed pages of a run of many sources (publisher.pool)
    processes = pool_size(site, len(todo))
    pool: PagePool | None = None
    pages = 0  # changed pages so far
    count = max(1, min(workers or site.workers, len(todo)))
    fetches = fetched_in_turn(todo, fetch, workers=count)
    clock_ok = True
    try:
        for index, fetched in fetches:
            source = todo[index]
            if processes and isinstance(fetched, Page) and fetched.status != 304:
                pages += 1
                if pool is None and pages >= START_AFTER:
                    pool = PagePool(processes, state=store.path)
            if not (
                pool is not None
                and isinstance(fetched, Page)
                and fetched.status != 304
                and pool.submit(index, Job(source=source, state=states[source.id], page=fetched,
                                           site=site, now=now, timed=timings is not None))
            ):  # fmt: skip
                settle(index, None, fetched)
            while pool is not None and pool.pending:
                taken = pool.done(block=pool.pending >= pool.limit)
                if not taken:
                    break
                for done, job, outcome in taken:
                    settle(done, _taken(outcome, timings), job.page)
        while pool is not None and pool.pending:
            for done, job, outcome in pool.done(block=True):
                settle(done, _taken(outcome, timings), job.page)
    except ClockError:
        clock_ok = False  # nothing more is stored with a clock that is wrong
        raise
    finally:
        fetches.close()  # stops and joins the threads, also when a stage raised
        if pool is not None:
            pool.close()
        close_retrievers()  # the run's browser, if a source used one
        if clock_ok:
            with stage(timings, "store"):
                store.record_run(now=now, not_modified=run.not_modified, published=run.stamps)
                if keep_robots:
                    store.save_robots_files(robots.to_keep(dated=now))
    if config is not None and config.collections:
        changed = (r.source_id for r in reports if r is not None and r.files_written)
        with stage(timings, "render"):
            write_collections(config, changed=changed, store=store, now=now, out=run.out)
    return RunReport(sources=tuple(report for report in reports if report is not None))


def _announce(
    report: SourceReport, source: Source, *, site: Site, session: requests.Session
) -> SourceReport:
    """Tell the WebSub hub (if any) about the feed files this report wrote."""
    if not (site.websub_hub and report.files_written):
        return report
    written = {Path(name).name for name in report.files_written}
    topics = [url for url in output_urls(site, source) if url.rsplit("/", 1)[-1] in written]
    warning = ping_hub(session, site.websub_hub, topics)
    if warning is None:
        return report
    log.warning("%s: %s", source.id, warning)
    return replace(report, warnings=(*report.warnings, f"{source.id}: {warning}"))


def _settle(source: Source, work: Callable[[], SourceReport], run: _Run) -> SourceReport:
    """Run ``work``; turn any failure into a failed report, recorded in the store."""
    try:
        return work()
    except ClockError:
        raise  # the whole run stops: see publisher.clock
    except PublisherError as exc:
        kind = exc.kind
        status = exc.status if isinstance(exc, FetchError) else None
        log.warning("%s: %s", source.id, exc)
        error = str(exc)
    except (OSError, sqlite3.Error) as exc:  # the machine's fault, not a bug
        kind, status = "storage", None
        error = store_message(run.store.path, exc)
        log.warning("%s: %s", source.id, error)
    except Exception as exc:  # a bug must not stop the other sources
        log.error("%s: unexpected error", source.id, exc_info=exc)
        kind, status = PublisherError.kind, None
        error = f"unexpected error {type(exc).__name__}: {exc} (please report this as a bug)"
    run.store.record_failure(source.id, now=run.now, error=error, kind=kind, status=status)
    return SourceReport(source_id=source.id, ok=False, error=error, error_kind=kind)


def feed_paths(out_dir: Path, source: Source, outputs: Sequence[str]) -> tuple[Path, ...]:
    """The source's feed files, one per output kind in ``outputs`` (site.outputs)."""
    return output_paths(out_dir, source.id, outputs)


def _taken(outcome: Outcome | None, timings: StageTimes | None) -> Prepared | Exception | None:
    """A worker's result, its records logged here and its stage times added to ``timings``;
    None for a page the pool lost (prepared again by :func:`_finish`)."""
    if outcome is None:
        return None
    for record in outcome.records:
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)
    if timings is not None and outcome.times is not None:
        timings.add(outcome.times)
        timings.worker(*outcome.usage)
    return outcome.result


def feed_names(source: Source, outputs: Sequence[str]) -> tuple[str, ...]:
    """The names of the source's feed files (in any folder or bucket)."""
    return tuple(path.name for path in feed_paths(Path(), source, outputs))


def _finish(
    source: Source, state: SourceState, fetched: Page | Exception, files: str | None, run: _Run,
    prepared: Prepared | Exception | None = None,
) -> SourceReport:  # fmt: skip
    """Prepare (unless a worker did: ``prepared``), store, and write one fetched page.

    ``files``: the stamp of the feed files before the fetch (see :func:`_stamp`).
    """
    if isinstance(fetched, Exception):
        raise fetched
    page = fetched
    moved = page.permanent_redirect
    if moved:
        log.warning("%s: %s moved permanently to %s; update 'url'", source.id, source.url, moved)
    if page.status == 304:
        run.not_modified.append(source.id)
        # Repair: a run killed after its store commit left the files behind the store
        # (feed stamp unset), or the files were changed or removed since they were
        # written. Never from an empty store: a blind 304 must not empty a feed.
        written: tuple[str, ...] = ()
        filled = _full_text(source, run)  # articles that failed before are tried again
        if state.entries_stored and (
            filled or state.feed_digest is None or files != state.feed_digest
        ):
            with stage(run.timings, "store"):
                feed = source_window(run.store, source, now=run.now)
            written = _publish(source, feed, newest=state.newest, run=run)
        return SourceReport(
            source_id=source.id, ok=True, not_modified=True, files_written=written,
            moved_to=moved,
        )  # fmt: skip

    if prepared is None:
        from .prepare import prepare  # the stages of a changed page: not for a run of 304s

        prepared = prepare(
            source, state, page, store=run.store, site=run.site, now=run.now,
            timings=run.timings,
        )  # fmt: skip
    elif isinstance(prepared, Exception):
        raise prepared
    for warning in prepared.warnings:
        log.warning("%s", warning)
    plan = prepared.plan
    with stage(run.timings, "store"):  # one transaction: entries and the source's state
        run.store.commit_success(
            source.id, plan, now=run.now, status=page.status, etag=page.etag,
            last_modified=page.last_modified, entries_seen=prepared.found,
        )  # fmt: skip
    if _full_text(source, run) or prepared.files is None:
        with stage(run.timings, "store"):  # articles or filters: the feed as stored now
            feed = source_window(run.store, source, now=run.now)
        written = _publish(source, feed, newest=prepared.newest, run=run)
    else:
        written = _write(source, prepared.files, run)
    return SourceReport(
        source_id=source.id,
        ok=True,
        found=prepared.entries,
        new=len(plan.new),
        changed=len(plan.changed),
        files_written=written,
        warnings=prepared.warnings,
        moved_to=moved,
    )


def _publish(
    source: Source, feed: tuple[StoredEntry, ...], *, newest: datetime | None, run: _Run
) -> tuple[str, ...]:
    """Render the feeds of ``feed`` (what the store holds now); write the files whose
    bytes differ, and remember their stamp for the run's last transaction."""
    with stage(run.timings, "render"):
        # Dates a feed whose entries all aged out: from the store, never from the clock.
        view = source_feed(source, run.site, feed, fallback_updated=newest or run.now)
        files = render(view, run.site.outputs)
    return _write(source, tuple(files.values()), run)


def _write(source: Source, files: tuple[bytes, ...], run: _Run) -> tuple[str, ...]:
    """Write the feed files (``files``: the bytes of each of site.outputs) whose bytes
    differ, and remember their stamp for the run's last transaction."""
    names = feed_names(source, run.site.outputs)
    with stage(run.timings, "write"):
        written = tuple(
            run.out.where(name)
            for name, data in zip(names, files, strict=True)
            if run.out.write(name, data, max_age=source.ttl * 60)
        )
        run.stamps[source.id] = _stamp(run.out, source, run.site.outputs)
    return written


def _stamp(out: FeedWriter, source: Source, outputs: Sequence[str]) -> str | None:
    """The stamp of the feed files as written for the source's filters: files written
    under other filters count as behind the store (rendered again, even on HTTP 304)."""
    stamp = out.stamp(feed_names(source, outputs))
    return None if stamp is None else stamp + filters_key(source)


def _full_text(source: Source, run: _Run) -> int:
    """Fetch the articles the feed's entries lack (``full_text: true``); how many."""
    if not source.full_text:
        return 0
    return run.full_text(source, source_window(run.store, source, now=run.now))
