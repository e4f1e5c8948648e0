"""A lost, truncated or replaced store never shrinks a feed; clocks that lie stop the run."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from publisher.cli import main
from publisher.clock import check_against_server, check_against_store
from publisher.errors import ClockError, LockError
from publisher.lock import FolderLock
from publisher.repair import read_feed

from .support import file_config


def _ids(folder: Path) -> list[str]:
    return [e.id for e in feedparser.parse((folder / "feeds" / "s.atom").read_bytes()).entries]


def _shrink(folder: Path) -> None:
    file_config(folder, entries=2)  # the page now shows 2 of its 5 entries


@pytest.mark.parametrize("how", ["deleted", "truncated", "replaced"])
def test_a_lost_store_is_rebuilt_from_the_feed_file(how: str, tmp_path: Path) -> None:
    config = file_config(tmp_path)
    assert main(["run", "-q", "-c", str(config)]) == 0
    before = _ids(tmp_path)
    store = tmp_path / "state" / "s.db"
    for extra in ("-wal", "-shm"):
        Path(str(store) + extra).unlink(missing_ok=True)
    if how == "deleted":
        store.unlink()
    elif how == "truncated":
        store.write_bytes(b"")
    else:
        store.unlink()
        assert main(["run", "-q", "-c", str(config)]) == 0  # a fresh, empty store
    _shrink(tmp_path)
    assert main(["run", "-q", "-c", str(config)]) == 0
    assert _ids(tmp_path) == before  # still 5 entries, same order


def test_the_rebuilt_entries_keep_their_dates(tmp_path: Path) -> None:
    config = file_config(tmp_path)
    assert main(["run", "-q", "-c", str(config)]) == 0
    first = (tmp_path / "feeds" / "s.atom").read_bytes()
    (tmp_path / "state" / "s.db").unlink()
    assert main(["run", "-q", "-c", str(config)]) == 0
    assert (tmp_path / "feeds" / "s.atom").read_bytes() == first


def test_publisher_repair_restores_what_the_store_lacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = file_config(tmp_path)
    assert main(["run", "-q", "-c", str(config)]) == 0
    (tmp_path / "state" / "s.db").unlink()
    assert main(["repair", "-c", str(config)]) == 0
    assert "s: 5 entries restored" in capsys.readouterr().out
    assert main(["repair", "-c", str(config)]) == 0
    assert "s: 0 entries restored" in capsys.readouterr().out


def test_an_unreadable_feed_file_stops_that_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = file_config(tmp_path)
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "s.atom").write_bytes(b"<feed><entry>broken")
    assert main(["run", "-c", str(config)]) == 1
    assert "publisher repair" in capsys.readouterr().out
    assert (tmp_path / "feeds" / "s.atom").read_bytes() == b"<feed><entry>broken"


def test_read_feed_refuses_entities(tmp_path: Path) -> None:
    path = tmp_path / "s.atom"
    path.write_bytes(b'<!DOCTYPE f [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                     b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>a</id><title>&x;</title>'
                     b"<updated>2026-01-01T00:00:00+00:00</updated></entry></feed>")  # fmt: skip
    entries = read_feed(path, "s")
    assert "root:" not in entries[0].title


MIDNIGHT = datetime(2026, 11, 26, tzinfo=UTC)


def test_a_clock_behind_the_store_stops() -> None:
    with pytest.raises(ClockError, match="earlier than the last run"):
        check_against_store(MIDNIGHT - timedelta(days=400), [MIDNIGHT])
    check_against_store(MIDNIGHT - timedelta(minutes=5), [MIDNIGHT, None])  # within the tolerance


def test_a_clock_far_ahead_of_the_server_stops() -> None:
    with pytest.raises(ClockError, match="Date"):
        check_against_server(
            MIDNIGHT + timedelta(days=365), "Thu, 26 Nov 2026 00:00:00 GMT", None, url="u"
        )
    check_against_server(MIDNIGHT, "Thu, 26 Nov 2026 00:00:00 GMT", None, url="u")
    check_against_server(MIDNIGHT, "garbage", "x", url="u")


def test_a_run_with_the_clock_set_back_stores_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = file_config(tmp_path)
    assert main(["run", "-q", "-c", str(config)]) == 0
    feed = (tmp_path / "feeds" / "s.atom").read_bytes()
    store = (tmp_path / "state" / "s.db").stat().st_mtime_ns

    class Past(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return datetime(2020, 1, 1, tzinfo=UTC)

    monkeypatch.setattr("publisher.cli.run.datetime", Past)
    _shrink(tmp_path)
    assert main(["run", "-c", str(config)]) == 1
    assert "earlier than the last run" in capsys.readouterr().err
    assert (tmp_path / "feeds" / "s.atom").read_bytes() == feed
    assert (tmp_path / "state" / "s.db").stat().st_mtime_ns == store


def test_two_configurations_sharing_one_output_folder_take_turns(tmp_path: Path) -> None:
    with FolderLock(tmp_path / "feeds"), pytest.raises(LockError, match="output folder"):
        FolderLock(tmp_path / "feeds").acquire()


def test_deleting_the_lock_file_does_not_let_a_second_run_in(tmp_path: Path) -> None:
    from publisher.lock import StateLock

    with StateLock(tmp_path / "publisher.lock"):
        os.unlink(tmp_path / "publisher.lock")
        with pytest.raises(LockError, match="state folder"):
            StateLock(tmp_path / "publisher.lock").acquire()


def test_a_run_and_the_output_lock_of_another_configuration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = file_config(tmp_path)
    with FolderLock(tmp_path / "feeds"):
        assert main(["run", "-c", str(config)]) == 75
    assert "output folder" in capsys.readouterr().err
