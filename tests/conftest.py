"""Shared fixtures (a frozen clock, a temporary project folder, local servers) and the
rule behind `make test-fast`: a test that starts a server or a subprocess is marked
``slow``, or it fails."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from .support import NOW, ROOT, SEED
from .support.scale import BUCKET, Postgres, moto_s3
from .support.server import LocalServer, Servers


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


@pytest.fixture(autouse=True)
def _fast_tests_start_nothing(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """A test not marked ``slow`` that listens on a port (any server, the support server
    included) or starts a subprocess fails, naming the marker to add."""
    if request.node.get_closest_marker("slow") is not None:
        yield
        return
    broken: list[str] = []

    def refuse(what: str) -> None:
        broken.append(what)
        pytest.fail(
            f"{request.node.nodeid} {what} but is not marked slow: add @pytest.mark.slow "
            "(`make test-fast` runs only the tests that start no server or subprocess)",
            pytrace=False,
        )

    listen = socket.socket.listen
    popen = subprocess.Popen.__init__

    def guarded_listen(self: socket.socket, *args: Any) -> None:
        refuse("starts a server (listens on a port)")
        listen(self, *args)

    def guarded_popen(self: subprocess.Popen[Any], *args: Any, **kw: Any) -> None:
        refuse("starts a subprocess")
        popen(self, *args, **kw)

    monkeypatch.setattr(socket.socket, "listen", guarded_listen)
    monkeypatch.setattr(subprocess.Popen, "__init__", guarded_popen)
    yield
    call = getattr(request.node, "_call_report", None)
    if broken and call is not None and call.passed:  # the test caught the failure
        pytest.fail(f"{request.node.nodeid} {broken[0]} but is not marked slow", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item._call_report = report  # type: ignore[attr-defined]  # read by the guard above
    return report


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


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's S3-compatible server on loopback with an empty bucket ``BUCKET``; boto3
    (in this process and in the processes it starts) points at it; its endpoint URL."""
    import boto3

    from publisher import s3write

    with moto_s3() as endpoint:
        for name, value in {
            "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
        }.items():  # fmt: skip
            monkeypatch.setenv(name, value)
        s3write._shared_client.cache_clear()  # a client made for an earlier test's server
        try:
            boto3.client("s3").create_bucket(Bucket=BUCKET)
            yield endpoint
        finally:
            s3write._shared_client.cache_clear()
