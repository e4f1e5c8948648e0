"""``python -m benchmarks [--quick] [--sources N] [--entries M] [--latency MS] ...``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .suite import ROOT, SCENARIOS, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Measure what a publisher run costs."
    )
    parser.add_argument("--quick", action="store_true", help="100 sources instead of 1,000")
    parser.add_argument("--sources", type=int, help="sources in scenario 1 (default 1000)")
    parser.add_argument("--entries", type=int, default=50, help="entries per page (default 50)")
    parser.add_argument(
        "--latency", type=float, default=0.0, help="milliseconds the server waits per response"
    )
    parser.add_argument(
        "--only", nargs="+", choices=SCENARIOS, default=SCENARIOS, help="run only these scenarios"
    )
    parser.add_argument(
        "--work", type=Path, help="keep the corpus, state and feeds in this folder (default: temp)"
    )
    parser.add_argument(
        "--results", type=Path, default=ROOT / "benchmarks" / "results",
        help="folder for <date>.json (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--repeat", type=int, default=3,
        help="rounds of scenarios 5, 1, 2, 3 back to back; medians are reported (default 3)",
    )  # fmt: skip
    parser.add_argument(
        "--scaling", type=int, nargs="+", metavar="N",
        help="source counts of scenario 4 (default: a quarter, half and twice --sources)",
    )  # fmt: skip
    parser.add_argument("--no-save", action="store_true", help="do not write the results file")
    parser.add_argument(
        "--profile", type=Path, help="run scenario 1 under cProfile, write the data to this file"
    )
    args = parser.parse_args(argv)
    sources = args.sources or (100 if args.quick else 1000)
    run(
        sources=sources,
        entries=args.entries,
        latency=args.latency / 1000,
        work=args.work,
        results_dir=None if args.no_save else args.results,
        scenarios=tuple(args.only),
        profile=args.profile.resolve() if args.profile else None,
        repeat=args.repeat,
        scaling=tuple(args.scaling) if args.scaling else None,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
