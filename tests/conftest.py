"""Shared fixtures: paths to ../shared, a frozen clock, a temporary project folder."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from .localserver import LocalServer, Servers
from .scale_servers import Postgres

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "amnesty-usa-north-korea.txt"
REALWORLD = SHARED / "realworld"
DATA = Path(__file__).resolve().parent / "data"

NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"the seed page is not at {SEED} (../shared is missing)")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repository's default sources.yaml and its example pages."""
    shutil.copy(ROOT / "sources.yaml", tmp_path / "sources.yaml")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    return tmp_path


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        default=False,
        help="rewrite tests/data/*/expected.json from the current code",
    )


@pytest.fixture
def serve() -> Iterator[Callable[..., LocalServer]]:
    """Start local HTTP servers on 127.0.0.1 (each its own host); all stop after the test."""
    with Servers() as servers:

        def start(routes: dict | None = None, **kw: object) -> LocalServer:
            return servers.start(LocalServer(routes=routes or {}, **kw))  # type: ignore[arg-type]

        yield start


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL server on loopback for the whole session (started on first use)."""
    server = Postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(postgres: Postgres) -> str:
    """The URL of a new, empty PostgreSQL database."""
    return postgres.database()
