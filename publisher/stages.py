"""Optional timing of the pipeline's stages, for benchmarks and ``--verbose`` diagnostics.

A :class:`StageTimes` collector passed to ``run_once``/``process_source`` adds up, per
stage (fetch, extract, normalise, store, render, write), the wall time and the CPU time
of the thread that ran it. Without one, :func:`stage` returns a shared do-nothing context
manager: timing costs nothing when unused. The collector is thread-safe, so a pool of
workers can share it, and a worker process's times are added to it (:meth:`add`); its
sums then exceed the run's wall time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

STAGES = ("fetch", "extract", "normalise", "store", "render", "write")

_UNUSED: AbstractContextManager[None] = nullcontext()


class StageTimes:
    """Wall and thread CPU seconds spent in each stage, summed over sources."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.wall: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self.cpu: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self.calls: dict[str, int] = dict.fromkeys(STAGES, 0)
        # the run's worker processes (publisher.pool): pid -> (CPU seconds, peak RSS MB)
        self.processes: dict[int, tuple[float, float]] = {}

    @contextmanager
    def measure(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
            with self._lock:
                self.wall[name] = self.wall.get(name, 0.0) + wall
                self.cpu[name] = self.cpu.get(name, 0.0) + cpu
                self.calls[name] = self.calls.get(name, 0) + 1

    def add(self, other: dict[str, dict[str, float]]) -> None:
        """Add the times of another collector (:meth:`as_dict`: a worker process's)."""
        with self._lock:
            for name, spent in other.items():
                self.wall[name] = self.wall.get(name, 0.0) + spent["wall"]
                self.cpu[name] = self.cpu.get(name, 0.0) + spent["cpu"]
                self.calls[name] = self.calls.get(name, 0) + int(spent["calls"])

    def worker(self, pid: int, cpu: float, peak_mb: float) -> None:
        """Record what a worker process has used so far (its last report counts)."""
        with self._lock:
            self.processes[pid] = (cpu, peak_mb)

    def as_dict(self) -> dict[str, dict[str, float]]:
        with self._lock:
            return {
                name: {"wall": self.wall[name], "cpu": self.cpu[name], "calls": self.calls[name]}
                for name in self.wall
            }


def stage(timings: StageTimes | None, name: str) -> AbstractContextManager[None]:
    """Time ``name`` into ``timings``, or do nothing when there is no collector."""
    return _UNUSED if timings is None else timings.measure(name)
