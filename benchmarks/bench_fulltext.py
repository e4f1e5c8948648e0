"""What ``full_text: true`` costs per new entry.

    python -m benchmarks.bench_fulltext [--entries N] [--rounds R]

A newsroom page of N entries, each linking to a copy of a saved real article
(tests/data/articles/), is served from 127.0.0.1. A first run of the source is timed
with ``full_text: false`` and with ``full_text: true`` (``max_full_text_per_run: N``,
``min_delay: 0``), each on a fresh store; the difference divided by N is the cost of one
article (fetch + trafilatura + sanitise + store). Extraction alone is timed on the pages
too, and a second run shows that nothing is fetched again. Medians of R rounds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from publisher.config import load_config
from publisher.fetch import make_session
from publisher.fulltext import extract_article
from publisher.pipeline import run_once
from publisher.store import Store
from tests.support.server import Files, LocalServer, serving

ARTICLES = Path(__file__).resolve().parents[1] / "tests" / "data" / "articles"
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def _site(root: Path, base: str, entries: int) -> None:
    names = sorted(path.name for path in ARTICLES.glob("*.html"))
    items = []
    for n in range(entries):
        name = f"a{n}.html"
        (root / name).write_bytes((ARTICLES / names[n % len(names)]).read_bytes())
        items.append(
            f'<article class="i"><time datetime="2026-10-{1 + n % 28:02d}"></time>'
            f'<h3><a href="{base}/{name}">Story {n}</a></h3><p class="s">Teaser {n}</p></article>'
        )
    (root / "news.html").write_text(f"<html><body>{''.join(items)}</body></html>")


def _config(root: Path, base: str, *, full_text: bool, entries: int) -> Path:
    path = root / f"sources-{full_text}.yaml"
    path.write_text(
        f"site: {{base_url: 'https://feeds.example.org/', output: out-{full_text}, "
        f"state: state-{full_text}.db}}\n"
        f"sources:\n  - id: news\n    url: {base}/news.html\n    min_delay: 0\n"
        f"    full_text: {str(full_text).lower()}\n    max_full_text_per_run: {entries}\n"
        f"    max_entries: {entries}\n"
        "    select: {item: article.i, title: h3 a, link: 'h3 a::attr(href)', "
        "date: 'time::attr(datetime)', summary: p.s}\n"
    )
    return path


def _run(path: Path) -> tuple[float, float]:
    """Seconds of a first run and of a second run (nothing changed) on a fresh store."""
    config = load_config(path)
    for leftover in config.site.state.parent.glob(config.site.state.name + "*"):
        leftover.unlink()
    times = []
    with Store(config.site.state) as store, make_session() as session:
        for _ in range(2):
            start = time.perf_counter()
            report = run_once(config.sources, site=config.site, session=session, store=store,
                              now=NOW)  # fmt: skip
            times.append(time.perf_counter() - start)
            assert report.ok, report
    return times[0], times[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with serving(LocalServer(routes={"/": Files(root)})) as server:  # type: ignore[arg-type]
            base = server.base
            _site(root, base, args.entries)
            plain = _config(root, base, full_text=False, entries=args.entries)
            full = _config(root, base, full_text=True, entries=args.entries)
            without, with_text, rerun = [], [], []
            for _ in range(args.rounds):
                without.append(_run(plain)[0])
                first, second = _run(full)
                with_text.append(first)
                rerun.append(second)
    extract = []
    for path in sorted(ARTICLES.glob("*.html")):
        html = path.read_text(encoding="utf-8", errors="replace")
        extract_article(html, url="https://example.org/")  # warm up (imports)
        start = time.perf_counter()
        for _ in range(10):
            extract_article(html, url="https://example.org/")
        extract.append((path.name, (time.perf_counter() - start) / 10))
    n = args.entries
    per_entry = (statistics.median(with_text) - statistics.median(without)) / n
    print(f"first run, {n} new entries, full_text off: {statistics.median(without):.3f} s "
          f"(samples {', '.join(f'{t:.3f}' for t in without)})")  # fmt: skip
    print(f"first run, {n} new entries, full_text on:  {statistics.median(with_text):.3f} s "
          f"(samples {', '.join(f'{t:.3f}' for t in with_text)})")  # fmt: skip
    print(
        f"full text per new entry: {per_entry * 1000:.1f} ms (fetch on 127.0.0.1, "
        "extract, sanitise, store)"
    )
    for name, seconds in extract:
        print(f"  extraction alone, {name}: {seconds * 1000:.1f} ms")
    print(
        f"second run, nothing changed, full_text on: {statistics.median(rerun):.3f} s "
        "(no article fetched again)"
    )


if __name__ == "__main__":
    main()
