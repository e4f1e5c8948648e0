"""The fetch workers: threads that take sources hosts in turn and hand pages over.

Pages are fetched concurrently across hosts, one request at a time per host
(:class:`~publisher.hosts.HostGate`); the caller does every later stage as pages arrive.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Sequence

from .hosts import host_key
from .model import Page, Source


def fetched_in_turn(
    todo: Sequence[Source], fetch: Callable[[Source], Page | Exception], *, workers: int
) -> Generator[tuple[int, Page | Exception], None, None]:
    """``(index, page or error)`` for every source, as the ``workers`` threads fetch them.

    Each thread takes the next source in :func:`host_order` by itself and hands its page
    over; at most ``2 * workers`` fetched pages wait for the caller, so memory does not
    grow with the number of sources. The caller's thread wakes only to take a page: with
    no dispatcher in between, an unchanged page (304) costs as few handovers of the
    interpreter lock as a fetch can.
    """
    order = iter(host_order(todo))
    take = threading.Lock()
    room = threading.Semaphore(2 * workers)
    fetched: queue.SimpleQueue[tuple[int, Page | BaseException]] = queue.SimpleQueue()
    stop = threading.Event()

    def work() -> None:
        while True:
            room.acquire()
            with take:
                index = None if stop.is_set() else next(order, None)
            if index is None:
                return
            try:
                result: Page | BaseException = fetch(todo[index])
            except BaseException as exc:  # fetch returns its errors: this is a bug
                result = exc
            fetched.put((index, result))

    threads = [
        threading.Thread(target=work, name=f"publisher-fetch-{n}", daemon=True)
        for n in range(workers)
    ]
    for thread in threads:
        thread.start()
    try:
        for _ in todo:
            index, result = fetched.get()
            if not isinstance(result, Exception) and isinstance(result, BaseException):
                raise result
            yield index, result
            room.release()
    finally:
        stop.set()
        for _ in threads:
            room.release()  # wake any thread waiting for room, so that it sees stop
        for thread in threads:
            thread.join()


def host_order(sources: Sequence[Source]) -> list[int]:
    """Indexes of ``sources`` taking hosts in turn (a1 b1 c1 a2 b2 ...), so that workers
    are rarely all waiting for the same host. Local files count as a host each."""
    queues: dict[str, list[int]] = {}
    for index, source in enumerate(sources):
        key = f"file:{index}" if source.is_local else host_key(source.url)
        queues.setdefault(key, []).append(index)
    order: list[int] = []
    lanes = list(queues.values())
    depth = 0
    while len(order) < len(sources):
        order.extend(lane[depth] for lane in lanes if depth < len(lane))
        depth += 1
    return order
