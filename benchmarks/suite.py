"""The benchmark scenarios: generate the corpus, serve it, measure each run in a subprocess.

1. first run: N sources x M entries on an empty store (default 1,000 x 50); 1b. the
same in one process (``processes: 1``); 2. rerun with nothing changed: every page
answers 304, no file may be rewritten; 3. rerun where every 10th page gained one entry;
4. scaling: first runs at N/4, N/2, N (scenario 1) and 2N sources (or ``--scaling``);
5. the floor (benchmarks/floor.py) on the same corpus, as a whole and stage by stage.

Every figure is also printed as a ratio to the floor; ``min_delay`` is 0 (said so).
Scenarios 5, 1, 2, 3 and 1b run back to back in ``repeat`` rounds (default 3), each
from an empty store, so that each ratio is measured within one minute of this shared
machine (one minute can be 30% slower than the next). The run with the median wall time
of each scenario is reported with every sample; each target ratio is the median of its
per-round ratios. CPU counts the worker processes; "process" times the whole child
process, start-up and imports included.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import corpus
from .server import CorpusServers

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-26T12:00:00+00:00"
STAGES = ("fetch", "extract", "normalise", "store", "render", "write")
# Which floor stage each pipeline stage is compared with.
FLOOR_STAGE = {"fetch": "fetch", "extract": "parse", "render": "render", "write": "write"}

SCENARIOS = ("floor", "first", "rerun", "grown", "single", "scaling")
TARGETS = {  # issue 20; first_process_vs_floor: start-up included (its target on 200 x 30)
    "first_vs_floor": 0.8, "first_cpu_vs_floor": 1.1, "first_process_vs_floor": 1.0,
    "rerun_vs_first": 0.03, "grown_vs_first": 0.10, "peak_rss_mb_at_1000": 200.0,
    "rss_2000_vs_1000": 1.2, "rss_10000_vs_1000": 1.2,
}  # fmt: skip


def _child(args: list[str], *, timeout: float) -> dict[str, Any]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.measure", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    whole = time.perf_counter() - started  # the process, start-up and imports included
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child {args[0]} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    result["process_wall"] = whole
    return result


class Suite:
    """One benchmark session over one corpus folder."""

    def __init__(
        self,
        work: Path,
        *,
        sources: int,
        entries: int,
        latency: float = 0.0,
        scaling: tuple[int, ...] | None = None,
        out: Callable[[str], None] = print,
        timeout: float = 900.0,
        profile: Path | None = None,
        repeat: int = 3,
    ):
        self.work = work
        self.sources = sources
        self.entries = entries
        self.latency = latency
        self.scaling = scaling if scaling is not None else (sources // 4, sources // 2, sources * 2)
        self.out = out
        self.timeout = timeout
        self.profile = profile
        self.repeat = max(1, repeat)
        self.pages = work / "pages"
        self.most = max((sources, *self.scaling))

    # -- set up --------------------------------------------------------------------------

    def _config(
        self, servers: CorpusServers, name: str, sources: int, processes: int | None = None
    ) -> Path:
        folder = self.work / name
        if folder.exists():
            shutil.rmtree(folder)
        return corpus.write_config(
            folder / "sources.yaml", sources=sources, host_urls=servers.urls, min_delay=0.0,
            processes=processes,
        )  # fmt: skip

    def _publisher(self, config: Path, *, profile: Path | None = None) -> dict[str, Any]:
        extra = ["--profile", str(profile)] if profile else []
        return _child(["publisher", str(config), "--now", NOW, *extra], timeout=self.timeout)

    # -- the scenarios -------------------------------------------------------------------

    def run(self, scenarios: tuple[str, ...] = SCENARIOS) -> dict[str, Any]:
        started = time.perf_counter()
        self.out(
            f"corpus: {self.most} pages x {self.entries} entries, "
            f"{corpus.hosts_needed(self.most)} hosts ({corpus.PAGES_PER_HOST} pages per host), "
            f"latency {self.latency * 1000:.0f} ms; per-host delay (min_delay) set to 0"
        )
        corpus.write_pages(self.pages, self.most, self.entries)
        sizes = [path.stat().st_size for path in self.pages.glob("*.html")]
        self.out(
            f"pages: {min(sizes) // 1024}-{max(sizes) // 1024} KB, "
            f"{sum(sizes) / 1024 / 1024:.0f} MB in all ({time.perf_counter() - started:.1f}s)"
        )
        results: dict[str, Any] = {}
        with CorpusServers(
            self.pages, hosts=corpus.hosts_needed(self.most), latency=self.latency
        ) as servers:
            rounds = [self._round(servers, k, scenarios) for k in range(1, self.repeat + 1)]
            results.update(_medians(rounds))
            if "floor" in results:
                config = self.work / "floor" / "sources.yaml"
                alone = _child(
                    ["floor-alone", str(config), str(config.parent / "feeds-alone")],
                    timeout=self.timeout,
                )
                results["floor"]["alone"] = alone["alone"]
            titles = {
                "floor": "5. floor",
                "first": "1. first run",
                "rerun": "2. rerun, nothing changed",
                "grown": f"3. rerun, {len(range(0, self.sources, 10))} pages gained an entry",
                "single": "1b. first run in one process (processes: 1)",
            }
            for name, title in titles.items():
                if name in results:
                    self._print(title, results[name], results)
            if self.profile and "first" in results:
                self.out(f"\n   (round 1 of the first run was profiled; data in {self.profile})")
            if "scaling" in scenarios:
                results["scaling"] = self._scaling(servers, results)
        results["total_seconds"] = time.perf_counter() - started
        return results

    def _round(
        self, servers: CorpusServers, k: int, scenarios: tuple[str, ...]
    ) -> dict[str, dict[str, Any]]:
        """One round: the scenarios back to back, so that their ratios are measured in the
        same minute of this shared machine. Each round starts from an empty store."""
        measured: dict[str, dict[str, Any]] = {}
        if "floor" in scenarios:
            config = self._config(servers, "floor", self.sources)
            measured["floor"] = _child(
                ["floor", str(config), str(config.parent / "feeds")], timeout=self.timeout
            )
        if "first" not in scenarios:
            return measured
        main = self._config(servers, "main", self.sources)
        measured["first"] = self._measured(servers, main, profile=self.profile if k == 1 else None)
        if "rerun" in scenarios:
            measured["rerun"] = self._measured(servers, main)
        if "grown" in scenarios:
            corpus.grow_pages(self.pages, self.sources, self.entries, extra=1)
            try:
                measured["grown"] = self._measured(servers, main)
            finally:
                corpus.grow_pages(self.pages, self.sources, self.entries, extra=0)
        if "single" in scenarios:  # the first run again, in one process (no worker pool)
            single = self._config(servers, "single", self.sources, processes=1)
            measured["single"] = self._measured(servers, single)
        return measured

    def _measured(
        self, servers: CorpusServers, config: Path, *, profile: Path | None = None
    ) -> dict[str, Any]:
        servers.reset_stats()
        result = self._publisher(config, profile=profile)
        result["server"] = servers.reset_stats()
        return result

    def _scaling(self, servers: CorpusServers, results: dict[str, Any]) -> dict[str, Any]:
        points: dict[str, Any] = {}
        sizes = sorted({*self.scaling, self.sources})
        for size in sizes:
            if size == self.sources and "first" in results:
                points[str(size)] = results["first"]  # the same run as scenario 1
                continue
            config = self._config(servers, f"scale-{size}", size)
            points[str(size)] = self._publisher(config)
            shutil.rmtree(config.parent)
        self.out("\n4. scaling (first runs on an empty store)")
        self.out(f"   {'sources':>8} {'wall s':>8} {'ms/source':>10} {'cpu s':>8} {'peak MB':>8} "
                 f"{'worker MB':>9}")  # fmt: skip
        for size in sizes:
            point = points[str(size)]
            self.out(
                f"   {size:>8} {point['wall']:>8.2f} {1000 * point['wall'] / size:>10.2f} "
                f"{point['cpu']:>8.2f} {point['peak_rss_mb']:>8.1f} "
                f"{point.get('peak_rss_workers_mb', 0.0):>9.1f}"
            )
        return points

    # -- output --------------------------------------------------------------------------

    def _print(self, title: str, result: dict[str, Any], results: dict[str, Any]) -> None:
        floor, reference = results.get("floor"), results.get("first")
        ratios = results.get("ratios", {})
        wall, entries = result["wall"], result["entries"]
        rate = f"{entries / wall:,.0f}" if entries else "-"
        line = (
            f"\n{title}\n   wall {wall:.2f}s  cpu {result['cpu']:.2f}s  "
            f"entries/s {rate}  peak RSS {result['peak_rss_mb']:.0f} MB  "
            f"files written {result['files_written']}"
        )
        tag = title.split(".")[0]
        mine = ratios.get({"1": "first_vs_floor", "1b": "single_vs_floor", "2": "rerun_vs_first",
                           "3": "grown_vs_first"}.get(tag, ""), [])  # fmt: skip
        if floor is not None and result is not floor:
            line += f"  [{wall / floor['wall']:.2f}x floor]"
        if reference is not None and result is not reference and result is not floor:
            line += f"  [{100 * wall / reference['wall']:.1f}% of first run]"
        samples = result.get("samples", [])
        if len(samples) > 1:
            line += (
                f"\n   median of {len(samples)} rounds "
                f"({', '.join(f'{sample:.2f}s' for sample in samples)})"
            )
            if mine:
                shown = [f"{r:.3f}" if r >= 0.5 else f"{100 * r:.1f}%" for r in mine]
                line += f"; ratio in each round {', '.join(shown)}"
        line += "\n   every round: " + _rounds(result)
        if result.get("processes"):
            line += (f"\n   {result['processes']} worker processes, peak RSS of the largest "
                     f"{result['peak_rss_workers_mb']:.0f} MB")  # fmt: skip
        if tag == "1":
            for key in ("first_cpu_vs_floor", "first_process_vs_floor", "first_vs_single"):
                if ratios.get(key):
                    shown = ", ".join(f"{r:.3f}" for r in ratios[key])
                    line += f"\n   {key}: {statistics.median(ratios[key]):.3f} ({shown})"
        self.out(line)
        if result.get("failed"):
            self.out(f"   FAILED sources: {result['failed']} {result['first_failures']}")
        stages = result["stages"]
        parts = []
        if result is floor:
            alone = result.get("alone", {})
            for name, seconds in stages.items():
                extra = f" (alone {alone[name]:.2f}s)" if name in alone else ""
                parts.append(f"{name} {seconds:.2f}s{extra}")
        else:
            for name in STAGES:
                seconds = stages[name]["wall"]
                text = f"{name} {seconds:.2f}s"
                mate = FLOOR_STAGE.get(name)
                if floor is not None and mate and floor["stages"].get(mate):
                    text += f" ({seconds / floor['stages'][mate]:.1f}x)"
                parts.append(text)
        parts.append(f"config {result['load']:.2f}s")
        self.out("   " + ", ".join(parts))


def _rounds(result: dict[str, Any]) -> str:
    """Every round's wall, CPU and whole-process (start-up included) seconds."""
    walls = result.get("samples", [result["wall"]])
    cpus = result.get("cpu_samples", [result["cpu"]])
    whole = result.get("process_samples", [result.get("process_wall", 0.0)])
    return ", ".join(
        f"wall {w:.2f} cpu {c:.2f} process {p:.2f}"
        for w, c, p in zip(walls, cpus, whole, strict=True)
    )


RATIOS = {  # name: (scenario, scenario it is measured against, figure)
    "first_vs_floor": ("first", "floor", "wall"),
    "first_cpu_vs_floor": ("first", "floor", "cpu"),
    "first_process_vs_floor": ("first", "floor", "process_wall"),
    "rerun_vs_first": ("rerun", "first", "wall"),
    "grown_vs_first": ("grown", "first", "wall"),
    "single_vs_floor": ("single", "floor", "wall"),
    "first_vs_single": ("first", "single", "wall"),
}


def _medians(rounds: list[dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """Each scenario's run with the median wall time (all walls under ``samples``), and
    each target ratio measured round by round (under ``ratios``)."""
    merged: dict[str, Any] = {}
    for name in rounds[0]:
        runs = [measured[name] for measured in rounds]
        walls = [run["wall"] for run in runs]
        chosen = dict(runs[walls.index(statistics.median_low(walls))])
        chosen["samples"] = walls
        chosen["cpu_samples"] = [run["cpu"] for run in runs]
        chosen["process_samples"] = [run["process_wall"] for run in runs]
        chosen["files_touched_each"] = [run.get("files_touched", 0) for run in runs]
        merged[name] = chosen
    merged["ratios"] = {
        key: [m[top][figure] / m[bottom][figure] for m in rounds]
        for key, (top, bottom, figure) in RATIOS.items()
        if top in rounds[0] and bottom in rounds[0]
    }
    return merged


def check_targets(results: dict[str, Any], sources: int) -> dict[str, Any]:
    """The issue's targets, measured; only those the run has the figures for. A ratio is
    the median of the ratios measured in each round."""
    checks: dict[str, Any] = {}
    first = results.get("first")
    for key, values in results.get("ratios", {}).items():
        checks[key] = statistics.median(values)
    if first and results.get("rerun"):
        checks["rerun_files_written"] = max(results["rerun"]["files_touched_each"])
    if first:
        checks[f"peak_rss_mb_at_{sources}"] = first["peak_rss_mb"]
    scaling = results.get("scaling", {})
    for size in scaling:
        if first and int(size) > sources:
            checks[f"rss_{size}_vs_{sources}"] = scaling[size]["peak_rss_mb"] / first["peak_rss_mb"]
    return checks


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
    }


def run(
    *,
    sources: int,
    entries: int,
    latency: float,
    work: Path | None,
    results_dir: Path | None,
    scenarios: tuple[str, ...],
    scaling: tuple[int, ...] | None = None,
    out: Callable[[str], None] = print,
    profile: Path | None = None,
    repeat: int = 3,
) -> dict[str, Any]:
    """Run the suite; returns (and saves, with ``results_dir``) every figure.

    ``profile``: run scenario 1 under cProfile and write its data there (first round).
    ``repeat``: rounds of scenarios 5, 1, 2 and 3 (medians and per-round ratios).
    """
    info = machine()
    out(f"publisher benchmarks: {info['cores']} cores, Python {info['python']}, {info['platform']}")
    temporary = work is None
    folder = Path(tempfile.mkdtemp(prefix="publisher-bench-")) if work is None else work
    try:
        suite = Suite(
            folder, sources=sources, entries=entries, latency=latency, scaling=scaling,
            out=out, profile=profile, repeat=repeat,
        )  # fmt: skip
        results = suite.run(scenarios)
    finally:
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)
    checks = check_targets(results, sources)
    out("\ntargets (issue 20; ratios: the median of the rounds' ratios):")
    for name, value in checks.items():
        shown = f"{value:.3f}" if isinstance(value, float) else f"{value}"
        target = f"  (target {TARGETS[name]})" if name in TARGETS else ""
        out(f"   {name}: {shown}{target}")
    document = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": info,
        "settings": {
            "sources": sources, "entries": entries, "latency_s": latency,
            "min_delay": 0, "pages_per_host": corpus.PAGES_PER_HOST, "now": NOW,
            "scenarios": list(scenarios), "repeat": repeat,
        },
        "results": results,
        "checks": checks,
    }  # fmt: skip
    if results_dir is not None:
        results_dir.mkdir(parents=True, exist_ok=True)
        path = results_dir / f"{datetime.now(UTC):%Y-%m-%d}.json"
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        out(f"\nresults written to {path}")
    out(f"total {results['total_seconds']:.0f}s")
    return document
