"""Date-reading accuracy per language: ``python -m benchmarks.dates``.

Two sets of real date strings, each with the date a person reads in it:

- ``tests/data/dates/real_dates.csv``: strings from public news and documentation
  pages in 20 languages (columns text, languages, now, expected, source);
- ``../shared/realworld/pages/*.json``: every dated entry of the hand-checked listing
  pages, read in place (never copied), each page's dates read in the order decided for
  the whole page, as ``run`` does.

Prints a table (language, strings, right, accuracy) in the Markdown of docs/dates.md,
then the cost of reading dates per corpus layout (benchmarks/corpus.py): the time to
normalise the same number of entries on English/ISO pages and on German pages.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter

from benchmarks import corpus
from publisher.dates import DateError, date_languages, page_order, read_date
from publisher.extract.html import extract_html
from publisher.model import Selectors, Source
from publisher.normalise import normalise_entries

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "tests" / "data" / "dates" / "real_dates.csv"
REALWORLD = ROOT.parent / "shared" / "realworld" / "pages"


@dataclass(frozen=True, slots=True)
class Case:
    text: str
    languages: tuple[str, ...]
    now: datetime
    expected: str  # YYYY-MM-DD, YYYY-MM-DDTHH:MM (local), with an offset, or "none"
    source: str
    order: str | None = None


def table_cases(path: Path = TABLE) -> Iterator[Case]:
    with path.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            yield Case(
                text=row["text"],
                languages=date_languages((), row["languages"]),  # the page's, plus English
                now=datetime.fromisoformat(row["now"].replace("Z", "+00:00")),
                expected=row["expected"],
                source=row["source"],
            )


def realworld_cases(folder: Path = REALWORLD) -> Iterator[Case]:
    """Every dated entry of the realworld pages; ``now`` is the day after the newest."""
    for path in sorted(folder.glob("*.json")):
        page = json.loads(path.read_text(encoding="utf-8"))
        dated = [e for e in page["entries"] if e.get("date") and e.get("date_text")]
        if not dated:
            continue
        newest = max(datetime.fromisoformat(e["date"]) for e in dated)
        now = (newest + timedelta(days=1)).replace(tzinfo=UTC)
        languages = (page["language"], "en")
        order = page_order([e["date_text"] for e in dated], languages=languages[:1]).order
        for index, entry in enumerate(dated):
            yield Case(
                text=entry["date_text"], languages=languages, now=now,
                expected=entry["date"], source=f"realworld:{page['id']}#{index}", order=order,
            )  # fmt: skip


def check(case: Case) -> bool | None:
    """True when read right, False when wrong; None for a relative date on a realworld
    page (its fetch time is unknown, so there is nothing to compare with)."""
    try:
        reading = read_date(
            case.text, now=case.now, tz="UTC", languages=case.languages, order=case.order
        )
    except DateError:
        return case.expected == "none"
    if case.expected == "none":
        return False
    if reading.relative and case.source.startswith("realworld:"):
        return None
    expected = case.expected
    if len(expected) > 16:  # an instant with its offset
        return reading.value == datetime.fromisoformat(expected)
    local = reading.value.astimezone(UTC).replace(tzinfo=None)
    if len(expected) == 10:
        return local.date().isoformat() == expected
    return local.isoformat(timespec="minutes") == expected


def accuracy(cases: list[Case]) -> dict[str, tuple[int, int]]:
    """{language: (checked, right)} over ``cases`` (relative realworld ones left out)."""
    checked: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for case in cases:
        outcome = check(case)
        if outcome is None:
            continue
        language = case.languages[0].split("-")[0]
        checked[language] += 1
        right[language] += bool(outcome)
    return {language: (checked[language], right[language]) for language in sorted(checked)}


def misses(cases: list[Case]) -> list[Case]:
    return [case for case in cases if check(case) is False]


def layout_cost(layout: str, *, pages: int = 30, entries: int = 50) -> float:
    """Milliseconds to normalise one page of ``entries`` entries in ``layout``, fresh
    (nothing reused from a store), with dateparser loaded already."""
    sources = [corpus.corpus_source(index, (layout,)) for index in range(pages)]
    prepared = []
    for item in sources:
        text = corpus.render_page(item, entries).decode("utf-8")
        select = Selectors(**corpus.selectors(layout))
        source = Source(
            id=item.id, url=f"https://example.org{item.path}", title=item.id,
            home=f"https://example.org{item.path}", timezone=item.timezone, select=select,
        )  # fmt: skip
        raws = extract_html(text, select, url=source.url, where=item.id)
        prepared.append((source, raws, "de" if layout == "de" else "en"))
    now = datetime(2026, 6, 1, tzinfo=UTC)
    normalise_entries(prepared[0][1], source=prepared[0][0], page_url="https://x/", now=now)
    started = perf_counter()
    for source, raws, language in prepared:
        normalise_entries(raws, source=source, page_url=source.url, now=now, language=language)
    return (perf_counter() - started) * 1000 / pages


def main() -> None:
    sets = {"public pages (tests/data/dates/real_dates.csv)": list(table_cases())}
    if REALWORLD.is_dir():
        sets["../shared/realworld pages"] = list(realworld_cases())
    for title, cases in sets.items():
        print(f"\n### {title}\n\n| language | strings | right | accuracy |\n|---|---:|---:|---:|")
        total = good = 0
        for language, (n, ok) in accuracy(cases).items():
            total, good = total + n, good + ok
            print(f"| {language} | {n} | {ok} | {100 * ok / n:.1f}% |")
        print(f"| **all** | {total} | {good} | {100 * good / max(total, 1):.1f}% |")
        for case in misses(cases):
            print(f"- miss: {case.text!r} ({' '.join(case.languages)}) want {case.expected}")
    print("\n### cost per page of 50 entries (normalise stage)\n")
    print("| layout | dates | ms per page |\n|---|---|---:|")
    for layout, dates in (("iso", "ISO 8601 attribute"), ("text", "March 7, 2026"),
                          ("div", "07 Mar 2026"), ("de", "German (3 forms)")):  # fmt: skip
        print(f"| {layout} | {dates} | {layout_cost(layout):.2f} |")


if __name__ == "__main__":
    main()
