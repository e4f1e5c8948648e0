"""The deadline watchdog: woken only for an earlier deadline, and never late for one."""

from __future__ import annotations

import time

import pytest

from publisher.addresses import AddressPolicy
from publisher.netguard import Guard, _Watchdog

POLICY = AddressPolicy(allow_private=True)


def _wait_until(condition, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.01)
    return False


class _Counting:
    def __init__(self, notify):  # type: ignore[no-untyped-def]
        self.calls = 0
        self._notify = notify

    def __call__(self) -> None:
        self.calls += 1
        self._notify()


@pytest.fixture
def watchdog() -> tuple[_Watchdog, _Counting]:
    dog = _Watchdog()
    counting = _Counting(dog._wake.notify)
    dog._wake.notify = counting  # type: ignore[method-assign]
    return dog, counting


def _started(dog: _Watchdog) -> Guard:
    """A first guard, once the thread sleeps until its deadline."""
    first = Guard(POLICY, total=60)
    dog.add(first)
    assert _wait_until(lambda: dog._wakes_at == first.deadline)
    return first


def test_a_later_deadline_does_not_wake_the_watchdog(watchdog) -> None:  # type: ignore[no-untyped-def]
    dog, notify = watchdog
    _started(dog)
    for _ in range(5):
        dog.add(Guard(POLICY, total=60))
    assert notify.calls == 0


def test_fetches_one_after_another_do_not_wake_the_watchdog(watchdog) -> None:  # type: ignore[no-untyped-def]
    dog, notify = watchdog
    _started(dog).release()
    for _ in range(5):  # each fetch is over before the next starts: the heap empties
        guard = Guard(POLICY, total=60)
        dog.add(guard)
        guard.release()
    assert notify.calls == 0
    assert len(dog._heap) == 1


def test_an_earlier_deadline_wakes_it_and_expires_on_time(watchdog) -> None:  # type: ignore[no-untyped-def]
    dog, notify = watchdog
    late = _started(dog)
    soon = Guard(POLICY, total=0.2)
    dog.add(soon)
    assert notify.calls == 1
    start = time.monotonic()
    assert _wait_until(lambda: soon.cut)
    assert time.monotonic() - start < 2
    assert not late.cut


def test_guards_whose_fetch_ended_are_dropped_as_new_ones_come(watchdog) -> None:  # type: ignore[no-untyped-def]
    dog, _ = watchdog
    ended = [Guard(POLICY, total=60) for _ in range(3)]
    for guard in ended:
        dog.add(guard)
        guard.release()
    running = Guard(POLICY, total=60)
    dog.add(running)
    assert [guard for _, _, guard in dog._heap] == [running]


def test_a_deadline_after_an_idle_spell_wakes_the_watchdog(watchdog) -> None:  # type: ignore[no-untyped-def]
    dog, _ = watchdog
    first = Guard(POLICY, total=0.05)
    dog.add(first)
    assert _wait_until(lambda: first.cut)  # the heap is empty: the thread waits for a guard
    second = Guard(POLICY, total=0.2)
    dog.add(second)
    assert _wait_until(lambda: second.cut)
