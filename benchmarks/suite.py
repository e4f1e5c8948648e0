"""The benchmark scenarios: generate the corpus, serve it, measure each run in a subprocess.

1. first run: N sources x M entries on an empty store (default 1,000 x 50);
2. rerun with nothing changed: every page answers 304; no file may be rewritten;
3. rerun where every 10th page gained one entry;
4. scaling: first runs at N/4, N/2, N (scenario 1) and 2N sources;
5. the floor (benchmarks/floor.py) on the same corpus, as a whole and stage by stage.

Every figure is also printed as a ratio to the floor. The per-host delay (``min_delay``)
is set to 0 in the generated sources.yaml; the output says so.

Scenarios 1, 2, 3 and 5 run ``repeat`` times (default 3) and report the run with the
median wall time, with every sample kept: on a shared machine one sample can be 30% off.
Each repeat of scenario 1 starts from an empty store; each repeat of scenario 3 grows the
same pages by one more entry, so every repeat measures the same change.
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

SCENARIOS = ("floor", "first", "rerun", "grown", "scaling")
TARGETS = {
    "first_vs_floor": 1.5,
    "rerun_vs_first": 0.05,
    "grown_vs_first": 0.15,
    "peak_rss_mb_at_1000": 200.0,
    "rss_2000_vs_1000": 1.2,
}


def _child(args: list[str], *, timeout: float) -> dict[str, Any]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.measure", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child {args[0]} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
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

    def _config(self, servers: CorpusServers, name: str, sources: int) -> Path:
        folder = self.work / name
        if folder.exists():
            shutil.rmtree(folder)
        return corpus.write_config(
            folder / "sources.yaml", sources=sources, host_urls=servers.urls, min_delay=0.0
        )

    def _publisher(self, config: Path, *, profile: Path | None = None) -> dict[str, Any]:
        extra = ["--profile", str(profile)] if profile else []
        return _child(["publisher", str(config), "--now", NOW, *extra], timeout=self.timeout)

    def _repeated(self, measure: Callable[[int], dict[str, Any]]) -> dict[str, Any]:
        """``measure(k)`` for k = 1..repeat; the result with the median wall time, with
        every sample's wall time under ``samples``."""
        results = [measure(k) for k in range(1, self.repeat + 1)]
        walls = [result["wall"] for result in results]
        middle = statistics.median_low(walls)
        chosen = dict(results[walls.index(middle)])
        chosen["samples"] = walls
        return chosen

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
            if "floor" in scenarios:
                config = self._config(servers, "floor", self.sources)
                floor = self._repeated(
                    lambda _: _child(
                        ["floor", str(config), str(config.parent / "feeds")], timeout=self.timeout
                    )
                )
                alone = _child(
                    ["floor-alone", str(config), str(config.parent / "feeds-alone")],
                    timeout=self.timeout,
                )
                floor["alone"] = alone["alone"]
                results["floor"] = floor
                self._print("5. floor", floor, floor=floor, reference=None)
            main = self.work / "main" / "sources.yaml"
            if "first" in scenarios:

                def first(_: int) -> Path:  # every repeat starts from an empty store
                    return self._config(servers, "main", self.sources)

                results["first"] = self._scenario(servers, first, "1. first run", results)
            if "rerun" in scenarios and "first" in results:
                results["rerun"] = self._scenario(
                    servers, lambda _: main, "2. rerun, nothing changed", results
                )
            if "grown" in scenarios and "first" in results:

                def grown(extra: int) -> Path:  # the same pages gain one more entry each time
                    corpus.grow_pages(self.pages, self.sources, self.entries, extra=extra)
                    return main

                pages = len(range(0, self.sources, 10))
                try:
                    results["grown"] = self._scenario(
                        servers, grown, f"3. rerun, {pages} pages gained an entry", results
                    )
                finally:
                    corpus.grow_pages(self.pages, self.sources, self.entries, extra=0)
            if "scaling" in scenarios:
                results["scaling"] = self._scaling(servers, results)
        results["total_seconds"] = time.perf_counter() - started
        return results

    def _scenario(
        self,
        servers: CorpusServers,
        prepare: Callable[[int], Path],
        title: str,
        results: dict[str, Any],
    ) -> dict[str, Any]:
        """Run the scenario ``repeat`` times; ``prepare(k)`` sets repeat k up, gives its config."""
        profile = self.profile if title.startswith("1.") else None

        def once(k: int) -> dict[str, Any]:
            config = prepare(k)
            servers.reset_stats()
            result = self._publisher(config, profile=profile if k == 1 else None)
            result["server"] = servers.reset_stats()
            return result

        result = self._repeated(once)
        if profile:
            self.out(f"   (profiled: slower than real; cProfile data in {profile})")
        self._print(title, result, floor=results.get("floor"), reference=results.get("first"))
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
        self.out(f"   {'sources':>8} {'wall s':>8} {'ms/source':>10} {'cpu s':>8} {'peak MB':>8}")
        for size in sizes:
            point = points[str(size)]
            self.out(
                f"   {size:>8} {point['wall']:>8.2f} {1000 * point['wall'] / size:>10.2f} "
                f"{point['cpu']:>8.2f} {point['peak_rss_mb']:>8.1f}"
            )
        return points

    # -- output --------------------------------------------------------------------------

    def _print(
        self,
        title: str,
        result: dict[str, Any],
        *,
        floor: dict[str, Any] | None,
        reference: dict[str, Any] | None,
    ) -> None:
        wall, entries = result["wall"], result["entries"]
        rate = f"{entries / wall:,.0f}" if entries else "-"
        line = (
            f"\n{title}\n   wall {wall:.2f}s  cpu {result['cpu']:.2f}s  "
            f"entries/s {rate}  peak RSS {result['peak_rss_mb']:.0f} MB  "
            f"files written {result['files_written']}"
        )
        if floor is not None and result is not floor:
            line += f"  [{wall / floor['wall']:.2f}x floor]"
        if reference is not None and result is not reference:
            line += f"  [{100 * wall / reference['wall']:.1f}% of first run]"
        samples = result.get("samples", [])
        if len(samples) > 1:
            line += (
                f"\n   median of {len(samples)} runs "
                f"({', '.join(f'{sample:.2f}s' for sample in samples)})"
            )
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


def check_targets(results: dict[str, Any], sources: int) -> dict[str, Any]:
    """The issue's targets, measured; only those the run has the figures for."""
    checks: dict[str, Any] = {}
    first, floor = results.get("first"), results.get("floor")
    if first and floor:
        checks["first_vs_floor"] = first["wall"] / floor["wall"]
    if first and results.get("rerun"):
        checks["rerun_vs_first"] = results["rerun"]["wall"] / first["wall"]
        checks["rerun_files_written"] = results["rerun"]["files_touched"]
    if first and results.get("grown"):
        checks["grown_vs_first"] = results["grown"]["wall"] / first["wall"]
    if first:
        checks[f"peak_rss_mb_at_{sources}"] = first["peak_rss_mb"]
    scaling = results.get("scaling", {})
    if first and str(2 * sources) in scaling:
        checks[f"rss_{2 * sources}_vs_{sources}"] = (
            scaling[str(2 * sources)]["peak_rss_mb"] / first["peak_rss_mb"]
        )
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

    ``profile``: run scenario 1 under cProfile and write its data there (first repeat).
    ``repeat``: how many times scenarios 1, 2, 3 and 5 run (the median is reported).
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
    out("\ntargets (issue 6):")
    for name, value in checks.items():
        out(f"   {name}: {value:.3f}" if isinstance(value, float) else f"   {name}: {value}")
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
