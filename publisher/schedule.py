"""``publisher schedule``: run each source on its own trigger, for months, unattended.

    load_config(sources.yaml)             config.load_config (again when the file changes)
    | Timing.of(source)                   triggers: every 30m | cron "*/15 * * * *" + jitter
    | APScheduler 3 BackgroundScheduler   one job per source: max_instances=1, coalesce,
    |                                     misfire grace time
    | hosts.HostGate (shared by all jobs) one request per host at a time, min_delay apart
    | pipeline.run_once((source,), ...)   the same pipeline as `publisher run`, nothing else

The scheduler never fetches, stores or writes anything itself: each job calls
:func:`publisher.pipeline.run_once` for its one source with the shared session and store.
:func:`serve` is the service loop: it polls ``sources.yaml`` for changes (or reloads on
SIGHUP) and stops cleanly on SIGTERM or SIGINT: no new jobs, the jobs in flight finish
within a bounded wait, and the caller closes the store.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import requests

from .clock import check_store_clock
from .config import load_config
from .errors import ConfigError, PublisherError
from .hosts import HostGate
from .model import Config, Source
from .pipeline import run_once
from .report import SourceReport
from .robots import ROBOTS_MAX_AGE, RobotsCache
from .service import is_due, next_due
from .site import write_site
from .store import Store
from .triggers import Timing, cron_trigger, jitter_seconds

log = logging.getLogger(__name__)

MISFIRE_GRACE = 300  # seconds: a run later than this (host asleep, long job) is skipped
STOP_TIMEOUT = 30.0  # seconds the jobs in flight get to finish after SIGTERM
POLL = 5.0  # seconds between two looks at sources.yaml


def _utcnow() -> datetime:
    return datetime.now(UTC)


def make_trigger(timing: Timing) -> Any:
    """The APScheduler trigger for ``timing`` (jitter included)."""
    from apscheduler.triggers.interval import IntervalTrigger

    jitter = jitter_seconds(timing) or None
    if timing.cron:
        return cron_trigger(timing.cron, timezone=timing.timezone, jitter=jitter)
    return IntervalTrigger(seconds=timing.every or 1, timezone=timing.timezone, jitter=jitter)


def describe(report: SourceReport) -> str:
    """One line for the log: what a job did."""
    return f"{report.outcome}: {report.summary}"


class Scheduler:
    """One APScheduler job per enabled source; every job calls :func:`run_once`."""

    def __init__(
        self,
        config: Config,
        *,
        store: Store,
        session: requests.Session,
        clock: Callable[[], datetime] = _utcnow,
        initial_run: bool = True,
    ):
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        self.path = config.path
        self._store = store
        self._session = session
        self._clock = clock
        self._initial_run = initial_run
        self._site = config.site
        self._config = config
        self._sources: dict[str, Source] = {}
        self._state = threading.Condition()
        self._running = 0
        self._stopping = threading.Event()
        self._gate = HostGate()  # the fetch layer's per-host rule, shared by every job
        self._robots = RobotsCache(session=session, gate=self._gate, max_age=ROBOTS_MAX_AGE)
        self._signature = _signature(config.path)
        self._scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(max_workers=config.site.workers)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": MISFIRE_GRACE,
            },
        )

    # -- jobs -----------------------------------------------------------------------------

    @property
    def source_ids(self) -> tuple[str, ...]:
        with self._state:
            return tuple(self._sources)

    def next_runs(self) -> dict[str, datetime | None]:
        return {job.id: job.next_run_time for job in self._scheduler.get_jobs()}

    def triggers(self) -> dict[str, Any]:
        return {job.id: job.trigger for job in self._scheduler.get_jobs()}

    def start(self) -> None:
        self._scheduler.start()
        log.info(
            "scheduling %d source(s) from %s%s",
            sum(1 for s in self._config.sources if s.enabled),
            self.path,
            "" if self._initial_run else " (no initial run)",
        )
        self.apply(self._config, run_new_now=self._initial_run)
        if not self._sources:
            log.warning("no enabled sources in %s; waiting for it to change", self.path)

    def apply(self, config: Config, *, run_new_now: bool = True) -> None:
        """Schedule ``config``'s enabled sources: add, re-time and remove jobs to match."""
        site = config.site
        if site.state != self._site.state:
            log.warning(
                "site.state changed to %s; restart `publisher schedule` to use it "
                "(still writing %s)",
                site.state,
                self._site.state,
            )
            site = replace(site, state=self._site.state)
        if site.workers != self._site.workers:
            log.warning("site.workers changed; restart `publisher schedule` to apply it")
        wanted = {source.id: source for source in config.sources if source.enabled}
        with self._state:
            old = self._sources
            self._sources = wanted
            self._site = site
            self._config = config
        for source_id in old.keys() - wanted.keys():
            self._scheduler.remove_job(source_id)
            log.info("%s: removed or disabled; no longer scheduled", source_id)
        now = self._clock()
        new = [source_id for source_id in wanted if source_id not in old]
        states = self._store.source_states(new) if run_new_now and new else {}
        for source_id, source in wanted.items():
            timing = Timing.of(source)
            if source_id not in old:
                extra = {}
                if run_new_now:  # now if due (service rules), else when it next is due
                    state = states[source_id]
                    due = now if is_due(source, state, now) else next_due(source, state)
                    extra = {"next_run_time": due}
                self._scheduler.add_job(
                    self._job,
                    trigger=make_trigger(timing),
                    args=(source_id,),
                    id=source_id,
                    name=source_id,
                    replace_existing=True,
                    **extra,
                )
                job = self._scheduler.get_job(source_id)
                log.info(
                    "%s: scheduled %s; first run %s",
                    source_id,
                    timing.describe(),
                    _when(job.next_run_time if job else None),
                )
            elif timing != Timing.of(old[source_id]):
                job = self._scheduler.reschedule_job(source_id, trigger=make_trigger(timing))
                log.info(
                    "%s: now %s; next run %s",
                    source_id,
                    timing.describe(),
                    _when(job.next_run_time),
                )

    def _job(self, source_id: str) -> None:
        with self._state:
            source = self._sources.get(source_id)
            site = self._site
            config = self._config
            if source is None or self._stopping.is_set():
                return
            self._running += 1
        try:
            now = self._clock()
            check_store_clock(self._store, (source_id,), now)
            report = run_once(
                (source,),
                site=site,
                session=self._session,
                store=self._store,
                now=now,
                out_dir=site.output,
                gate=self._gate,
                robots=self._robots,
                config=config,  # its collections follow the source's files
            ).sources[0]
            with self._state:
                enabled = tuple(self._sources.values())
            write_site(enabled, site=site, store=self._store, now=self._clock())
            job = self._scheduler.get_job(source_id)
            after = _when(job.next_run_time if job else None)
            # the fields also go into --log-format json lines, for log collectors
            fields = {"source": source_id, "outcome": report.outcome, "next_run": after}
            level = logging.INFO if report.ok else logging.WARNING
            log.log(level, "%s: %s; next run %s", source_id, describe(report), after, extra=fields)
            if report.moved_to:
                log.warning("%s: moved permanently to %s; update 'url'", source_id, report.moved_to)
        except PublisherError as exc:  # a wrong clock (ClockError), a store that cannot be used
            log.error("%s: %s; the job stopped, nothing was stored", source_id, exc)
        except Exception:  # a job must never take the scheduler down
            log.exception(
                "%s: the job failed unexpectedly (please report this as a bug)", source_id
            )
        finally:
            with self._state:
                self._running -= 1
                self._state.notify_all()

    # -- configuration changes ------------------------------------------------------------

    def config_changed(self) -> bool:
        """True when ``sources.yaml`` was written since it was last read."""
        return _signature(self.path) != self._signature

    def reload(self) -> bool:
        """Read ``sources.yaml`` again; an invalid file is logged and the running list kept."""
        self._signature = _signature(self.path)
        try:
            config = load_config(self.path)
        except ConfigError as exc:
            log.error(
                "configuration error: %s; still running the %d source(s) scheduled before",
                exc,
                len(self.source_ids),
            )
            return False
        log.info("%s changed: applying it", self.path)
        self.apply(config)
        return True

    # -- stopping -------------------------------------------------------------------------

    def stop(self, timeout: float = STOP_TIMEOUT) -> bool:
        """No new jobs; wait up to ``timeout`` s for the jobs in flight. True if all ended."""
        self._stopping.set()
        if self._scheduler.running:
            self._scheduler.pause()
        deadline = time.monotonic() + timeout
        with self._state:
            while self._running and (left := deadline - time.monotonic()) > 0:
                self._state.wait(left)
            running = self._running
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if running:
            log.error("%d job(s) still running after %gs; stopping without them", running, timeout)
            return False
        log.info("stopped cleanly")
        return True


def serve(scheduler: Scheduler, *, poll: float = POLL, stop_timeout: float = STOP_TIMEOUT) -> bool:
    """Run ``scheduler`` until SIGTERM or SIGINT; reload on SIGHUP or when the file changes.

    Must be called from the main thread (it installs signal handlers, and puts the old
    ones back). Returns True when every job in flight finished within ``stop_timeout``.
    """
    stop = threading.Event()
    received: list[str] = []
    hup = threading.Event()
    wake = threading.Event()

    def on_stop(signum: int, frame: FrameType | None) -> None:
        received.append(signal.Signals(signum).name)
        stop.set()  # no logging in a signal handler: the loop below logs
        wake.set()

    def on_hup(signum: int, frame: FrameType | None) -> None:
        hup.set()
        wake.set()

    previous = {
        signum: signal.signal(signum, handler)
        for signum, handler in (
            (signal.SIGTERM, on_stop),
            (signal.SIGINT, on_stop),
            (signal.SIGHUP, on_hup),
        )
    }
    try:
        scheduler.start()
        while not stop.is_set():
            wake.wait(poll)
            wake.clear()
            if stop.is_set():
                log.info("received %s: stopping", received[0] if received else "a signal")
                break
            if hup.is_set():
                hup.clear()
                log.info("received SIGHUP: reloading %s", scheduler.path)
                scheduler.reload()
            elif scheduler.config_changed():
                scheduler.reload()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        clean = scheduler.stop(stop_timeout)
    return clean


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else "none"
