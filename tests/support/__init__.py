"""What the tests share, and the benchmarks with them: one frozen clock, the paths, one
loopback HTTP server (:mod:`tests.support.server`), one config writer
(:mod:`tests.support.config`), child processes (:mod:`tests.support.processes`) and the
small records and pages several test modules build on (:mod:`tests.support.records`).

Test modules import from here only, never from one another.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "amnesty-usa-north-korea.txt"
REALWORLD = SHARED / "realworld"
DATA = ROOT / "tests" / "data"

NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)  # a Thursday; the frozen clock of the tests
