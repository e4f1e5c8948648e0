"""``publisher worker``: any number of workers, on any machines, sharing one PostgreSQL
database (``site.state: postgresql://...``). Jobs are queued and run by Procrastinate,
a PostgreSQL task queue; nothing here coordinates on its own.

    publisher.due      a periodic task (every ``tick`` seconds). Procrastinate defers it
                       exactly once per period however many workers run (its periodic
                       defers table). It reads the store and defers ``publisher.source``
                       for each source whose every/cron is due (service.due_sources).
    publisher.source   runs one source (pipeline.run_once). Deferred with
                       ``queueing_lock`` = the source id (never queued twice) and
                       ``lock`` = the source id (never run twice at once).

Each request goes through :class:`publisher.sharedhosts.SharedHostGate`: one request at a
time per host across all workers, ``min_delay`` apart. A worker killed mid-job stops
sending heartbeats; the next ``publisher.due`` hands its job back to the queue
(Procrastinate's stalled jobs), and the one-transaction-per-page store makes a rerun
harmless. SIGTERM stops taking jobs and lets the job in hand finish.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from .config import load_config
from .errors import ConfigError
from .fetch import make_session
from .hosts import count_hosts
from .model import Config
from .pipeline import run_once
from .service import due_sources, is_due
from .store import Store
from .store.connection import is_postgres

log = logging.getLogger(__name__)
QUEUE = "sources"
_SCHEMA_LOCK = 0x70726F63  # one worker installs Procrastinate's schema


@dataclass(slots=True, kw_only=True)
class _Worker:
    """What one worker process keeps between jobs."""

    config_path: Path
    name: str
    store: Store
    session: requests.Session
    gate: Any  # SharedHostGate
    stalled_after: float
    loaded: tuple[int, Config] | None = None  # (mtime_ns, config)

    def config(self) -> Config:
        """The configuration as it is now: edits apply from the next job (read again
        only when the file changed)."""
        mtime = self.config_path.stat().st_mtime_ns
        if self.loaded is None or self.loaded[0] != mtime:
            self.loaded = (mtime, load_config(self.config_path))
        return self.loaded[1]


def default_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def build_app(url: str) -> Any:
    """The Procrastinate app on the database at ``url`` (tasks registered by :func:`serve`)."""
    import procrastinate

    return procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))


def install_schema(url: str) -> None:
    """Install Procrastinate's tables once, however many workers start together."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as db, db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        found = db.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if found is not None and found[0] is not None:
            return
        from procrastinate.schema import SchemaManager

        db.execute(SchemaManager.get_schema())


def _register(app: Any, worker: _Worker, *, tick: int) -> None:
    cron = f"* * * * * */{tick}" if tick < 60 else f"*/{max(1, tick // 60)} * * * *"

    @app.task(name="publisher.source", queue=QUEUE, pass_context=False)  # type: ignore[untyped-decorator]
    def source_job(source_id: str) -> None:
        config = worker.config()
        try:
            source = config.source(source_id)
        except KeyError:
            log.info("%s: no longer in the configuration; skipped", source_id)
            return
        state = worker.store.source_states([source_id])[source_id]
        now = datetime.now(UTC)
        if not source.enabled or (is_due(source, state, now) is False and state.feed_digest):
            return  # queued again while it ran: done already, files written
        run_once(
            [source], site=config.site, session=worker.session, store=worker.store,
            now=now, gate=worker.gate, workers=1, config=config,
        )  # fmt: skip

    @app.periodic(cron=cron, periodic_id="due")  # type: ignore[untyped-decorator]
    @app.task(name="publisher.due", queue=QUEUE, queueing_lock="publisher.due")  # type: ignore[untyped-decorator]
    def due_job(timestamp: int) -> None:
        _retry_stalled(app, worker.stalled_after)
        config = worker.config()
        now = datetime.now(UTC)
        enabled = [source for source in config.sources if source.enabled]
        states = worker.store.source_states(source.id for source in enabled)
        for source in due_sources(enabled, states, now):
            _defer(source_job, source.id)


def _defer(task: Any, source_id: str) -> None:
    from procrastinate.exceptions import AlreadyEnqueued

    with contextlib.suppress(AlreadyEnqueued):  # queued, not started yet: once is enough
        task.configure(lock=source_id, queueing_lock=source_id).defer(source_id=source_id)


def _retry_stalled(app: Any, after: float) -> None:
    """Hand the jobs of workers that stopped sending heartbeats back to the queue."""
    from asgiref.sync import async_to_sync

    manager = app.job_manager
    stalled = async_to_sync(manager.get_stalled_jobs)(seconds_since_heartbeat=after)
    for job in stalled:
        log.warning("job %s (%s) of a stalled worker: retried", job.id, job.task_kwargs)
        async_to_sync(manager.retry_job)(job)


def serve(
    config_path: Path, *, name: str | None = None, tick: int = 60, heartbeat: float = 10.0
) -> None:
    """Run one worker until SIGTERM or SIGINT (the job in hand finishes first)."""
    from .sharedhosts import SharedHostGate

    config = load_config(config_path)
    url = config.site.state
    if not is_postgres(url):
        raise ConfigError(
            "publisher worker shares its state through PostgreSQL: set site.state to a "
            "postgresql://user@host/database URL (or use publisher schedule)",
            path=str(config_path),
        )
    url = str(url)
    install_schema(url)
    name = name or default_name()
    hosts = count_hosts(s.url for s in config.sources if not s.is_local)
    gate = SharedHostGate(url)
    with Store(url, worker=name) as store, make_session(
        contact=config.site.contact, hosts=hosts
    ) as session:  # fmt: skip
        worker = _Worker(
            config_path=config_path, name=name, store=store, session=session, gate=gate,
            stalled_after=heartbeat * 3,
        )  # fmt: skip
        app = build_app(url)
        _register(app, worker, tick=tick)
        try:
            app.run_worker(
                queues=[QUEUE], name=name, update_heartbeat_interval=heartbeat,
                stalled_worker_timeout=heartbeat * 3, delete_jobs="never",
                install_signal_handlers=True,
            )  # fmt: skip
        finally:
            gate.close()
