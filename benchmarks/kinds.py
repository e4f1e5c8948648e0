"""Cost per entry of a first run for each format: html, feed (RSS 2.0) and json.

    python -m benchmarks.kinds [--sources N] [--entries M]

Pages are files (file:// URLs), so the figures are the CPU cost of extract, normalise,
store, render and write, without the network. Each format gets its own state store.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from publisher.config import load_config
from publisher.fetch import make_session
from publisher.pipeline import run_once
from publisher.store import Store

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SELECT = {
    "html": "select: {item: article, title: 'h3 a::text', link: 'h3 a::attr(href)', "
    "date: 'time::attr(datetime)', summary: p}",
    "feed": "format: feed",
    "json": "format: json\n    select: {item: 'data.articles[]', title: headline, link: url, "
    "date: published_at, summary: teaser}",
}


def document(fmt: str, source: int, entries: int) -> tuple[str, str]:
    items = [
        (f"Statement {source}-{n} on the harbour", f"https://example.org/{source}/{n}/",
         f"2026-10-{1 + n % 28:02d}T09:00:00+00:00", f"Summary <b>{n}</b> of the statement.")
        for n in range(entries)
    ]  # fmt: skip
    if fmt == "html":
        body = "".join(
            f"<article><h3><a href='{u}'>{t}</a></h3><time datetime='{d}'>{d}</time>"
            f"<p>{s}</p></article>"
            for t, u, d, s in items
        )
        return "html", f"<html><body>{body}</body></html>"
    if fmt == "feed":
        body = "".join(
            f"<item><title>{t}</title><link>{u}</link><guid>{u}</guid><pubDate>{d}</pubDate>"
            f"<description>{s.replace('<', '&lt;')}</description></item>"
            for t, u, d, s in items
        )
        return "xml", f"<rss version='2.0'><channel><title>x</title>{body}</channel></rss>"
    articles = [{"headline": t, "url": u, "published_at": d, "teaser": s} for t, u, d, s in items]
    return "json", json.dumps({"data": {"articles": articles}})


def measure(fmt: str, sources: int, entries: int, root: Path) -> float:
    folder = root / fmt
    folder.mkdir()
    lines = ["site:", "  base_url: https://feeds.example.org/", "  output: feeds",
             "  state: state.db", "sources:"]  # fmt: skip
    for n in range(sources):
        suffix, text = document(fmt, n, entries)
        (folder / f"s{n}.{suffix}").write_text(text, encoding="utf-8")
        lines += [f"  - id: s{n}", f"    url: s{n}.{suffix}", f"    {SELECT[fmt]}"]
    (folder / "sources.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = load_config(folder / "sources.yaml")
    with Store(config.site.state) as store, make_session() as session:
        start = time.perf_counter()
        report = run_once(config.sources, site=config.site, session=session, store=store, now=NOW)
        elapsed = time.perf_counter() - start
    assert report.ok, report.failed
    return elapsed / (sources * entries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=int, default=100)
    parser.add_argument("--entries", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        base = None
        for fmt in ("html", "feed", "json"):
            cost = measure(fmt, args.sources, args.entries, Path(work))
            base = base or cost
            print(f"{fmt:5} {cost * 1e6:8.1f} µs per entry (first run)  {cost / base:5.2f}x html")


if __name__ == "__main__":
    main()
