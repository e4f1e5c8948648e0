"""The command line: parse arguments, call the library, turn reports into output and exit codes.

    publisher run      [-c sources.yaml] [--only ID ...] [--due] [--workers N] [-q] [-v]
                       [--log-format text|json]                      exit 0 ok, 1 a source failed
    publisher schedule [-c sources.yaml] [--no-initial-run]          runs until SIGTERM, exit 0
    publisher validate [-c sources.yaml]                             exit 0 ok, 2 invalid
    publisher preview  [-c sources.yaml] ID [--json]                 exit 0 ok, 1 failed
    publisher status   [-c sources.yaml] [--json]                    exit 0 all ok, 1 otherwise
    publisher init     [-c sources.yaml] URL [--id ID] [--write]     exit 0 found, 1 not
    publisher repair   [-c sources.yaml] [--only ID ...]             exit 0 ok, 1 failed
    publisher schema                                     the JSON Schema of sources.yaml

Exit 2 is a configuration error: nothing was fetched or written. Exit 75 (EX_TEMPFAIL):
another `publisher run` or `publisher schedule` holds the state folder; nothing was done.
Exit 141 (128 + SIGPIPE, as shell tools give): the reader of the output closed it, as
``| head`` does; nothing more is printed.

    run     run, schedule and repair: the commands that fetch and write
    show    validate, status and schema: the commands that look
    author  init and preview: the commands that help write sources
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from typing import Any, cast

from .. import logs
from ..config import load_config
from ..errors import ConfigError, LockError, PublisherError
from ..faults import store_message
from ..model import Config
from . import author
from .exits import EXIT_CONFIG, EXIT_FAILED, EXIT_LOCKED, EXIT_PIPE

__all__ = ["main"]

# Each command's module, imported only when the command runs: `--help`, `validate` and
# `status` start without the fetching, parsing and rendering libraries.
COMMANDS = {
    "run": "run", "schedule": "run", "repair": "run", "worker": "run",
    "validate": "show", "status": "show", "schema": "show", "init": "author", "preview": "author",
}  # fmt: skip


def command(name: str) -> Callable[..., int]:
    """The function of the command ``name`` (``cmd_<name>`` in its module)."""
    module = importlib.import_module(f"{__name__}.{COMMANDS[name]}")
    return cast(Callable[..., int], getattr(module, f"cmd_{name}"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(args)
    config: Config | None = None
    try:
        if args.standalone:  # a command that needs no configuration
            return command(args.command)(args)
        config = load_config(args.config) if getattr(args, "needs_config", True) else None
        code: int = command(args.command)(args, config)
    except ConfigError as exc:
        print(f"publisher: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except LockError as exc:
        print(f"publisher: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except PublisherError as exc:
        print(f"publisher: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:  # `publisher status | head`: the reader has all it wanted
        _quiet_stdout()
        return EXIT_PIPE
    except (OSError, sqlite3.Error) as exc:  # the machine's fault: one line, no traceback
        state = config.site.state if config is not None else args.config
        print(f"publisher: {store_message(state, exc)}", file=sys.stderr)
        return EXIT_FAILED
    return code


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit raises no second error."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="publisher", description="Turn newsroom pages into Atom and RSS feeds."
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
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
    parser.set_defaults(standalone=False)
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
    run.set_defaults(command="run")

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
    schedule.set_defaults(command="schedule")

    worker = commands.add_parser(
        "worker", parents=[common],
        help="run jobs from the shared PostgreSQL queue (site.state postgresql://; any number)",
    )  # fmt: skip
    worker.add_argument("--name", help="this worker's name in `publisher status` "
                        "(default: host:pid)")  # fmt: skip
    worker.add_argument(
        "--tick", type=_positive_int, default=60, metavar="SECONDS",
        help="how often due sources are queued (default: %(default)s)",
    )  # fmt: skip
    worker.add_argument(
        "--heartbeat", type=float, default=10.0, metavar="SECONDS",
        help="heartbeat interval; a worker silent for 3 of them has its job retried "
        "(default: %(default)s)",
    )  # fmt: skip
    worker.set_defaults(command="worker")

    validate = commands.add_parser(
        "validate", parents=[common], help="check the configuration offline"
    )
    validate.set_defaults(command="validate")

    author.add_commands(commands, common)  # init, preview

    status = commands.add_parser("status", parents=[common], help="show each source's state")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(command="status")

    repair = commands.add_parser(
        "repair", parents=[common], help="rebuild the store's history from the Atom files"
    )
    repair.add_argument("--only", nargs="+", metavar="ID", help="repair only these sources")
    repair.set_defaults(command="repair")

    schema = commands.add_parser(
        "schema", help="print the JSON Schema of sources.yaml, for editors that check YAML"
    )
    schema.set_defaults(
        command="schema", standalone=True, verbose=False, quiet=False, log_format="text"
    )
    return parser


class _Version(argparse.Action):
    """``--version``: the installed version, read only when asked (it costs a metadata scan)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kw: Any) -> None:
        from .. import __version__

        print(f"publisher {__version__}")
        parser.exit()


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


def _configure_logging(args: argparse.Namespace) -> None:
    service = args.command == "schedule"  # a service logs each job; a run prints a table
    if args.verbose:
        level = logging.DEBUG
    elif service:
        level = logging.WARNING if args.quiet else logging.INFO
    else:
        level = logging.ERROR if args.quiet else logging.WARNING
    logs.configure(level=level, fmt=args.log_format, timestamps=service)
