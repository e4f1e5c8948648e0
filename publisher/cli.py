"""The command line: parse arguments, call the library, turn reports into output and exit codes.

    publisher run      [-c sources.yaml] [--only ID ...] [--due] [--workers N] [-q] [-v]
                       [--log-format text|json]                      exit 0 ok, 1 a source failed
    publisher schedule [-c sources.yaml] [--no-initial-run]          runs until SIGTERM, exit 0
    publisher validate [-c sources.yaml]                             exit 0 ok, 2 invalid
    publisher preview  [-c sources.yaml] ID [--json]                 exit 0 ok, 1 failed
    publisher init     [-c sources.yaml] URL [--id ID] [--write]     exit 0 found, 1 not
    publisher status   [-c sources.yaml] [--json]                    exit 0 all ok, 1 otherwise

Exit 2 is a configuration error: nothing was fetched or written. Exit 75 (EX_TEMPFAIL):
another `publisher run` or `publisher schedule` holds the state folder; nothing was done.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TextIO

import requests

from . import __version__, authoring_cli, logs
from .config import load_config
from .errors import ConfigError, LockError, PublisherError
from .fetch import make_session
from .hosts import count_hosts
from .lock import StateLock, lock_path
from .model import Config, Source
from .pipeline import (
    RunReport,
    SourceReport,
    feed_paths,
    run_once,
    select_sources,
)
from .store import SourceState, Store
from .triggers import Timing, due_at, is_due
from .write import remove_temp_files

log = logging.getLogger(__name__)
EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
EXIT_LOCKED = 75  # EX_TEMPFAIL from sysexits.h: try again later
PROGRESS_MIN = 4  # a progress bar only for runs over this many sources


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(args)
    try:
        config = load_config(args.config) if getattr(args, "needs_config", True) else None
        code: int = args.command(args, config)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
    except BrokenPipeError:  # the reader went away (``publisher preview ID | head``)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that the exit flush does not fail too
        return EXIT_OK
    except ConfigError as exc:
        print(f"publisher: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except LockError as exc:
        print(f"publisher: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except PublisherError as exc:
        print(f"publisher: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="publisher", description="Turn newsroom pages into Atom and RSS feeds."
    )
    parser.add_argument("--version", action="version", version=f"publisher {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-c", "--config", default="sources.yaml", help="configuration file (default: %(default)s)"
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    common.add_argument("-q", "--quiet", action="store_true", help="print only failures")
    common.add_argument(
        "--log-format",
        choices=logs.FORMATS,
        default="text",
        help="text, or JSON lines for log collectors (default: %(default)s)",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", parents=[common], help="fetch every source once, write feeds")
    run.add_argument("--only", nargs="+", metavar="ID", help="run only these sources")
    run.add_argument(
        "--due",
        action="store_true",
        help="run only the sources whose 'every'/'cron' interval has elapsed (for cron jobs)",
    )
    run.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="sources fetched at once, across hosts (default: site.workers, 8)",
    )
    run.set_defaults(command=cmd_run)

    schedule = commands.add_parser(
        "schedule", parents=[common], help="run each source on its own schedule until stopped"
    )
    schedule.add_argument(
        "--no-initial-run", action="store_true", help="wait for each source's first trigger"
    )
    schedule.add_argument(
        "--poll",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how often to look for changes to the configuration (default: %(default)s)",
    )
    schedule.add_argument(
        "--stop-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="on SIGTERM, how long jobs in flight may take to finish (default: %(default)s)",
    )
    schedule.set_defaults(command=cmd_schedule)

    validate = commands.add_parser(
        "validate", parents=[common], help="check the configuration offline"
    )
    validate.set_defaults(command=cmd_validate)

    authoring_cli.add_commands(commands, common)  # init, preview

    status = commands.add_parser("status", parents=[common], help="show each source's state")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(command=cmd_status)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


def _configure_logging(args: argparse.Namespace) -> None:
    service = args.command is cmd_schedule  # a service logs each job; a run prints a table
    if args.verbose:
        level = logging.DEBUG
    elif service:
        level = logging.WARNING if args.quiet else logging.INFO
    else:
        level = logging.ERROR if args.quiet else logging.WARNING
    logs.configure(level=level, fmt=args.log_format, timestamps=service)


@contextmanager
def _writer(config: Config, *, command: str) -> Iterator[tuple[Store, requests.Session]]:
    """What a command that writes needs: the state lock, the store and one session.

    Under the lock, temporary feed files a killed run left behind are removed first.
    """
    with (
        StateLock(lock_path(config.site.state), command=command),
        Store(config.site.state) as store,
        make_session(
            contact=config.site.contact,
            hosts=count_hosts(s.url for s in config.sources if not s.is_local),
        ) as session,
    ):
        for path in remove_temp_files(config.site.output):
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
        if args.due:
            sources = due_sources(sources, store, now)
            if not sources:
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
            )
    if args.log_format == "json":
        print_json_report(report, quiet=args.quiet)
    else:
        print_run_report(report, quiet=args.quiet)
    return EXIT_OK if report.ok else EXIT_FAILED


def due_sources(sources: tuple[Source, ...], store: Store, now: datetime) -> tuple[Source, ...]:
    """The sources whose interval has elapsed since their last success (and last attempt)."""
    due = []
    for source in sources:
        state = store.source_state(source.id)
        timing = Timing.of(source)
        if is_due(
            timing, last_success=state.last_success, last_attempt=state.last_attempt, now=now
        ):
            due.append(source)
    return tuple(due)


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
    from .schedule import Scheduler, serve  # imports APScheduler

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


def cmd_validate(args: argparse.Namespace, config: Config) -> int:
    enabled = sum(1 for source in config.sources if source.enabled)
    if not args.quiet:
        print(
            f"{config.path}: ok, {len(config.sources)} sources ({enabled} enabled); "
            f"feeds go to {config.site.output}, published at {config.site.base_url}"
        )
    return EXIT_OK


def source_status(
    config: Config,
    state: SourceState,
    *,
    enabled: bool,
    now: datetime | None = None,
    in_feed: int | None = None,
) -> dict[str, Any]:
    """One source's row for ``publisher status``; ``state`` is ok, new, failing, broken
    or disabled. ``next_due`` is when ``publisher run --due`` or the scheduler's interval
    next wants it (null: due now)."""
    source = config.source(state.id)
    timing = Timing.of(source)
    due = due_at(timing, last_success=state.last_success, last_attempt=state.last_attempt)
    if not enabled:
        label = "disabled"
    elif state.layout_failures >= source.broken_after:  # that many runs without entries
        label = "broken"
    elif state.failures:
        label = "failing"
    elif state.last_success is None:
        label = "new"
    else:
        label = "ok"
    return {
        "id": state.id,
        "state": label,
        "last_attempt": _iso(state.last_attempt),
        "last_success": _iso(state.last_success),
        "last_status": state.last_status,
        "failures": state.failures,
        "last_error": state.last_error,
        "entries_seen": state.entries_seen,
        "entries_stored": state.entries_stored,
        "entries_in_feed": in_feed,
        "newest_entry": _iso(state.newest),
        "schedule": timing.describe(),
        "next_due": _iso(due) if enabled else None,
        "due_now": enabled and (due is None or (now is not None and due <= now)),
        "feeds": [str(path) for path in feed_paths(config.site.output, source)],
        "feeds_present": all(path.exists() for path in feed_paths(config.site.output, source)),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    now = datetime.now(UTC)
    with Store(config.site.state) as store:
        rows = []
        for source in config.sources:
            feed = store.feed_entries(
                source.id, limit=source.max_entries, max_age_days=source.max_age_days, now=now
            )
            rows.append(
                source_status(
                    config,
                    store.source_state(source.id),
                    enabled=source.enabled,
                    now=now,
                    in_feed=len(feed),
                )
            )
    bad = any(row["state"] in ("failing", "broken") for row in rows)
    if args.json:
        print(json.dumps(rows, indent=2))
    elif not (args.quiet and not bad):
        print_status(rows, quiet=args.quiet)
    return EXIT_FAILED if bad else EXIT_OK


def print_status(rows: list[dict[str, Any]], *, quiet: bool, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    if quiet:
        rows = [row for row in rows if row["state"] in ("failing", "broken")]
    width = max([len("SOURCE"), *(len(row["id"]) for row in rows)])
    print(
        f"{'SOURCE':<{width}}  {'STATE':<8}  {'LAST SUCCESS':<20}  FAIL  FEED  "
        f"{'NEWEST ENTRY':<20}  {'NEXT DUE':<20}  LAST ERROR",
        file=out,
    )
    for row in rows:
        next_due = _short(row["next_due"]) or ("now" if row["state"] != "disabled" else "-")
        print(
            f"{row['id']:<{width}}  {row['state']:<8}  {_short(row['last_success']) or '-':<20}  "
            f"{row['failures']:>4}  {row['entries_in_feed'] or 0:>4}  "
            f"{_short(row['newest_entry']) or '-':<20}  {next_due:<20}  {row['last_error'] or ''}",
            file=out,
        )
    for row in rows:
        if not row["feeds_present"] and row["state"] != "disabled":
            print(f"{row['id']}: feed files missing: {', '.join(row['feeds'])}", file=out)


def _short(value: str | None) -> str | None:
    """``2026-11-26T12:00:00+00:00`` -> ``2026-11-26 12:00 UTC``."""
    if value is None:
        return None
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
