"""Whole runs against real local servers: `publisher run`, run_once with workers, the
per-host rule seen from the servers, secrets kept out of every output."""

from __future__ import annotations

import itertools
import logging
import sqlite3
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from publisher.cli import main
from publisher.config import load_config
from publisher.fetch import make_session
from publisher.pipeline import run_once
from publisher.store import Store
from publisher.workers import host_order

from .support.records import newsroom, newsroom_config
from .support.server import LocalServer, Overlap, Reply, serving


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.glob("*.*"))}


def etag_page(body: Callable[[], bytes], tag: Callable[[], str]):  # type: ignore[no-untyped-def]
    def page(path: str, headers: dict[str, str]) -> Reply:
        if headers.get("if-none-match") == tag():
            return Reply(status=304, headers=(("ETag", tag()),))
        return Reply(body=body(), headers=(("ETag", tag()),))

    return page


@pytest.mark.slow
def test_a_404_source_beside_a_working_one(tmp_path, serve, capsys):
    state = {"a": newsroom("One", "Two"), "b_ok": True}

    def b_page(path: str, headers: dict[str, str]) -> Reply:
        return Reply(body=newsroom("Bee")) if state["b_ok"] else Reply(status=404)

    server = serve({"/a": lambda p, h: Reply(body=state["a"]), "/b": b_page})
    config = str(newsroom_config(tmp_path, [("a", server.url("/a")), ("b", server.url("/b"))]))
    assert main(["run", "-c", config]) == 0
    feeds = tmp_path / "feeds"
    before = snapshot(feeds)
    assert sorted(before) == [
        "a.atom", "a.html", "a.json", "a.rss", "b.atom", "b.html", "b.json", "b.rss",
        "feeds.opml", "index.html",
    ]  # fmt: skip
    capsys.readouterr()

    state["a"] = newsroom("Three", "One", "Two")
    state["b_ok"] = False
    assert main(["run", "-c", config]) == 1
    out = capsys.readouterr().out
    after = snapshot(feeds)
    assert after["b.atom"] == before["b.atom"]
    assert after["b.rss"] == before["b.rss"]
    assert after["a.atom"][0] != before["a.atom"][0]
    assert b"Three" in after["a.atom"][0]
    assert "b  FAILED" in out
    assert "HTTP 404" in out
    assert "a  ok      3 found, 1 new" in out
    assert out.index("a  ok") < out.index("b  FAILED")  # configuration order
    with sqlite3.connect(tmp_path / "state" / "state.db") as db:
        row = db.execute(
            "SELECT last_status, failures, last_error, entries_seen, last_success "
            "FROM sources WHERE id = 'b'"
        ).fetchone()
    assert row[0] == 404
    assert row[1] == 1
    assert "HTTP 404" in row[2]
    assert row[3] == 1
    assert row[4] is not None


@pytest.mark.slow
def test_304_run_writes_nothing_and_says_not_modified(tmp_path, serve, capsys):
    server = serve({"/a": etag_page(lambda: newsroom("One"), lambda: '"v1"')})
    config = str(newsroom_config(tmp_path, [("a", server.url("/a"))]))
    assert main(["run", "-c", config]) == 0
    before = snapshot(tmp_path / "feeds")
    capsys.readouterr()
    assert main(["run", "-c", config]) == 0
    assert "not modified (HTTP 304)" in capsys.readouterr().out
    assert snapshot(tmp_path / "feeds") == before
    assert server.seen[-1].headers["if-none-match"] == '"v1"'
    with sqlite3.connect(tmp_path / "state" / "state.db") as db:
        assert db.execute("SELECT last_status, failures, entries_seen FROM sources").fetchone() == (
            304,
            0,
            1,
        )


@pytest.mark.slow
def test_a_changed_page_with_the_same_entries_writes_nothing(tmp_path, serve, capsys):
    version = {"n": 1}
    server = serve(
        {
            "/a": etag_page(
                lambda: newsroom("One", footer=f"build {version['n']}"),
                lambda: f'"v{version["n"]}"',
            )
        }
    )
    config = str(newsroom_config(tmp_path, [("a", server.url("/a"))]))
    assert main(["run", "-c", config]) == 0
    before = snapshot(tmp_path / "feeds")
    version["n"] = 2
    capsys.readouterr()
    assert main(["run", "-c", config]) == 0
    assert "files unchanged" in capsys.readouterr().out
    assert snapshot(tmp_path / "feeds") == before


@pytest.mark.slow
def test_permanent_redirect_is_reported_in_the_run_summary(tmp_path, serve, capsys):
    server = serve({"/old": Reply(status=301, headers=(("Location", "/new"),))})
    server.routes["/new"] = Reply(body=newsroom("One"))
    config = str(newsroom_config(tmp_path, [("a", server.url("/old"))]))
    assert main(["run", "-c", config]) == 0
    assert f"moved permanently to {server.url('/new')}: update 'url'" in capsys.readouterr().out


@pytest.mark.slow
def test_secrets_appear_in_no_output_log_store_or_feed(
    tmp_path, serve, capsys, caplog, monkeypatch
):
    good, bad = "tok-GOOD-8d1f7a", "sid-BAD-55e0c2"

    def guarded(path: str, headers: dict[str, str]) -> Reply:
        if headers.get("authorization") != f"Bearer {good}":
            return Reply(status=403)
        return Reply(body=newsroom("Members only"))

    server = serve({"/a": guarded, "/b": Reply(body=newsroom("Bee"))})
    monkeypatch.setenv("PUB_TEST_TOKEN", good)
    monkeypatch.setenv("PUB_TEST_SID", bad + "\r\nX-Injected: 1")
    path = newsroom_config(
        tmp_path,
        [
            ("a", server.url("/a"), {"headers": {"Authorization": "Bearer ${PUB_TEST_TOKEN}"}}),
            ("b", server.url("/b"), {"headers": {"Cookie": "sid=${PUB_TEST_SID}"}}),
        ],
    )
    with caplog.at_level(logging.DEBUG):
        code = main(["run", "-c", str(path), "-v"])
        main(["status", "-c", str(path), "--json"])
    assert code == 1
    out, err = capsys.readouterr()
    assert "a  ok" in out
    assert "b  FAILED" in out
    assert "line break" in out
    assert server.paths().count("/a") == 1
    assert "/b" not in server.paths()
    texts = [out, err, caplog.text]
    texts += [p.read_bytes().decode("utf-8", "replace") for p in tmp_path.rglob("*") if p.is_file()]
    for secret in (good, bad):
        assert not any(secret in text for text in texts), secret


@pytest.mark.slow
def test_per_host_rule_seen_by_the_servers(tmp_path):
    overlap = Overlap()
    with ExitStack() as stack:
        servers = [
            stack.enter_context(serving(LocalServer(latency=0.08, overlap=overlap)))
            for _ in range(4)
        ]
        sources = []
        for n in range(3):
            for server in servers:
                server.routes[f"/p{n}"] = Reply(body=newsroom(f"Page {n}"))
                sources.append((f"h{server.port}-p{n}", server.url(f"/p{n}")))
        # configuration order: all of one host, then the next (worst case for a naive pool)
        sources.sort()
        config = load_config(newsroom_config(tmp_path, sources, min_delay=0.05))
        with Store(config.site.state) as store, make_session() as session:
            report = run_once(
                config.sources, site=config.site, session=session, store=store,
                now=datetime.now(UTC),
                workers=8,
            )  # fmt: skip
    assert report.ok, report.failed
    assert [r.source_id for r in report.sources] == [source_id for source_id, _ in sources]
    assert overlap.max_total >= 3  # hosts were fetched at the same time
    assert set(overlap.max_per_host.values()) == {1}  # never two at once on one host
    for server in servers:
        assert sorted(server.paths()) == ["/p0", "/p1", "/p2", "/robots.txt"]
        times = sorted((seen.start, seen.end) for seen in server.seen)
        gaps = [b[0] - a[1] for a, b in itertools.pairwise(times)]
        assert min(gaps) >= 0.045, gaps  # min_delay between two requests to one host


@pytest.mark.slow
def test_workers_run_hosts_in_parallel_and_report_in_config_order(tmp_path, serve, capsys):
    slow = serve({"/s": Reply(body=newsroom("Slow"), delay=0.6)})
    fast = [serve({"/f": Reply(body=newsroom("Fast"))}) for _ in range(3)]
    sources = [("slow", slow.url("/s"))] + [(f"f{n}", s.url("/f")) for n, s in enumerate(fast)]
    config = str(newsroom_config(tmp_path, sources))
    assert main(["run", "-c", config, "--workers", "4"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[0] for line in out.splitlines()[:4]] == ["slow", "f0", "f1", "f2"]
    # the fast hosts were answered while the slow one was still thinking
    slow_seen = next(seen for seen in slow.seen if seen.path == "/s")
    assert all(seen.end < slow_seen.end for server in fast for seen in server.seen)


@pytest.mark.slow
def test_workers_one_is_sequential(tmp_path, serve, capsys):
    overlap = Overlap()
    servers = [serve({"/f": Reply(body=newsroom("F"))}, latency=0.03, overlap=overlap)
               for _ in range(3)]  # fmt: skip
    config = str(newsroom_config(tmp_path, [(f"f{n}", s.url("/f")) for n, s in enumerate(servers)]))
    assert main(["run", "-c", config, "--workers", "1"]) == 0
    assert overlap.max_total == 1


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_workers_must_be_a_positive_number(tmp_path, value, capsys):
    config = str(newsroom_config(tmp_path, [("a", "http://127.0.0.1:9/a")]))
    with pytest.raises(SystemExit) as info:
        main(["run", "-c", config, "--workers", value])
    assert info.value.code == 2
    assert "--workers: must be a whole number of at least 1" in capsys.readouterr().err


@pytest.mark.slow
def test_robots_txt_is_fetched_once_per_host_then_remembered_between_runs(tmp_path, serve):
    server = serve({f"/{n}": Reply(body=newsroom(f"P{n}")) for n in range(4)})
    config = str(newsroom_config(tmp_path, [(f"p{n}", server.url(f"/{n}")) for n in range(4)]))
    assert main(["run", "-c", config]) == 0
    assert server.paths().count("/robots.txt") == 1
    assert main(["run", "-c", config]) == 0  # a run minutes later: the store remembers it
    assert server.paths().count("/robots.txt") == 1


T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _runs_at(tmp_path: Path, server: LocalServer, paths: list[str], minutes: list[int]):  # type: ignore[no-untyped-def]
    """Run the sources at T0 + each of ``minutes``; the reports of each run."""
    config = load_config(
        newsroom_config(tmp_path, [(f"s{n}", server.url(p)) for n, p in enumerate(paths)])
    )
    reports = []
    with Store(config.site.state) as store, make_session() as session:
        for minute in minutes:
            now = T0 + timedelta(minutes=minute)
            reports.append(
                run_once(config.sources, site=config.site, session=session, store=store, now=now)
            )
    return reports


@pytest.mark.slow
def test_robots_txt_is_asked_again_once_it_is_an_hour_old(tmp_path, serve):
    server = serve({"/a": Reply(body=newsroom("A"))})
    _runs_at(tmp_path, server, ["/a"], [0, 5, 59])
    assert server.paths().count("/robots.txt") == 1
    _runs_at(tmp_path, server, ["/a"], [61])
    assert server.paths().count("/robots.txt") == 2


@pytest.mark.slow
def test_remembered_rules_still_apply(tmp_path, serve):
    server = serve(
        {
            "/robots.txt": Reply(body=b"User-agent: *\nDisallow: /closed\n"),
            "/closed": Reply(body=newsroom("X")),
            "/open": Reply(body=newsroom("Y")),
        }
    )
    first, later = _runs_at(tmp_path, server, ["/closed", "/open"], [0, 10])
    for report in (first, later):
        closed, opened = report.sources
        assert not closed.ok and "disallows" in (closed.error or "")
        assert opened.ok
    assert server.paths().count("/robots.txt") == 1
    assert "/closed" not in server.paths()


@pytest.mark.slow
@pytest.mark.parametrize("status", [500, 503])
def test_a_failing_robots_txt_is_not_remembered(tmp_path, serve, status):
    server = serve({"/robots.txt": Reply(status=status), "/a": Reply(body=newsroom("A"))})
    reports = _runs_at(tmp_path, server, ["/a"], [0, 5])
    assert all(report.ok for report in reports)  # unreachable rules: allowed for the run
    assert server.paths().count("/robots.txt") == 2  # and asked again the next run


@pytest.mark.slow
def test_a_missing_robots_txt_is_remembered(tmp_path, serve):
    server = serve({"/a": Reply(body=newsroom("A"))})  # /robots.txt: 404, no rules
    _runs_at(tmp_path, server, ["/a"], [0, 5])
    assert server.paths().count("/robots.txt") == 1


@pytest.mark.slow
def test_robots_disallow_fails_the_source_in_a_run(tmp_path, serve, capsys):
    server = serve(
        {
            "/robots.txt": Reply(body=b"User-agent: *\nDisallow: /closed\n"),
            "/closed": Reply(body=newsroom("X")),
            "/open": Reply(body=newsroom("Y")),
        }
    )
    config = str(
        newsroom_config(
            tmp_path, [("closed", server.url("/closed")), ("open", server.url("/open"))]
        )
    )
    assert main(["run", "-c", config]) == 1
    out = capsys.readouterr().out
    assert "closed  FAILED" in out
    assert "disallows" in out
    assert "respect_robots" in out
    assert "/closed" not in server.paths()


def test_host_order_takes_hosts_in_turn(tmp_path):
    urls = ["http://a.test/1", "http://a.test/2", "http://a.test/3", "http://b.test/1",
            "http://c.test/1", "http://b.test/2"]  # fmt: skip
    config = load_config(newsroom_config(tmp_path, [(f"s{n}", u) for n, u in enumerate(urls)]))
    assert host_order(config.sources) == [0, 3, 4, 1, 5, 2]


@pytest.mark.slow
def test_consecutive_failures_count_up_then_reset(tmp_path, serve, capsys):
    up = {"ok": False}
    server = serve(
        {"/a": lambda p, h: Reply(body=newsroom("A")) if up["ok"] else Reply(status=500)}
    )
    config = newsroom_config(tmp_path, [("a", server.url("/a"))])
    db_path = tmp_path / "state" / "state.db"

    def row() -> tuple:
        with sqlite3.connect(db_path) as db:
            return db.execute(
                "SELECT failures, last_status, last_error IS NOT NULL, last_success IS NOT NULL,"
                " entries_seen FROM sources"
            ).fetchone()

    assert main(["run", "-c", str(config)]) == 1
    assert main(["run", "-c", str(config)]) == 1
    assert row() == (2, 500, 1, 0, None)
    up["ok"] = True
    assert main(["run", "-c", str(config)]) == 0
    assert row() == (0, 200, 0, 1, 1)


@pytest.mark.slow
def test_on_report_is_called_in_configuration_order(tmp_path, serve):
    slow = serve({"/s": Reply(body=newsroom("Slow"), delay=0.3)})
    fast = serve({"/f": Reply(body=newsroom("Fast"))})
    config = load_config(
        newsroom_config(tmp_path, [("slow", slow.url("/s")), ("fast", fast.url("/f"))])
    )
    seen: list[str] = []
    with Store(config.site.state) as store, make_session() as session:
        run_once(
            config.sources, site=config.site, session=session, store=store,
            now=datetime.now(UTC), workers=2, on_report=lambda r: seen.append(r.source_id),
        )  # fmt: skip
    assert seen == ["slow", "fast"]
