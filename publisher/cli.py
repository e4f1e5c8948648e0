"""The command line: parse arguments, call the library, turn reports into output and exit codes.

    publisher run      [-c sources.yaml] [--only ID ...] [-q] [-v]   exit 0 ok, 1 a source failed
    publisher validate [-c sources.yaml]                             exit 0 ok, 2 invalid
    publisher status   [-c sources.yaml] [--json]                    exit 0 all ok, 1 otherwise

Exit 2 is a configuration error: nothing was fetched or written.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from . import __version__
from .config import Config, load_config
from .errors import ConfigError, PublisherError
from .fetch import make_session
from .pipeline import RunReport, SourceReport, feed_paths, run_once, select_sources
from .store import SourceState, Store

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    try:
        config = load_config(args.config)
        code: int = args.command(args, config)
    except ConfigError as exc:
        print(f"publisher: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
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
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", parents=[common], help="fetch every source once, write feeds")
    run.add_argument("--only", nargs="+", metavar="ID", help="run only these sources")
    run.set_defaults(command=cmd_run)

    validate = commands.add_parser(
        "validate", parents=[common], help="check the configuration offline"
    )
    validate.set_defaults(command=cmd_validate)

    status = commands.add_parser("status", parents=[common], help="show each source's state")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(command=cmd_status)
    return parser


def _configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    logging.basicConfig(level=level, format="publisher: %(levelname)s: %(message)s")


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
    with Store(config.site.state) as store, make_session(contact=config.site.contact) as session:
        report = run_once(
            sources, site=config.site, session=session, store=store, now=datetime.now(UTC)
        )
    print_run_report(report, quiet=args.quiet)
    return EXIT_OK if report.ok else EXIT_FAILED


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
    if not r.ok:
        return f"FAILED  {r.error}"
    if r.not_modified:
        return "ok      not modified (HTTP 304)"
    files = "files written" if r.files_written else "files unchanged"
    text = f"ok      {r.found} found, {r.new} new, {r.changed} updated, {files}"
    if r.warnings:
        text += f", {len(r.warnings)} warning(s)"
    return text


def cmd_validate(args: argparse.Namespace, config: Config) -> int:
    enabled = sum(1 for source in config.sources if source.enabled)
    if not args.quiet:
        print(
            f"{config.path}: ok, {len(config.sources)} sources ({enabled} enabled); "
            f"feeds go to {config.site.output}, published at {config.site.base_url}"
        )
    return EXIT_OK


def source_status(config: Config, state: SourceState, *, enabled: bool) -> dict[str, Any]:
    source = config.source(state.id)
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
        "newest_entry": _iso(state.newest),
        "feeds": [str(path) for path in feed_paths(config.site.output, source)],
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    with Store(config.site.state) as store:
        rows = [
            source_status(config, store.source_state(source.id), enabled=source.enabled)
            for source in config.sources
        ]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        width = max(len(row["id"]) for row in rows)
        print(f"{'SOURCE':<{width}}  {'STATE':<8}  {'LAST SUCCESS':<25}  FAIL  ENTRIES  ERROR")
        for row in rows:
            print(
                f"{row['id']:<{width}}  {row['state']:<8}  {row['last_success'] or '-':<25}  "
                f"{row['failures']:>4}  {row['entries_stored']:>7}  {row['last_error'] or ''}"
            )
    bad = any(row["state"] in ("failing", "broken") for row in rows)
    return EXIT_FAILED if bad else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
