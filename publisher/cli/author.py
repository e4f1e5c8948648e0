"""The commands that help write sources: ``publisher init URL`` and ``publisher preview ID``.

``init`` prints only the sources.yaml entry on standard output (so it can be piped into
a file or a YAML parser); the entries it found and every message go to standard error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import load_site
from ..errors import ConfigError, PublisherError
from ..model import Config, Entry, Source
from .exits import EXIT_FAILED, EXIT_OK

SHOWN = 5  # entries init shows on standard error


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    init = commands.add_parser(
        "init", parents=[common],
        help="find the entries of a page and print a ready sources.yaml entry for it",
    )  # fmt: skip
    init.add_argument("url", metavar="URL", help="the newsroom page")
    init.add_argument("--id", dest="source_id", help="the source id (default: from the URL)")
    init.add_argument(
        "--write", action="store_true", help="also append the entry to the configuration file"
    )
    init.add_argument(
        "--allow-private", action="store_true",
        help="fetch from a private or loopback address (also when the -c file says "
        "site.allow_private: true)",
    )  # fmt: skip
    init.set_defaults(command="init", needs_config=False)

    preview = commands.add_parser(
        "preview", parents=[common],
        help="fetch one source and show the entries it gives, storing and writing nothing",
    )  # fmt: skip
    preview.add_argument("source_id", metavar="ID", help="the source to preview")
    preview.add_argument("--json", action="store_true", help="print JSON")
    preview.set_defaults(command="preview")


def cmd_init(args: argparse.Namespace, config: Config | None) -> int:
    from .. import authoring  # the network and the parsers: only for these commands
    from ..fetch import make_session

    path = Path(args.config)
    contact, allow_private = None, bool(args.allow_private)
    allow_addresses: tuple[str, ...] = ()
    if path.exists():
        site = load_site(path)
        contact, allow_addresses = site.contact, site.allow_addresses
        allow_private = allow_private or site.allow_private
    now = datetime.now(UTC)
    with make_session(contact=contact) as session:
        try:
            found = authoring.find_source(
                args.url, source_id=args.source_id, session=session, now=now,
                allow_private=allow_private, allow_addresses=allow_addresses,
            )  # fmt: skip
        except PublisherError as exc:
            print(f"publisher: nothing convincing found: {exc}", file=sys.stderr)
            return EXIT_FAILED
    err = sys.stderr
    detection = found.detection
    how = found.why or ("JSON-LD on the page" if detection.kind == "json-ld" else "repeated blocks")
    print(f"found {len(found.entries)} entries ({how}); first ones:", file=err)
    for entry in found.entries[:SHOWN]:
        print_entry(entry, found.source, out=err)
    for feed in detection.feeds:
        print(f"note: the page announces its own feed: {feed}", file=err)
    if detection.kind == "json-ld":
        print("note: the entries come from JSON-LD: the source keeps 'format: auto'", file=err)
    text = authoring.source_entry(found.source)
    print(text, end="")
    if args.write:
        authoring.append_source(path, text)
        print(f"added source {found.source.id!r} to {path}", file=err)
    return EXIT_OK


def cmd_preview(args: argparse.Namespace, config: Config) -> int:
    """Fetch one source (enabled or not) and print its entries: for writing selectors."""
    try:
        source = config.source(args.source_id)
    except KeyError:
        known = ", ".join(source.id for source in config.sources)
        raise ConfigError(
            f"no source with id {args.source_id}; known ids: {known}", path=str(config.path)
        ) from None
    from .. import authoring  # the network and the parsers: only for these commands
    from ..fetch import make_session
    from ..filters import verdict

    now = datetime.now(UTC)
    with make_session(contact=config.site.contact) as session:
        try:
            shown = authoring.preview(source, session=session, now=now)
        except PublisherError as exc:
            print(f"{source.id}: FAILED  {exc}", file=sys.stderr)
            return EXIT_FAILED
    dropped = {e.id: verdict(e, include=source.include, exclude=source.exclude).reason
               for e in shown.entries}  # fmt: skip
    if args.json:
        rows = [{**entry_json(e), "filtered": dropped[e.id]} for e in shown.entries]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for entry in shown.entries:
            print_entry(entry, source, out=sys.stdout)
            if dropped[entry.id]:
                print(f"{'':<16}  FILTERED OUT by {dropped[entry.id]}")
        filtered = sum(1 for reason in dropped.values() if reason)
        print(f"{len(shown.entries)} entries on {source.url} ({source.timezone}), {filtered} "
              "filtered out; nothing was stored")  # fmt: skip
    counts = ", ".join(f"{k}: {v} of {shown.raw_count} items" for k, v in shown.matched.items())
    print(f"matched: {counts}", file=sys.stderr)
    for title in shown.merged:
        print(f"merged as duplicates: {title!r}", file=sys.stderr)
    for feed in shown.feeds:
        print(f"note: the page announces its own feed: {feed}", file=sys.stderr)
    for warning in shown.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return EXIT_OK


def print_entry(entry: Entry, source: Source, *, out: Any) -> None:
    when = (entry.published.astimezone(source.tz).strftime("%Y-%m-%d %H:%M")
            if entry.published else "no date")  # fmt: skip
    kind = f"  [{entry.category}]" if entry.category else ""
    print(f"{when:<16}  {entry.title}{kind}\n{'':<16}  {entry.link}", file=out)
    if entry.summary:
        summary = " ".join(re.sub(r"<[^>]+>", " ", entry.summary).split())
        print(f"{'':<16}  summary: {summary[:100]}", file=out)
    if entry.image:
        print(f"{'':<16}  image: {entry.image}", file=out)


def entry_json(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "title": entry.title,
        "link": entry.link,
        "published": entry.published.isoformat() if entry.published else None,
        "category": entry.category,
        "summary": entry.summary,
        "image": entry.image,
    }
