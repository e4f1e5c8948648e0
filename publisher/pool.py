"""The run's page pool: worker processes that prepare pages on every core.

Extracting, normalising and rendering a page is CPU-bound Python: threads would take
turns on one core. A run with many pages hands each fetched page to one of
``site.processes`` worker processes (:func:`~publisher.prepare.prepare`), which reads the
store through a read-only connection of its own (SQLite's WAL lets readers work beside
the writer) and sends back the plan and the feeds' bytes. The run's process stays the
one writer: it commits each plan, then writes the files, as without a pool.

Workers are forked from a fork server that has imported the stages once (``forkserver``,
safe beside the fetch threads); they log nothing themselves: their records go back
with each result and are logged by the run's process. A worker lost (killed, out of
memory) breaks the pool; the pages it held are prepared again by the run's process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .model import Page, Site, Source, SourceState
from .stages import StageTimes
from .store import Store

if TYPE_CHECKING:
    from .prepare import Prepared

# A run of fewer sources than this prepares its pages itself: workers cost more.
MIN_PAGES = 24
# What the workers import before their first page: the stages, and the parsers and
# renderers of the common formats and outputs (the others are imported when a page needs
# them). This module imports the stages only there, so that a run of 304s does not.
PRELOAD = (
    "publisher.prepare",
    "publisher.extract.html",
    "publisher.render.xml",
    "publisher.render.jsonfeed",
)
# The workers start once this many changed pages have come: a run where (nearly) every
# page answers 304 starts none.
START_AFTER = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class Job:
    """One page for a worker."""

    source: Source
    state: SourceState
    page: Page
    site: Site
    now: datetime
    timed: bool  # collect stage times


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What a worker sends back for one page."""

    result: Prepared | Exception
    times: dict[str, dict[str, float]] | None
    records: tuple[logging.LogRecord, ...]
    usage: tuple[int, float, float]  # the worker's pid, CPU seconds and peak RSS (MB) so far


def pool_size(site: Site, pages: int) -> int:
    """Worker processes for a run of ``pages`` pages: 0 (no pool) for small runs."""
    processes = site.processes or _cores()
    return processes if processes > 1 and pages >= MIN_PAGES else 0


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class PagePool:
    """Worker processes preparing pages; results are taken with :meth:`done`.

    The workers start in the background: until they are up (a fork server importing the
    stages, about half a second of the other core), :meth:`submit` declines and the
    run's process prepares pages itself, so a run with few changed pages never waits.
    """

    def __init__(self, processes: int, *, state: Path | str):
        self.limit = 2 * processes  # pages handed over and not yet taken back
        self._pending: dict[Future[Outcome], tuple[int, Job]] = {}
        self._executor: ProcessPoolExecutor | None = None
        self._up = threading.Event()
        self.broken = False
        threading.Thread(
            target=self._start, args=(processes, state), name="publisher-pool", daemon=True
        ).start()

    def _start(self, processes: int, state: Path | str) -> None:
        try:
            methods = multiprocessing.get_all_start_methods()
            method = "forkserver" if "forkserver" in methods else "spawn"
            context = multiprocessing.get_context(method)
            if method == "forkserver":  # imported once, by the server the workers fork from
                context.set_forkserver_preload([__name__, *PRELOAD])
            executor = ProcessPoolExecutor(
                processes, mp_context=context, initializer=_start,
                initargs=(str(state), logging.getLogger().getEffectiveLevel(), os.getpid()),
            )  # fmt: skip
            self._executor = executor
            wait([executor.submit(_ready) for _ in range(processes)])
        except (OSError, RuntimeError, BrokenProcessPool):  # no workers: the run's process
            self.broken = True  # prepares every page, as with one core
        finally:
            self._up.set()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def submit(self, index: int, job: Job) -> bool:
        """Hand ``job`` to a worker; False when the workers are not up yet or the pool is
        broken (prepare it yourself)."""
        if self.broken or not self._up.is_set() or self._executor is None:
            return False
        try:
            self._pending[self._executor.submit(_work, job)] = (index, job)
        except (BrokenProcessPool, RuntimeError):
            self.broken = True
            return False
        return True

    def done(self, *, block: bool) -> list[tuple[int, Job, Outcome | None]]:
        """The pages prepared so far (waiting for one when ``block``), with their index;
        None for a page the pool lost: the caller prepares it."""
        if not self._pending:
            return []
        finished, _ = wait(self._pending, timeout=None if block else 0, return_when=FIRST_COMPLETED)
        taken: list[tuple[int, Job, Outcome | None]] = []
        for future in finished:
            index, job = self._pending.pop(future)
            try:
                taken.append((index, job, future.result()))
            except BrokenProcessPool:
                self.broken = True
                taken.append((index, job, None))
        return sorted(taken, key=lambda item: item[0])

    def close(self) -> None:
        """Stop the workers (and wait for them: their CPU time then counts as the run's)."""
        self._up.wait()
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)


# -- in the worker process ------------------------------------------------------------------

_reader: Store | None = None
_records: list[logging.LogRecord] = []


class _Keep(logging.Handler):
    """Keeps the worker's log records, to be sent back with its result."""

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None  # arguments may not pickle
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        _records.append(record)


def _start(state: str, level: int, run: int) -> None:
    global _reader
    _reader = Store(state, readonly=True)
    root = logging.getLogger()
    root.handlers[:] = [_Keep()]
    root.setLevel(level)  # the run's: records it would drop are not sent
    threading.Thread(target=_watch, args=(run,), name="publisher-orphan", daemon=True).start()


def _watch(run: int) -> None:
    """End the worker when the run's process is gone (killed): nothing else would, and
    the fork server lives as long as a worker does."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(run, 0)  # signal 0: only asks whether the process exists
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:  # the pid was taken by another user's process
            os._exit(0)


def _ready() -> None:
    """Nothing: submitted once per worker so that they start at once."""


def _work(job: Job) -> Outcome:
    from .prepare import prepare  # preloaded by the fork server (PRELOAD)

    assert _reader is not None
    timings = StageTimes() if job.timed else None
    result: Prepared | Exception
    try:
        result = prepare(
            job.source, job.state, job.page, store=_reader, site=job.site, now=job.now,
            timings=timings,
        )  # fmt: skip
    except Exception as exc:  # the run's process reports it, as its own
        result = exc
    records = tuple(_records)
    _records.clear()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    return Outcome(
        result=result, times=timings.as_dict() if timings else None, records=records,
        usage=(os.getpid(), time.process_time(), peak),
    )  # fmt: skip
