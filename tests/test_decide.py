"""Decisions over data: what is new, what changed, and when a page looks broken.

plan_merge is tested on its own and, with Hypothesis, over random sequences of pages
stored in a real (in-memory) store: ``published`` never moves, ``updated`` moves exactly
when the fingerprint changes, and an id is new exactly once. The layout guard is tested
as a table and end to end: the failing run leaves the feed files byte for byte (and
mtime) as they were, is counted in the store, and after ``broken_after`` such runs the
status says "broken".
"""

from __future__ import annotations

import textwrap
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.cli.show import status_row
from publisher.config import load_config
from publisher.decide import LAYOUT_CHANGED, MergePlan, layout_problem, plan_merge
from publisher.fetch import make_session
from publisher.model import Entry, StoredEntry
from publisher.pipeline import run_once
from publisher.report import SourceReport
from publisher.service import status
from publisher.store import Store

from .support import NOW


def entry(n: int, *, version: int = 0, dated: bool = True) -> Entry:
    return Entry(
        id=f"urn:uuid:00000000-0000-0000-0000-{n:012d}",
        title=f"Entry {n}",
        link=f"https://example.org/news/{n}/",
        summary=f"<p>Summary {n}, version {version}</p>",
        category=None,
        published=datetime(2026, 10, 1, tzinfo=UTC) + timedelta(days=n) if dated else None,
        fingerprint=f"{n:016x}{version:016x}",
    )


def as_stored(e: Entry, *, seq: int, seen: datetime = NOW) -> StoredEntry:
    published = e.published or seen
    return StoredEntry(
        source="newsroom", id=e.id, title=e.title, link=e.link, summary=e.summary,
        category=e.category, published=published, updated=published, first_seen=seen,
        last_seen=seen, fingerprint=e.fingerprint, seq=seq,
    )  # fmt: skip


# -- plan_merge ------------------------------------------------------------------------------


def test_new_entries_take_the_page_date_and_top_of_page_sorts_newer() -> None:
    page = [entry(3), entry(2), entry(1, dated=False)]
    plan = plan_merge({}, page, source_id="newsroom", now=NOW, next_seq=10)
    assert [e.title for e in plan.new] == ["Entry 3", "Entry 2", "Entry 1"]
    assert [e.seq for e in plan.new] == [12, 11, 10]  # the top of the page is numbered last
    assert plan.new[0].published == plan.new[0].updated == page[0].published
    undated = plan.new[2]
    assert undated.published == undated.updated == undated.first_seen == NOW  # first seen
    assert plan.changed == plan.refreshed == ()


def test_seen_again_unchanged_moves_last_seen_only() -> None:
    old = as_stored(entry(1, dated=False), seq=1, seen=NOW - timedelta(days=3))
    later = NOW + timedelta(hours=1)
    plan = plan_merge(
        {old.id: old}, [entry(1, dated=False)], source_id="newsroom", now=later, next_seq=2
    )
    assert plan.new == plan.changed == plan.refreshed == ()
    assert plan.seen == (old.id,)  # the store moves its last_seen, nothing else
    with Store(":memory:") as store:
        store.commit_success(
            "newsroom", MergePlan(new=(old,), changed=(), refreshed=()), now=old.first_seen,
            status=200, etag=None, last_modified=None, entries_seen=1,
        )  # fmt: skip
        store.commit_success(
            "newsroom", plan, now=later, status=200, etag=None, last_modified=None,
            entries_seen=1,
        )  # fmt: skip
        assert store.entries("newsroom")[old.id] == replace(old, last_seen=later)


def test_a_display_only_edit_is_refreshed_with_the_same_dates() -> None:
    old = as_stored(entry(1), seq=1, seen=NOW - timedelta(days=3))
    later = NOW + timedelta(hours=1)
    edited = replace(entry(1), title="Entry  1")  # same fingerprint: whitespace only
    plan = plan_merge({old.id: old}, [edited], source_id="newsroom", now=later, next_seq=2)
    assert plan.new == plan.changed == plan.seen == ()
    (shown,) = plan.refreshed
    assert (shown.title, shown.updated, shown.last_seen) == ("Entry  1", old.updated, later)


def test_a_changed_fingerprint_moves_updated_only() -> None:
    old = as_stored(entry(1), seq=1)
    later = NOW + timedelta(days=2)
    edited = replace(entry(1, version=1), published=NOW + timedelta(days=1))  # date edited too
    plan = plan_merge({old.id: old}, [edited], source_id="newsroom", now=later, next_seq=2)
    (changed,) = plan.changed
    assert changed.updated == later
    assert changed.published == old.published  # never moves
    assert changed.seq == old.seq
    assert changed.summary == edited.summary


def test_updated_never_goes_back_when_the_clock_does() -> None:
    old = replace(as_stored(entry(1), seq=1), updated=NOW + timedelta(days=5))
    plan = plan_merge(
        {old.id: old}, [entry(1, version=2)], source_id="newsroom", now=NOW, next_seq=2
    )
    assert plan.changed[0].updated == old.updated


# -- the same, over random histories, through the real store ---------------------------------

pages = st.lists(
    st.lists(
        st.tuples(st.integers(0, 9), st.integers(0, 2), st.booleans()),
        max_size=8,
        unique_by=lambda item: item[0],
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(history=pages)
def test_published_never_moves_and_updated_moves_exactly_on_change(history) -> None:
    with Store(":memory:") as store:
        first: dict[str, StoredEntry] = {}
        last: dict[str, StoredEntry] = {}
        for round_number, items in enumerate(history):
            now = NOW + timedelta(hours=round_number)
            incoming = [entry(n, version=v, dated=dated) for n, v, dated in items]
            existing = store.entries("newsroom", [e.id for e in incoming])
            plan = plan_merge(
                existing, incoming, source_id="newsroom", now=now,
                next_seq=store.prior("newsroom", (), limit=1, max_age_days=None, now=now).next_seq,
            )  # fmt: skip
            assert {e.id for e in plan.new} == {e.id for e in incoming} - set(first)
            store.commit_success(
                "newsroom", plan, now=now, status=200, etag=None, last_modified=None,
                entries_seen=len(incoming),
            )  # fmt: skip
            stored = store.entries("newsroom")
            for e in incoming:
                now_stored = stored[e.id]
                first.setdefault(e.id, now_stored)
                assert now_stored.published == first[e.id].published
                assert now_stored.first_seen == first[e.id].first_seen
                assert now_stored.seq == first[e.id].seq
                before = last.get(e.id)
                if before is None:
                    pass
                elif before.fingerprint != e.fingerprint:
                    assert now_stored.updated == max(now, before.updated)
                else:
                    assert now_stored.updated == before.updated
                assert now_stored.last_seen == now  # every entry on the page, written or not
                assert (now_stored.title, now_stored.summary) == (e.title, e.summary)
                last[e.id] = now_stored
            assert set(stored) == set(first)  # nothing is ever deleted


# -- the layout guard: a table ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("found", "usual", "ratio", "broken"),
    [
        (0, None, 0.2, False),  # a new source: nothing to compare with
        (0, 0, 0.2, False),
        (0, 5, 0.2, True),
        (1, 5, 0.2, False),  # ceil(5 * 0.2) = 1
        (1, 10, 0.2, True),
        (2, 10, 0.2, False),
        (5, 50, 0.2, True),
        (10, 50, 0.2, False),
        (1, 50, 0.0, False),  # ratio 0: only an empty page fails
        (0, 50, 0.0, True),
        (49, 50, 1.0, True),
    ],
)
def test_layout_problem(found: int, usual: int | None, ratio: float, broken: bool) -> None:
    problem = layout_problem(found, usual, ratio=ratio)
    assert (problem is not None) == broken
    if problem and found == 0:
        assert problem.startswith(LAYOUT_CHANGED)
    if problem:
        assert "the page layout may have changed" in problem
        assert "The feed was left as it was" in problem


# -- the layout guard, end to end ------------------------------------------------------------


def page(numbers: list[int]) -> str:
    items = "".join(
        f"""<article class="news-item"><time datetime="2026-10-{n:02d}"></time>
        <h3><a href="https://example.org/news/{n}/">Entry {n}</a></h3>
        <p class="summary">Summary {n}</p></article>"""
        for n in numbers
    )
    return f"<html><body><section>{items}</section></body></html>"


ERROR_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>"
    "<p>The upstream server returned an error. Error reference 7f3a.</p></body></html>"
)


class Project:
    def __init__(self, root: Path, *, broken_after: int | None = None):
        self.root = root
        self.page = root / "page.html"
        extra = f"    broken_after: {broken_after}\n" if broken_after else ""
        (root / "sources.yaml").write_text(
            textwrap.dedent(
                """\
                site:
                  base_url: https://feeds.example.org/
                  output: feeds
                  state: state.db
                sources:
                  - id: newsroom
                    title: Newsroom
                    url: page.html
                    home: https://example.org/newsroom/
                """
            )
            + extra
            + "    select:\n"
            + '      item: "article.news-item"\n'
            + '      title: "h3 a::text"\n'
            + '      link: "h3 a::attr(href)"\n'
            + '      date: "time::attr(datetime)"\n'
            + '      summary: "p.summary"\n',
            encoding="utf-8",
        )
        self.config = load_config(root / "sources.yaml")
        self.clock = NOW

    def run(self, text: str | None) -> SourceReport:
        if text is None:
            self.page.unlink(missing_ok=True)  # the fetch fails
        else:
            self.page.write_text(text, encoding="utf-8")
        self.clock += timedelta(hours=1)
        with Store(self.config.site.state) as store, make_session() as session:
            return run_once(
                self.config.sources,
                site=self.config.site,
                session=session,
                store=store,
                now=self.clock,
            ).sources[0]

    def files(self) -> dict[str, tuple[bytes, int]]:
        folder = self.root / "feeds"
        if not folder.exists():
            return {}
        return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}

    def status(self) -> dict[str, object]:
        with Store(self.config.site.state) as store:
            (source,) = self.config.sources
            return status_row(
                self.config,
                status(source, store.source_states(["newsroom"])["newsroom"], self.clock),
            )


def test_an_error_page_leaves_the_feed_exactly_as_it_was(tmp_path: Path) -> None:
    project = Project(tmp_path)
    assert project.run(page([5, 4, 3, 2, 1])).ok
    before = project.files()
    with Store(project.config.site.state) as store:
        entries = store.entries("newsroom")

    report = project.run(ERROR_PAGE)
    assert not report.ok
    assert report.error_kind == "layout"
    assert report.error is not None
    assert LAYOUT_CHANGED in report.error
    assert report.files_written == ()
    assert project.files() == before  # bytes and mtimes
    for data, _ in before.values():
        assert b"Bad Gateway" not in data
    with Store(project.config.site.state) as store:
        assert store.entries("newsroom") == entries  # nothing stored from the error page
        state = store.source_states(["newsroom"])["newsroom"]
    assert (state.failures, state.layout_failures, state.entries_seen) == (1, 1, 5)


def test_far_fewer_entries_than_usual_is_a_layout_problem(tmp_path: Path) -> None:
    project = Project(tmp_path)
    assert project.run(page(list(range(10, 0, -1)))).ok
    before = project.files()
    report = project.run(page([11]))  # 1 of 10, under 20 %
    assert not report.ok
    assert report.error_kind == "layout"
    assert "the page layout may have changed" in (report.error or "")
    assert project.files() == before
    with Store(project.config.site.state) as store:
        assert len(store.entries("newsroom")) == 10  # entry 11 was not stored either
    report = project.run(page([12, 11, *range(10, 0, -1)]))
    assert (report.ok, report.new) == (True, 2)


def test_broken_after_n_consecutive_layout_failures(tmp_path: Path) -> None:
    project = Project(tmp_path)
    assert project.run(page([3, 2, 1])).ok
    assert project.status()["state"] == "ok"
    labels = []
    for text in (ERROR_PAGE, ERROR_PAGE, None, ERROR_PAGE):  # a fetch failure in between
        project.run(text)
        labels.append(project.status()["state"])
    # layout, layout, fetch (neither counts nor resets), layout = 3 layout failures
    assert labels == ["failing", "failing", "failing", "broken"]
    assert project.status()["failures"] == 4
    assert project.run(page([4, 3, 2, 1])).ok
    assert project.status()["state"] == "ok"
    with Store(project.config.site.state) as store:
        state = store.source_states(["newsroom"])["newsroom"]
    assert (state.failures, state.layout_failures) == (0, 0)


def test_fetch_failures_alone_are_never_broken(tmp_path: Path) -> None:
    project = Project(tmp_path)
    assert project.run(page([3, 2, 1])).ok
    for _ in range(5):
        assert project.run(None).error_kind == "fetch"
    assert project.status()["state"] == "failing"


def test_broken_after_is_configurable(tmp_path: Path) -> None:
    project = Project(tmp_path, broken_after=1)
    assert project.run(page([3, 2, 1])).ok
    project.run(ERROR_PAGE)
    assert project.status()["state"] == "broken"


def test_a_new_source_whose_page_has_no_entries_publishes_nothing(tmp_path: Path) -> None:
    project = Project(tmp_path)
    for expected in ("failing", "failing", "broken"):
        report = project.run(ERROR_PAGE)
        assert not report.ok
        assert report.error_kind == "extract"
        assert project.files() == {}  # no feed made of an error page
        assert project.status()["state"] == expected


def test_one_layout_failure_after_fetch_failures_is_not_broken(tmp_path: Path) -> None:
    project = Project(tmp_path)
    assert project.run(page([3, 2, 1])).ok
    for text in (None, None, ERROR_PAGE):
        project.run(text)
    status = project.status()
    assert status["failures"] == 3
    assert status["state"] == "failing"  # only one run without entries so far
