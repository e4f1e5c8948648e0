"""One measured run in a fresh process, so peak memory belongs to that run alone.

    python -m benchmarks.measure publisher CONFIG --now ISO [--profile OUT.prof]
    python -m benchmarks.measure floor CONFIG OUT_DIR         # the floor loop
    python -m benchmarks.measure floor-alone CONFIG OUT_DIR   # each floor stage alone

Prints one JSON object on stdout: wall and CPU seconds, peak RSS (``ru_maxrss``), entries,
files written (counted from the report and checked against the files' mtimes) and the
time per stage. Imports are done before the clock starts, for the floor as for publisher.
"""

from __future__ import annotations

import cProfile
import json
import logging
import os
import resource
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from .floor import _alone, load_sources, run_floor


def _mtimes(folder: Path) -> dict[str, int]:
    if not folder.is_dir():
        return {}
    return {path.name: path.stat().st_mtime_ns for path in folder.iterdir() if path.is_file()}


def children_cpu() -> float:
    """CPU seconds of this process's children: ended ones, and the live ones' own (the
    fork server that starts the worker processes; the workers report theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = usage.ru_utime + usage.ru_stime
    me, tick = str(os.getpid()), os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if fields[1] == me:  # ppid; then utime and stime are fields 11 and 12
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak RSS of this process (or the largest of its ended children, RUSAGE_CHILDREN)."""
    usage = resource.getrusage(who).ru_maxrss
    return usage / 1024 if sys.platform != "darwin" else usage / (1024 * 1024)


def measure_publisher(config_path: Path, now: datetime) -> dict[str, Any]:
    # imported here, so that the floor's process does not import publisher: the suite
    # also times each process whole, start-up included
    from publisher.config import load_config
    from publisher.fetch import make_session
    from publisher.hosts import count_hosts
    from publisher.pipeline import run_once, select_sources
    from publisher.stages import StageTimes
    from publisher.store import Store

    logging.basicConfig(level=logging.ERROR)
    timings = StageTimes()
    start_wall, start_cpu = time.perf_counter(), time.process_time() + children_cpu()
    config = load_config(config_path)
    sources = select_sources(config)
    load = time.perf_counter() - start_wall
    before = _mtimes(config.site.output)
    paused = time.perf_counter()
    pause = paused - (start_wall + load)
    hosts = count_hosts(source.url for source in sources if not source.is_local)
    with (
        Store(config.site.state) as store,
        make_session(contact=config.site.contact, hosts=hosts) as session,  # as `publisher run`
    ):
        report = run_once(
            sources, site=config.site, session=session, store=store, now=now, timings=timings
        )
    wall = time.perf_counter() - start_wall - pause
    # the worker processes' CPU too, as they report it, and their fork server's
    cpu = time.process_time() + children_cpu() - start_cpu
    cpu += sum(used for used, _ in timings.processes.values())
    after = _mtimes(config.site.output)
    touched = sum(1 for name, mtime in after.items() if before.get(name) != mtime)
    failed = [(r.source_id, r.error) for r in report.sources if not r.ok]
    return {
        "wall": wall,
        "cpu": cpu,
        "peak_rss_mb": peak_rss_mb(),
        "processes": len(timings.processes),
        "peak_rss_workers_mb": max((peak for _, peak in timings.processes.values()), default=0.0),
        "load": load,
        "sources": len(report.sources),
        "entries": sum(r.found for r in report.sources),
        "new": sum(r.new for r in report.sources),
        "not_modified": sum(1 for r in report.sources if r.not_modified),
        "files_written": sum(len(r.files_written) for r in report.sources),
        "files_touched": touched,
        "failed": len(failed),
        "first_failures": failed[:3],
        "stages": timings.as_dict(),
    }


def measure_floor(config_path: Path, out_dir: Path) -> dict[str, Any]:
    result = run_floor(config_path, out_dir, alone=False)
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def measure_floor_alone(config_path: Path, out_dir: Path) -> dict[str, Any]:
    return {"alone": _alone(load_sources(config_path), out_dir), "peak_rss_mb": peak_rss_mb()}


def main(argv: list[str]) -> int:
    kind, config = argv[0], Path(argv[1])
    if kind == "publisher":
        now = datetime.fromisoformat(argv[argv.index("--now") + 1])
        if "--profile" in argv:  # cProfile the run: figures are then slower than real
            profile = cProfile.Profile()
            result = profile.runcall(measure_publisher, config, now)
            profile.dump_stats(argv[argv.index("--profile") + 1])
        else:
            result = measure_publisher(config, now)
    elif kind == "floor":
        result = measure_floor(config, Path(argv[2]))
    elif kind == "floor-alone":
        result = measure_floor_alone(config, Path(argv[2]))
    else:
        print(f"unknown kind {kind!r}", file=sys.stderr)
        return 2
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
