"""``publisher run`` and ``publisher schedule``: the commands that fetch and write."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import requests

from ..clock import check_store_clock
from ..errors import ConfigError, PublisherError
from ..fetch import make_session
from ..hosts import count_hosts
from ..lock import FolderLock, StateLock, lock_path, same_folder
from ..model import Config
from ..pipeline import run_once, select_sources
from ..report import RunReport, SourceReport
from ..service import due_sources
from ..site import write_site
from ..store import Store
from ..write import remove_temp_files
from .exits import EXIT_FAILED, EXIT_OK

log = logging.getLogger(__name__)
PROGRESS_MIN = 4  # a progress bar only for runs over this many sources


@contextmanager
def _writer(config: Config, *, command: str) -> Iterator[tuple[Store, requests.Session]]:
    """What a command that writes needs: the state lock, the store and one session.

    Under the lock, temporary feed files a killed run left behind are removed first.
    A PostgreSQL store (site.state a URL) has no state folder to lock: it is shared by
    design, and ``publisher worker`` coordinates through it.
    """
    state, output = config.site.state, config.site.output
    state_lock = (
        StateLock(lock_path(state), command=command)
        if isinstance(state, Path)
        else contextlib.nullcontext()
    )
    output_lock = (
        FolderLock(output)  # two configurations sharing one output folder
        if isinstance(output, Path)
        and not (isinstance(state, Path) and same_folder(output, state.parent))
        else contextlib.nullcontext()
    )
    with (
        state_lock,
        output_lock,
        Store(state) as store,
        make_session(
            contact=config.site.contact,
            hosts=count_hosts(s.url for s in config.sources if not s.is_local),
        ) as session,
    ):
        for path in remove_temp_files(output) if isinstance(output, Path) else ():
            log.info("removed %s, left by an interrupted run", path)
        yield store, session


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    try:
        sources = select_sources(config, args.only)
    except KeyError as exc:
        known = ", ".join(source.id for source in config.sources)
        raise ConfigError(
            f"--only: no source with id {exc.args[0]}; known ids: {known}", path=str(config.path)
        ) from None
    if not sources:
        print("publisher: no enabled sources; set 'enabled: true' on one", file=sys.stderr)
        return EXIT_OK
    with _writer(config, command="run") as (store, session):
        now = datetime.now(UTC)
        check_store_clock(store, (source.id for source in sources), now)
        if args.due:
            sources = due_sources(sources, store.source_states(s.id for s in sources), now)
            if not sources:
                _write_site(config, store, now)  # a digest's day may have closed
                if args.log_format == "json":
                    print_json_report(RunReport(), quiet=args.quiet)
                elif not args.quiet:
                    print("publisher: no source is due yet")
                return EXIT_OK
        with _progress(len(sources), args) as on_report:
            report = run_once(
                sources,
                site=config.site,
                session=session,
                store=store,
                now=now,
                on_report=on_report,
                workers=args.workers,
                config=config,  # its collections are written after the sources
            )
            _write_site(config, store, now)
    if args.log_format == "json":
        print_json_report(report, quiet=args.quiet)
    else:
        print_run_report(report, quiet=args.quiet)
    return EXIT_OK if report.ok else EXIT_FAILED


def _write_site(config: Config, store: Store, now: datetime) -> None:
    """index.html, feeds.opml, the feed pages and digests, of every enabled source."""
    enabled = (source for source in config.sources if source.enabled)
    try:
        for path in write_site(enabled, site=config.site, store=store, now=now):
            log.info("wrote %s", path)
    except (OSError, PublisherError) as exc:  # the feeds are written: say so, go on
        log.error("the site pages (index.html, feeds.opml) were not written: %s", exc)


def cmd_repair(args: argparse.Namespace, config: Config) -> int:
    """Add to the store every entry of the sources' Atom files it does not hold."""
    try:
        sources = select_sources(config, args.only) if args.only else config.sources
    except KeyError as exc:
        raise ConfigError(
            f"--only: no source with id {exc.args[0]}", path=str(config.path)
        ) from None
    code = EXIT_OK
    if not isinstance(config.site.output, Path):
        raise ConfigError(
            f"repair reads feed files from a local folder; site.output is {config.site.output}:"
            " copy the .atom files to a folder and point site.output at it for the repair",
            path=str(config.path),
        )
    output = config.site.output
    from ..repair import restore  # lxml and the normaliser: not for `publisher run`

    with _writer(config, command="repair") as (store, _session):
        for source in sources:
            try:
                added = restore(store, source, output)
            except PublisherError as exc:
                print(f"{source.id}: FAILED  {exc}", file=sys.stderr)
                code = EXIT_FAILED
                continue
            if not args.quiet:
                print(f"{source.id}: {added} entries restored from the feed file")
    return code


def want_progress(count: int, *, terminal: bool, quiet: bool, log_format: str) -> bool:
    """A progress bar only for people watching a terminal, and only for longer runs."""
    return terminal and not quiet and log_format == "text" and count > PROGRESS_MIN


@contextmanager
def _progress(
    count: int, args: argparse.Namespace
) -> Iterator[Callable[[SourceReport], None] | None]:
    terminal = sys.stdout.isatty() and sys.stderr.isatty()
    if not want_progress(count, terminal=terminal, quiet=args.quiet, log_format=args.log_format):
        yield None
        return
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    with (
        tqdm(total=count, unit="source", file=sys.stderr, leave=False) as bar,
        logging_redirect_tqdm(),
    ):

        def advance(report: SourceReport) -> None:
            bar.set_postfix_str(report.source_id, refresh=False)
            bar.update(1)

        yield advance


def print_json_report(report: RunReport, *, quiet: bool, out: TextIO | None = None) -> None:
    """The run report as JSON lines: one per source, then a summary (not with --quiet)."""
    out = out or sys.stdout
    for r in report.sources:
        if quiet and r.ok:
            continue
        row = {
            "source": r.source_id,
            "outcome": r.outcome,
            "found": r.found,
            "new": r.new,
            "changed": r.changed,
            "files_written": list(r.files_written),
            "error": r.error,
            "error_kind": r.error_kind,
            "warnings": list(r.warnings),
            "moved_to": r.moved_to,
        }
        print(json.dumps(row, ensure_ascii=False), file=out)
    if not quiet:
        failed = len(report.failed)
        summary = {"sources": len(report.sources), "ok": len(report.sources) - failed}
        print(json.dumps({**summary, "failed": failed}), file=out)


def cmd_schedule(args: argparse.Namespace, config: Config) -> int:
    from ..schedule import Scheduler, serve  # imports APScheduler

    with _writer(config, command="schedule") as (store, session):
        scheduler = Scheduler(
            config, store=store, session=session, initial_run=not args.no_initial_run
        )
        if not serve(scheduler, poll=args.poll, stop_timeout=args.stop_timeout):
            # A job is stuck past the bounded wait: leave without closing the store under
            # it (SQLite keeps the last committed state) and without joining its thread.
            logging.shutdown()
            sys.stdout.flush()
            os._exit(EXIT_FAILED)
    return EXIT_OK


def cmd_worker(args: argparse.Namespace, config: Config) -> int:
    from ..worker import serve  # imports Procrastinate (publisher[scale])

    serve(config.path, name=args.name, tick=args.tick, heartbeat=args.heartbeat)
    return EXIT_OK


def print_run_report(report: RunReport, *, quiet: bool, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    rows = [r for r in report.sources if not (quiet and r.ok)]
    if not rows:
        return
    width = max(len(r.source_id) for r in rows)
    for r in rows:
        print(f"{r.source_id:<{width}}  {_summary(r)}", file=out)
        if r.moved_to:
            print(f"{'':<{width}}  moved permanently to {r.moved_to}: update 'url'", file=out)
    if not quiet:
        failed = len(report.failed)
        print(
            f"{len(report.sources)} sources, {len(report.sources) - failed} ok, {failed} failed",
            file=out,
        )


def _summary(r: SourceReport) -> str:
    return f"{'ok' if r.ok else 'FAILED':<6}  {r.summary}"
