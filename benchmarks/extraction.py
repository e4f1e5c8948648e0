"""``python -m benchmarks.extraction [--realworld DIR] [--page ID] [-v]``: how well
``format: auto`` finds the entries of real pages, with no selectors at all.

Reads the pages and their hand-checked entries from ``../shared/realworld`` (never copied
into this repository). An entry found matches a true one by canonical link (by title
where the page gives the entry no link); per page: precision, recall, F1; over all
pages: macro F1, and over the matched entries the share of exactly equal titles and of
equal dates (the calendar date as printed). A second table scores the held-out pages
of ``tests/data/listing`` (see its SOURCE.md) the same way. Also times auto detection against a
selector source on the largest page near 200 KB.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from publisher import dates
from publisher.extract import auto, html
from publisher.fetch import make_session
from publisher.links import canonical_link
from publisher.model import Page, RawEntry, Selectors, Site, Source
from publisher.pipeline import run_once
from publisher.store import Store
from publisher.text import clean_text

ROOT = Path(__file__).resolve().parent.parent
REALWORLD = ROOT.parent / "shared" / "realworld"
HELD_OUT = ROOT / "tests" / "data" / "listing"  # pages never used to tune detection
TARGETS = {"macro_f1": 0.90, "titles": 0.95, "dates": 0.95}
_FAR = datetime(2100, 1, 1, tzinfo=UTC)  # no clamping: pages hold future meetings
_NOW = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class PageScore:
    id: str
    truth: int
    found: int
    matched: int
    titles_equal: int
    dates_equal: int

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.truth if self.truth else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _pages(folder: Path) -> Path:
    return folder / "pages" if (folder / "pages").is_dir() else folder


def load(folder: Path, page_id: str) -> tuple[dict[str, Any], Page]:
    meta = json.loads((_pages(folder) / f"{page_id}.json").read_text(encoding="utf-8"))
    raw = (_pages(folder) / f"{page_id}.html").read_bytes()
    return meta, Page(url=meta["page_url"], text=raw.decode(meta["charset"], errors="replace"))


def page_ids(folder: Path) -> list[str]:
    """The pages of ``folder``: as its index.json lists them, else every ``<id>.json``."""
    if not (folder / "index.json").exists():
        return sorted(path.stem for path in folder.glob("*.json"))
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    return [page["id"] for page in index["pages"]]


def source_for(meta: dict[str, Any]) -> Source:
    return Source(id=meta["id"], url=meta["page_url"], title=meta["id"], home=meta["page_url"],
                  format="auto")  # fmt: skip


def found_entries(page: Page, source: Source, raws: Sequence[RawEntry]) -> list[dict[str, Any]]:
    """The raw entries as the ground truth writes them: absolute link, title, date."""
    base = html.link_base(page, source)
    rows = []
    for raw in raws:
        link = urljoin(base, raw.link.strip()) if raw.link and raw.link.strip() else None
        rows.append({"title": clean_text(raw.title), "link": link, "date": _date(raw.date)})
    return rows


def _date(text: str | None) -> str | None:
    if not text:
        return None
    try:
        value = dates.parse_date(text, tz=UTC, now=_FAR)
    except (dates.DateError, ValueError):
        return None
    return date.isoformat(value.date())


def score(
    page_id: str, truth: Sequence[dict[str, Any]], found: Sequence[dict[str, Any]]
) -> PageScore:
    def key(entry: dict[str, Any]) -> str:
        return canonical_link(entry["link"]) if entry["link"] else "title:" + entry["title"]

    pool: dict[str, list[dict[str, Any]]] = {}
    for entry in found:
        pool.setdefault(key(entry), []).append(entry)
    matched = titles = dates_ok = 0
    for entry in truth:
        candidates = pool.get(key(entry))
        if not candidates:
            continue
        mine = candidates.pop(0)
        matched += 1
        titles += mine["title"] == entry["title"]
        dates_ok += mine["date"] == entry["date"]
    return PageScore(id=page_id, truth=len(truth), found=len(found), matched=matched,
                     titles_equal=titles, dates_equal=dates_ok)  # fmt: skip


def evaluate(folder: Path, only: Sequence[str] | None = None) -> list[PageScore]:
    scores = []
    for page_id in only or page_ids(folder):
        meta, page = load(folder, page_id)
        source = source_for(meta)
        try:
            raws = auto.extract(page, source)
        except Exception:
            raws = ()
        scores.append(score(page_id, meta["entries"], found_entries(page, source, raws)))
    return scores


def summary(scores: Sequence[PageScore]) -> dict[str, float]:
    matched = sum(s.matched for s in scores)
    return {
        "macro_f1": sum(s.f1 for s in scores) / len(scores),
        "macro_precision": sum(s.precision for s in scores) / len(scores),
        "macro_recall": sum(s.recall for s in scores) / len(scores),
        "titles": sum(s.titles_equal for s in scores) / matched if matched else 0.0,
        "dates": sum(s.dates_equal for s in scores) / matched if matched else 0.0,
    }


def table(scores: Sequence[PageScore]) -> str:
    lines = ["| page | true | found | matched | precision | recall | F1 | titles | dates |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for s in scores:
        m = max(1, s.matched)
        lines.append(f"| {s.id} | {s.truth} | {s.found} | {s.matched} | {s.precision:.2f} | "
                     f"{s.recall:.2f} | {s.f1:.2f} | {s.titles_equal / m:.2f} | "
                     f"{s.dates_equal / m:.2f} |")  # fmt: skip
    total = summary(scores)
    lines.append(f"| **all** (macro P/R/F1; titles, dates over matched entries) | "
                 f"{sum(s.truth for s in scores)} | {sum(s.found for s in scores)} | "
                 f"{sum(s.matched for s in scores)} | {total['macro_precision']:.3f} | "
                 f"{total['macro_recall']:.3f} | **{total['macro_f1']:.3f}** | "
                 f"**{total['titles']:.3f}** | **{total['dates']:.3f}** |")  # fmt: skip
    return "\n".join(lines)


def speed(folder: Path, page_id: str, *, rounds: int = 5) -> dict[str, float]:
    """Seconds per page, best of ``rounds``: extraction alone, auto against the page's own
    selectors; and a first run of the source (read the saved page, extract, normalise,
    store in a new SQLite file, render and write both feeds) with either."""
    meta, page = load(folder, page_id)
    source = source_for(meta)
    given = {k: v for k, v in meta["selectors"].items() if k in Selectors.__slots__ and v}
    select = Selectors(**given)
    figures: dict[str, float] = {"bytes": len(page.text.encode())}
    figures["auto"] = _best(rounds, lambda: auto.extract(page, source))
    figures["selectors"] = _best(
        rounds, lambda: html.extract_html(page.text, select, url=page.url, where=page_id)
    )
    with tempfile.TemporaryDirectory() as work:
        saved = Path(work) / "page.html"
        saved.write_text(page.text, encoding="utf-8")
        for name, kw in (("run_auto", {"format": "auto"}),
                         ("run_selectors", {"format": "html", "select": select})):  # fmt: skip
            runs = iter(range(rounds))
            figures[name] = _best(
                rounds, lambda kw=kw, runs=runs: _run(Path(work), saved, next(runs), kw)
            )
    return figures


def _run(work: Path, saved: Path, number: int, kw: dict[str, Any]) -> None:
    source = Source(id="page", url=saved.as_uri(), title="page", home=saved.as_uri(), **kw)
    site = Site(base_url="https://feeds.example.org/", output=work / f"out-{number}-{kw['format']}")
    with (Store(work / f"state-{number}-{kw['format']}.db") as store,
          make_session() as session):  # fmt: skip
        report = run_once([source], site=site, session=session, store=store, now=_NOW,
                          out_dir=site.output)  # fmt: skip
    if not report.ok:
        raise RuntimeError(f"the benchmark run failed: {report}")


def _best(rounds: int, run: Any) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.extraction")
    parser.add_argument("--realworld", type=Path, default=REALWORLD)
    parser.add_argument(
        "--held-out",
        type=Path,
        default=HELD_OUT,
        help="pages never used to tune detection (default: %(default)s)",
    )
    parser.add_argument("--page", nargs="+", help="only these page ids")
    parser.add_argument("--speed-page", default="chip-de-werkzeug-listing",
                        help="the page timed (default: %(default)s, 199 KB)")  # fmt: skip
    args = parser.parse_args(argv)
    if not (args.realworld / "index.json").exists():
        print(f"no realworld pages in {args.realworld}", file=sys.stderr)
        return 2
    scores = evaluate(args.realworld, args.page)
    print(table(scores))
    if not args.page and page_ids(args.held_out):
        print("\nheld-out pages (never used to tune detection):\n")
        print(table(evaluate(args.held_out)))
    if not args.page:
        f = speed(args.realworld, args.speed_page)
        print(
            f"\nspeed on {args.speed_page} ({f['bytes'] / 1000:.0f} KB), best of 5:\n"
            f"- extraction alone: auto {f['auto'] * 1000:.1f} ms, selectors "
            f"{f['selectors'] * 1000:.1f} ms ({f['auto'] / f['selectors']:.1f}x)\n"
            f"- a first run of the source: auto {f['run_auto'] * 1000:.1f} ms, selectors "
            f"{f['run_selectors'] * 1000:.1f} ms ({f['run_auto'] / f['run_selectors']:.2f}x)"
        )
    total = summary(scores)
    return 0 if all(total[k] >= v for k, v in TARGETS.items()) or args.page else 1


if __name__ == "__main__":
    sys.exit(main())
