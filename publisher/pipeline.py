"""One pass over the sources. The data flows one way:

    load_sources(sources.yaml)                      config.load_config
    | fetch_page        (network, conditional GET)  fetch.fetch_page
    | extract_entries   (page -> raw entries, pure) extract.extract_entries
    | normalise_entry   (raw -> Entry; pure)        normalise.normalise_entries
                        (a raw entry seen before as it is now: the stored Entry, by raw key)
    | plan_merge        (new / changed / guard)     decide.plan_merge, decide.layout_problem
    | store.merge       (SQLite: first seen, history, updates)   store.Store.commit_success
    | render_feeds      (entries -> Atom/RSS bytes; pure)        render.render_feeds
    | write_feed        (atomic replace, only when bytes changed) write.write_if_changed

The edges are passed in: ``session`` (network), ``store`` and ``out_dir`` (disk) and
``now`` (clock). Pages are fetched concurrently across hosts (``workers`` threads), one
request at a time per host (:class:`~publisher.hosts.HostGate`); every later stage runs on
the calling thread as pages arrive. The report keeps the given order.
A failing source is reported and never stops the others; its feed files
are left exactly as they were.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import requests

from .config import Config, Site, Source
from .dates import order_warnings
from .decide import LAYOUT_CHANGED, MergePlan, layout_problem, plan_merge
from .errors import ExtractError, FetchError, LayoutChangedError, PublisherError
from .extract import extract_entries, link_base, page_language
from .fetch import Validators, fetch_page
from .hosts import HostGate, host_key
from .model import Entry, Page
from .normalise import normalise_entries, raw_keys
from .render import feed_urls, render_feeds
from .robots import ROBOTS_MAX_AGE, RobotsCache
from .stages import StageTimes, stage
from .store import SourceState, Store
from .websub import ping_hub
from .write import files_stamp, write_if_changed

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

    @property
    def summary(self) -> str:
        """What happened, in a few words: for the run table and the scheduler's log."""
        if not self.ok:
            return str(self.error)
        if self.not_modified:
            repaired = ", feed files repaired from the store" if self.files_written else ""
            return f"not modified (HTTP 304){repaired}"
        files = "files written" if self.files_written else "files unchanged"
        text = f"{self.found} found, {self.new} new, {self.changed} updated, {files}"
        if self.warnings:
            text += f", {len(self.warnings)} warning(s)"
        return text


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
    workers: int | None = None,
    gate: HostGate | None = None,
    robots: RobotsCache | None = None,
    timings: StageTimes | None = None,
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
    """
    now = now.replace(microsecond=0)
    out = out_dir if out_dir is not None else site.output
    todo = tuple(sources)
    gate = gate if gate is not None else HostGate()
    keep_robots = robots is None  # a cache of our own: remembered in the store
    if robots is None:
        robots = RobotsCache(session=session, gate=gate, max_age=ROBOTS_MAX_AGE)
    with stage(timings, "store"):
        states = store.source_states(source.id for source in todo)
        if keep_robots:
            since = now - timedelta(seconds=ROBOTS_MAX_AGE)
            robots.load(store.robots_files(since=since), now=now)
    with stage(timings, "write"):  # before the workers start: no thread waits on a stat
        stamps = {source.id: files_stamp(feed_paths(out, source)) for source in todo}

    def fetch(source: Source) -> Page | Exception:
        return _fetch(
            source, states[source.id], files=stamps[source.id], session=session,
            gate=gate, robots=robots, timings=timings,
        )  # fmt: skip

    reports: list[SourceReport | None] = [None] * len(todo)
    emitted = 0

    def done(index: int, fetched: Page | Exception) -> None:
        nonlocal emitted
        source = todo[index]
        report = _settle(
            source,
            lambda: _finish(
                source, states[source.id], fetched, files=stamps[source.id], site=site,
                store=store, now=now, out_dir=out, timings=timings,
            ),
            store=store,
            now=now,
        )  # fmt: skip
        reports[index] = _announce(report, source, site=site, session=session)
        while emitted < len(todo) and reports[emitted] is not None:
            if on_report is not None:
                on_report(reports[emitted])  # type: ignore[arg-type]
            emitted += 1

    count = max(1, min(workers or site.workers, len(todo)))
    fetches = _fetched_in_turn(todo, fetch, workers=count)
    try:
        for index, fetched in fetches:
            done(index, fetched)
    finally:
        fetches.close()  # stops and joins the threads, also when done() raised
        _record_not_modified(reports, store=store, now=now, timings=timings)
        if keep_robots:
            with stage(timings, "store"):
                store.save_robots_files(robots.to_keep(dated=now))
    return RunReport(sources=tuple(report for report in reports if report is not None))


def _fetched_in_turn(
    todo: Sequence[Source], fetch: Callable[[Source], Page | Exception], *, workers: int
) -> Generator[tuple[int, Page | Exception], None, None]:
    """``(index, page or error)`` for every source, as the ``workers`` threads fetch them.

    Each thread takes the next source in :func:`host_order` by itself and hands its page
    over; at most ``2 * workers`` fetched pages wait for the caller, so memory does not
    grow with the number of sources. The caller's thread wakes only to take a page: with
    no dispatcher in between, an unchanged page (304) costs as few handovers of the
    interpreter lock as a fetch can.
    """
    order = iter(host_order(todo))
    take = threading.Lock()
    room = threading.Semaphore(2 * workers)
    fetched: queue.SimpleQueue[tuple[int, Page | BaseException]] = queue.SimpleQueue()
    stop = threading.Event()

    def work() -> None:
        while True:
            room.acquire()
            with take:
                index = None if stop.is_set() else next(order, None)
            if index is None:
                return
            try:
                result: Page | BaseException = fetch(todo[index])
            except BaseException as exc:  # fetch returns its errors: this is a bug
                result = exc
            fetched.put((index, result))

    threads = [
        threading.Thread(target=work, name=f"publisher-fetch-{n}", daemon=True)
        for n in range(workers)
    ]
    for thread in threads:
        thread.start()
    try:
        for _ in todo:
            index, result = fetched.get()
            if not isinstance(result, Exception) and isinstance(result, BaseException):
                raise result
            yield index, result
            room.release()
    finally:
        stop.set()
        for _ in threads:
            room.release()  # wake any thread waiting for room, so that it sees stop
        for thread in threads:
            thread.join()


def _announce(
    report: SourceReport, source: Source, *, site: Site, session: requests.Session
) -> SourceReport:
    """Tell the WebSub hub (if any) about the feed files this report wrote."""
    if not (site.websub_hub and report.files_written):
        return report
    written = {Path(name).name for name in report.files_written}
    topics = [url for url in feed_urls(site, source) if url.rsplit("/", 1)[-1] in written]
    warning = ping_hub(session, site.websub_hub, topics)
    if warning is None:
        return report
    log.warning("%s: %s", source.id, warning)
    return replace(report, warnings=(*report.warnings, f"{source.id}: {warning}"))


def _record_not_modified(
    reports: Iterable[SourceReport | None],
    *,
    store: Store,
    now: datetime,
    timings: StageTimes | None = None,
) -> None:
    """One transaction for the outcome of every source that answered 304."""
    with stage(timings, "store"):
        store.record_not_modified(
            (r.source_id for r in reports if r is not None and r.ok and r.not_modified), now=now
        )


def preview_source(
    source: Source, *, session: requests.Session, now: datetime
) -> tuple[tuple[Entry, ...], tuple[str, ...]]:
    """What the source's page gives now: entries and warnings, with nothing stored or
    written (for checking selectors). Raises the source's error, as a run would report it.
    """
    page = fetch_page(source, session=session)
    raws = extract_entries(page, source)
    result = normalise_entries(
        raws, source=source, page_url=link_base(page, source), now=now,
        language=page_language(page, source),
    )  # fmt: skip
    if not result.entries:
        raise ExtractError(
            f"{source.id}: no entries found on {page.url}: the items matched but none had "
            "a title; check the title selector"
        )
    return result.entries, result.warnings + order_warnings(source.id, result.entries)


def host_order(sources: Sequence[Source]) -> list[int]:
    """Indexes of ``sources`` taking hosts in turn (a1 b1 c1 a2 b2 ...), so that workers
    are rarely all waiting for the same host. Local files count as a host each."""
    queues: dict[str, list[int]] = {}
    for index, source in enumerate(sources):
        key = f"file:{index}" if source.is_local else host_key(source.url)
        queues.setdefault(key, []).append(index)
    order: list[int] = []
    lanes = list(queues.values())
    depth = 0
    while len(order) < len(sources):
        order.extend(lane[depth] for lane in lanes if depth < len(lane))
        depth += 1
    return order


def process_source(
    source: Source,
    *,
    site: Site,
    session: requests.Session,
    store: Store,
    now: datetime,
    out_dir: Path,
    gate: HostGate | None = None,
    robots: RobotsCache | None = None,
    timings: StageTimes | None = None,
) -> SourceReport:
    """Fetch, extract, normalise, store, render and write one source; never raises."""
    state = store.source_state(source.id)
    files = files_stamp(feed_paths(out_dir, source))
    fetched = _fetch(
        source, state, files=files, session=session, gate=gate, robots=robots,
        timings=timings,
    )  # fmt: skip
    report = _settle(
        source,
        lambda: _finish(
            source, state, fetched, files=files, site=site, store=store, now=now,
            out_dir=out_dir, timings=timings,
        ),
        store=store,
        now=now,
    )  # fmt: skip
    _record_not_modified((report,), store=store, now=now, timings=timings)
    return _announce(report, source, site=site, session=session)


def _settle(
    source: Source, work: Callable[[], SourceReport], *, store: Store, now: datetime
) -> SourceReport:
    """Run ``work``; turn any failure into a failed report, recorded in the store."""
    try:
        return work()
    except PublisherError as exc:
        kind = _kind(exc)
        status = exc.status if isinstance(exc, FetchError) else None
        log.warning("%s: %s", source.id, exc)
        error = str(exc)
    except Exception as exc:  # a bug must not stop the other sources
        log.error("%s: unexpected error", source.id, exc_info=exc)
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


def _fetch(
    source: Source,
    state: SourceState,
    *,
    files: str | None,
    session: requests.Session,
    gate: HostGate | None,
    robots: RobotsCache | None,
    timings: StageTimes | None = None,
) -> Page | Exception:
    """The page, or the exception that stopped it (raised again by :func:`_finish`).

    ``files`` is the stamp of the source's feed files; None (a file is missing) asks for
    the whole page, since the files are then rebuilt from it.
    """
    validators = Validators(etag=state.etag, last_modified=state.last_modified)
    try:
        with stage(timings, "fetch"):
            return fetch_page(
                source, session=session, validators=validators if files is not None else None,
                gate=gate, robots=robots,
            )  # fmt: skip
    except Exception as exc:  # handed to the thread that records outcomes
        return exc


def _finish(
    source: Source,
    state: SourceState,
    fetched: Page | Exception,
    *,
    files: str | None,
    site: Site,
    store: Store,
    now: datetime,
    out_dir: Path,
    timings: StageTimes | None = None,
) -> SourceReport:
    """``files``: the stamp of the feed files before the fetch (see :func:`files_stamp`)."""
    if isinstance(fetched, Exception):
        raise fetched
    page = fetched
    moved = page.permanent_redirect
    if moved:
        log.warning("%s: %s moved permanently to %s; update 'url'", source.id, source.url, moved)

    if page.status == 304:  # the caller records the outcome (store.record_not_modified)
        # Repair: a run killed after its store commit left the files behind the store
        # (feed stamp unset), or the files were changed or removed since they were
        # written. Never from an empty store: a blind 304 must not empty a feed.
        written: tuple[str, ...] = ()
        if state.entries_stored and (state.feed_digest is None or files != state.feed_digest):
            written = _publish(
                source, site=site, store=store, now=now, out_dir=out_dir, timings=timings
            )
        return SourceReport(
            source_id=source.id, ok=True, not_modified=True, files_written=written,
            moved_to=moved,
        )  # fmt: skip

    usual = state.entries_seen
    try:
        with stage(timings, "extract"):
            raws = extract_entries(page, source)
    except ExtractError as exc:
        if usual:
            lead = "" if LAYOUT_CHANGED in str(exc) else f"{LAYOUT_CHANGED}: "
            raise LayoutChangedError(
                f"{lead}{exc} The last good run had {usual} entries; the feed was left as it was."
            ) from exc
        raise
    base = link_base(page, source)
    with stage(timings, "store"):  # entries seen before exactly as they are now
        known = store.entries_by_raw_key(source.id, raw_keys(raws, source=source, page_url=base))
    with stage(timings, "normalise"):
        normalised = normalise_entries(
            raws, source=source, page_url=base, now=now, known=known,
            language=page_language(page, source),
        )  # fmt: skip
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
        # the rows read by raw key are the stored entries of those ids: read only the rest
        existing = {stored.id: stored for stored in known.values()}
        existing.update(store.entries(source.id, (e.id for e in entries if e.id not in existing)))
        plan: MergePlan = plan_merge(
            existing, entries, source_id=source.id, now=now, next_seq=store.next_seq(source.id)
        )
        store.commit_success(
            source.id, plan, now=now, status=page.status, etag=page.etag,
            last_modified=page.last_modified, entries_seen=len(entries),
        )  # fmt: skip

    written = _publish(source, site=site, store=store, now=now, out_dir=out_dir, timings=timings)
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


def _publish(
    source: Source,
    *,
    site: Site,
    store: Store,
    now: datetime,
    out_dir: Path,
    timings: StageTimes | None = None,
) -> tuple[str, ...]:
    """Render the feeds from what the store holds now; write the files whose bytes differ."""
    paths = feed_paths(out_dir, source)
    with stage(timings, "store"):
        feed = store.feed_entries(
            source.id, limit=source.max_entries, max_age_days=source.max_age_days, now=now
        )
        # Dates a feed whose entries all aged out: from the store, never from the clock.
        fallback = store.source_state(source.id).newest or now
    with stage(timings, "render"):
        files = render_feeds(source, site, feed, fallback_updated=fallback)
    with stage(timings, "write"):
        written = tuple(
            str(path)
            for path, data in zip(paths, (files.atom, files.rss), strict=True)
            if write_if_changed(path, data)
        )
    with stage(timings, "store"):
        store.record_published(source.id, files_stamp(paths))
    return written
