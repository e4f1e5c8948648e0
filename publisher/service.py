"""The rules of running sources as a service, in one place: which sources are due, and
what state each is in. Pure: the store's states and the clock are passed in.

Used by ``publisher status``, ``publisher run --due`` and ``publisher schedule`` (a new
job's first run), so that all three agree.

    new        never succeeded yet, and no failure either
    ok         the last attempt succeeded
    failing    the last attempt failed (fetch or page); the feed keeps what it had
    broken     ``broken_after`` runs in a row found no usable entries: fix the selectors
    disabled   ``enabled: false``
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from .model import Source, SourceState
from .triggers import Timing, due_at

BAD_STATES = frozenset({"failing", "broken"})


def state_label(source: Source, state: SourceState) -> str:
    """new, ok, failing, broken or disabled: ``source`` given what the store knows of it."""
    if not source.enabled:
        return "disabled"
    if state.layout_failures >= source.broken_after:  # that many runs without entries
        return "broken"
    if state.failures:
        return "failing"
    if state.last_success is None:
        return "new"
    return "ok"


def next_due(source: Source, state: SourceState) -> datetime | None:
    """When the source's interval next wants it run; None: due now (never succeeded)."""
    timing = Timing.of(source)
    return due_at(timing, last_success=state.last_success, last_attempt=state.last_attempt)


def is_due(source: Source, state: SourceState, now: datetime) -> bool:
    """Whether the source's interval has elapsed since its last success (and attempt)."""
    due = next_due(source, state)
    return due is None or due <= now


def due_sources(
    sources: Iterable[Source], states: Mapping[str, SourceState], now: datetime
) -> tuple[Source, ...]:
    """The ``sources`` that are due at ``now``, in the given order."""
    return tuple(source for source in sources if is_due(source, states[source.id], now))


@dataclass(frozen=True, slots=True, kw_only=True)
class Status:
    """One source's standing, as ``publisher status`` shows it."""

    source: Source
    state: SourceState
    label: str  # new, ok, failing, broken or disabled
    next_due: datetime | None  # None: due now (or disabled)
    due_now: bool

    @property
    def bad(self) -> bool:
        return self.label in BAD_STATES


def status(source: Source, state: SourceState, now: datetime) -> Status:
    """The :class:`Status` of ``source`` at ``now``."""
    due = next_due(source, state) if source.enabled else None
    return Status(
        source=source,
        state=state,
        label=state_label(source, state),
        next_due=due,
        due_now=source.enabled and (due is None or due <= now),
    )
