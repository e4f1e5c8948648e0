"""``publisher validate``, ``preview``, ``status`` and ``schema``: the commands that look."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from ..filters import verdict
from ..model import Config, Source
from ..render import output_paths
from ..service import BAD_STATES, Status, status
from ..store import Store
from ..triggers import Timing
from ..window import source_window
from ..write import FeedWriter, open_writer
from .exits import EXIT_FAILED, EXIT_OK


def cmd_validate(args: argparse.Namespace, config: Config) -> int:
    enabled = sum(1 for source in config.sources if source.enabled)
    if not args.quiet:
        print(
            f"{config.path}: ok, {len(config.sources)} sources ({enabled} enabled); "
            f"feeds go to {config.site.output}, published at {config.site.base_url}"
        )
    return EXIT_OK


def status_row(
    config: Config, standing: Status, *, in_feed: int | None = None, out: FeedWriter | None = None
) -> dict[str, Any]:
    """One source's row for ``publisher status`` (see :mod:`publisher.service`)."""
    source, state = standing.source, standing.state
    out = out or open_writer(config.site.output, generated=datetime.now(UTC))
    names = tuple(p.name for p in output_paths(Path(), source.id, config.site.outputs))
    return {
        "id": state.id,
        "state": standing.label,
        "last_attempt": _iso(state.last_attempt),
        "last_success": _iso(state.last_success),
        "last_status": state.last_status,
        "failures": state.failures,
        "last_error": state.last_error,
        "entries_seen": state.entries_seen,
        "entries_stored": state.entries_stored,
        "entries_in_feed": in_feed,
        "newest_entry": _iso(state.newest),
        "schedule": Timing.of(source).describe(),
        "next_due": _iso(standing.next_due),
        "due_now": standing.due_now,
        "feeds": [out.where(name) for name in names],
        "feeds_present": out.stamp(names) is not None,
        "worker": state.worker,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    now = datetime.now(UTC)
    out = open_writer(config.site.output, generated=now)
    with Store(config.site.state) as store:
        states = store.source_states(source.id for source in config.sources)
        rows = []
        for source in config.sources:
            feed = source_window(store, source, now=now)  # after its filters
            standing = status(source, states[source.id], now)
            row = status_row(config, standing, in_feed=len(feed), out=out)
            rows.append({**row, **shape_status(store, source)})
    bad = any(row["state"] in BAD_STATES for row in rows)
    if args.json:
        print(json.dumps(rows, indent=2))
    elif not (args.quiet and not bad):
        print_status(rows, quiet=args.quiet)
    return EXIT_FAILED if bad else EXIT_OK


def shape_status(store: Store, source: Source) -> dict[str, Any]:
    """How many of the source's stored entries its filters leave out, and how many have
    their article (``full_text``); failed: fetches that failed (retried or given up)."""
    filtered = 0
    if source.include or source.exclude:
        filtered = sum(
            1
            for e in store.entries(source.id).values()
            if not verdict(e, include=source.include, exclude=source.exclude).published
        )
    with_text, failed = store.full_text_counts(source.id)
    return {"entries_filtered": filtered, "full_text": with_text, "full_text_failed": failed}


def print_status(rows: list[dict[str, Any]], *, quiet: bool, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    if quiet:
        rows = [row for row in rows if row["state"] in BAD_STATES]
    width = max([len("SOURCE"), *(len(row["id"]) for row in rows)])
    ran = max([len("WORKER"), *(len(row.get("worker") or "-") for row in rows)])
    print(
        f"{'SOURCE':<{width}}  {'STATE':<8}  {'LAST SUCCESS':<20}  FAIL  FEED  FILT  TEXT  "
        f"{'NEWEST ENTRY':<20}  {'NEXT DUE':<20}  {'WORKER':<{ran}}  LAST ERROR",
        file=out,
    )
    for row in rows:
        next_due = _short(row["next_due"]) or ("now" if row["state"] != "disabled" else "-")
        print(
            f"{row['id']:<{width}}  {row['state']:<8}  {_short(row['last_success']) or '-':<20}  "
            f"{row['failures']:>4}  {row['entries_in_feed'] or 0:>4}  "
            f"{row.get('entries_filtered', 0):>4}  {row.get('full_text', 0):>4}  "
            f"{_short(row['newest_entry']) or '-':<20}  {next_due:<20}  "
            f"{row.get('worker') or '-':<{ran}}  {row['last_error'] or ''}",
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


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of sources.yaml (see :mod:`publisher.schema`)."""
    from ..schema import config_schema

    print(json.dumps(config_schema(), indent=2))
    return EXIT_OK
