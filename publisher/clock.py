"""Is the system clock believable? Two pure checks, run before anything is stored.

    check_against_store   the clock must not be earlier than the newest time the store
                          recorded (a clock set back would date entries in the past and
                          clamp page dates to the wrong "now", for good)
    check_against_server  the clock must not be far ahead of a server's ``Date`` header
                          (a clock a year ahead dates undated entries a year ahead, and
                          ``run --due`` would then wait a year)

Both raise :class:`~publisher.errors.ClockError`: the run stops, nothing is stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from .errors import ClockError
from .store import Store

BEHIND_TOLERANCE = timedelta(minutes=10)  # NTP steps, a run started a moment earlier
AHEAD_TOLERANCE = timedelta(days=1)  # servers' clocks and caches are not exact either


def check_against_store(now: datetime, recorded: Iterable[datetime | None]) -> None:
    """:class:`ClockError` when ``now`` is earlier than the newest of ``recorded``."""
    newest = max((when for when in recorded if when is not None), default=None)
    if newest is not None and now < newest - BEHIND_TOLERANCE:
        raise ClockError(
            f"the system clock says {now:%Y-%m-%d %H:%M} UTC, earlier than the last run "
            f"recorded in the state store ({newest:%Y-%m-%d %H:%M} UTC); nothing was fetched "
            "or stored. Set the clock right (timedatectl, NTP) and run again"
        )


def check_store_clock(store: Store, source_ids: Iterable[str], now: datetime) -> None:
    """:func:`check_against_store` with the sources' last attempts (for the CLI and the
    scheduler, which read the clock; the pipeline is given ``now``)."""
    states = store.source_states(source_ids)
    check_against_store(now, (state.last_attempt for state in states.values()))


def check_against_server(now: datetime, date: str | None, age: str | None, *, url: str) -> None:
    """:class:`ClockError` when ``now`` is far ahead of a response's ``Date`` (+ ``Age``)."""
    if not date:
        return
    try:
        sent = parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError, OverflowError):
        return
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    seconds = int(age) if age and age.strip().isdigit() and len(age) < 10 else 0
    try:
        sent += timedelta(seconds=seconds)
    except OverflowError:
        return
    if now - sent > AHEAD_TOLERANCE:
        raise ClockError(
            f"the system clock says {now:%Y-%m-%d %H:%M} UTC, but {url} answered with "
            f"Date: {date} ({(now - sent).days} days earlier); nothing was stored. Set the "
            "clock right (timedatectl, NTP) and run again"
        )
