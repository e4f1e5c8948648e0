"""A deterministic benchmark corpus: N newsroom pages with M entries each, and sources.yaml.

Every page looks like a real newsroom listing: a header with a large navigation menu,
inline scripts and a JSON-LD blob, a sidebar, a footer full of links, and between them
``<article>`` items with a ``<time>``, a type, a linked title and an HTML summary. Pages
are 60 to 120 KB. The same ``seed`` always gives the same bytes; entry ``k`` of page ``i``
depends only on ``(seed, i, k)``, so a page that gains an entry keeps all the others.

Three page layouts alternate, so the selectors (and the date parser) see variety:

- ``iso``: ``<time datetime="2026-03-07T09:30:00+01:00">`` read from the attribute;
- ``text``: the date as printed (``March 7, 2026``) read from the element text;
- ``div``: ``<div class="post">`` items with ``<span class="date">07 Mar 2026</span>``.

A fourth layout, ``de``, is not in the default mix: a German page
(``<html lang="de">``) printing ``Dienstag, 7. März 2026, 09:30 Uhr``, ``7. März 2026``
and ``07.03.2026`` in turn; ``python -m benchmarks.dates`` measures what it costs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

SEED = "publisher-bench-1"
PAGES_PER_HOST = 20
FIRST_DATE = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
ENTRY_SPACING = timedelta(days=3, hours=7, minutes=13)

_WORDS = [
    "harbour",
    "court",
    "families",
    "appeal",
    "ministry",
    "report",
    "water",
    "access",
    "villages",
    "rights",
    "release",
    "journalist",
    "detention",
    "charges",
    "fishing",
    "quota",
    "crews",
    "consultation",
    "workers",
    "union",
    "strike",
    "wages",
    "housing",
    "evictions",
    "council",
    "budget",
    "schools",
    "teachers",
    "nurses",
    "hospital",
    "clinic",
    "river",
    "pollution",
    "permit",
    "mine",
    "forest",
    "land",
    "indigenous",
    "community",
    "elections",
    "observers",
    "media",
    "freedom",
    "protest",
    "police",
    "inquiry",
    "prison",
    "conditions",
    "refugees",
    "border",
    "asylum",
    "children",
    "education",
    "climate",
    "drought",
    "flood",
    "relief",
    "aid",
    "funding",
    "audit",
    "transparency",
    "corruption",
    "tribunal",
    "ruling",
    "verdict",
    "evidence",
    "witnesses",
    "survey",
    "findings",
    "data",
    "analysis",
    "review",
    "policy",
    "reform",
    "law",
    "draft",
    "parliament",
    "vote",
    "amendment",
    "regional",
    "national",
    "international",
    "coalition",
    "partners",
    "volunteers",
    "campaign",
    "petition",
    "signatures",
    "statement",
    "response",
]
_TYPES = ("Press Release", "Report", "Statement", "News", "Briefing", "Open Letter")
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_TIMEZONES = ("Europe/Berlin", "Europe/Lisbon", "America/New_York", "UTC", "Asia/Tokyo")
LAYOUTS = ("iso", "text", "div")
_MONATE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember")  # fmt: skip
_TAGE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


@dataclass(frozen=True, slots=True, kw_only=True)
class CorpusSource:
    """One page of the corpus and how to read it."""

    index: int
    id: str
    layout: str
    timezone: str
    path: str  # the URL path the server serves it at

    @property
    def filename(self) -> str:
        return f"{self.id}.html"

    @property
    def host_index(self) -> int:
        return self.index // PAGES_PER_HOST


def corpus_source(index: int, layouts: tuple[str, ...] = LAYOUTS) -> CorpusSource:
    source_id = f"newsroom-{index:04d}"
    return CorpusSource(
        index=index,
        id=source_id,
        layout=layouts[index % len(layouts)],
        timezone=_TIMEZONES[index % len(_TIMEZONES)],
        path=f"/{source_id}/",
    )


def hosts_needed(sources: int) -> int:
    return (sources + PAGES_PER_HOST - 1) // PAGES_PER_HOST


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(str(part) for part in (SEED, *parts)))


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(low, high))]
    words[0] = words[0].capitalize()
    return " ".join(words)


def _slug(text: str) -> str:
    return "-".join(text.lower().split()[:6])


def entry_date(index: int, number: int) -> datetime:
    """Entry ``number`` (0 = the oldest) of page ``index``: every page its own rhythm."""
    return FIRST_DATE + number * ENTRY_SPACING + timedelta(minutes=17 * (index % 50))


def _entry(source: CorpusSource, number: int) -> str:
    rng = _rng(source.index, number)
    title = _sentence(rng, 6, 12)
    kind = rng.choice(_TYPES)
    when = entry_date(source.index, number)
    link = f"/{source.id}/{when:%Y/%m}/{_slug(title)}-{number}/"
    if rng.random() < 0.3:
        link += "?utm_source=newsroom&utm_medium=web"
    summary = escape(_sentence(rng, 20, 45), quote=False)
    if rng.random() < 0.5:
        words = summary.split(" ")
        cut = len(words) // 2
        summary = " ".join(words[:cut]) + " <strong>" + " ".join(words[cut : cut + 3])
        summary += "</strong> " + " ".join(words[cut + 3 :])
    more = f' <a href="/cases/{_slug(title)}/">Read more</a>.' if rng.random() < 0.4 else "."
    escaped_title = escape(title, quote=False)
    if source.layout == "div":
        printed = f"{when:%d} {_MONTHS[when.month - 1][:3]} {when:%Y}"
        return (
            f'      <div class="post" id="post-{number}">\n'
            f'        <span class="date">{printed}</span> | <em class="kind">{kind}</em>\n'
            f'        <h2 class="post-title"><a href="{escape(link)}">{escaped_title}</a></h2>\n'
            f'        <div class="excerpt"><p>{summary}{more}</p></div>\n'
            f"      </div>\n"
        )
    printed = f"{_MONTHS[when.month - 1]} {when.day}, {when.year}"
    if source.layout == "de":
        printed = _german_date(when, number)
    stamp = when.isoformat(timespec="seconds")
    return (
        f'      <article class="news-item" id="post-{number}">\n'
        f'        <div class="meta"><time datetime="{stamp}">{printed}</time> &bull; '
        f'<span class="type">{kind}</span></div>\n'
        f'        <h3><a href="{escape(link)}">{escaped_title}</a></h3>\n'
        f'        <p class="summary">{summary}{more}</p>\n'
        f"      </article>\n"
    )


def _german_date(when: datetime, number: int) -> str:
    """A date as German pages print it, in one of three forms."""
    month = _MONATE[when.month - 1]
    if number % 3 == 0:
        return f"{_TAGE[when.weekday()]}, {when.day}. {month} {when.year}, {when:%H:%M} Uhr"
    if number % 3 == 1:
        return f"{when.day}. {month} {when.year}"
    return f"{when:%d.%m.%Y}"


def _script(rng: random.Random, size: int) -> str:
    """Minified-looking JavaScript of about ``size`` characters."""
    parts = ["<script>(function(w,d){var c={"]
    length = len(parts[0])
    number = 0
    while length < size:
        key = rng.choice(_WORDS)
        flag = "true" if rng.random() < 0.5 else "false"
        piece = f'"{key}{number}":{{"id":{rng.randint(1, 99999)},"on":{flag},"t":"{key}"}},'
        parts.append(piece)
        length += len(piece)
        number += 1
    parts.append('"end":1};w.__site=c;})(window,document);</script>\n')
    return "".join(parts)


def _menu(rng: random.Random, links: int) -> str:
    items = []
    for number in range(links):
        label = _sentence(rng, 1, 3)
        items.append(f'<li class="menu-item"><a href="/{_slug(label)}/{number}/">{label}</a></li>')
    return '<ul class="menu">' + "".join(items) + "</ul>\n"


def render_page(source: CorpusSource, entries: int) -> bytes:
    """The page of ``source`` listing its ``entries`` newest entries (0 .. entries - 1)."""
    rng = _rng(source.index, "chrome")
    target = rng.randint(60_000, 118_000)
    name = _sentence(rng, 2, 4).title()
    items = "".join(_entry(source, number) for number in reversed(range(entries)))
    head = (
        f'<!DOCTYPE html>\n<html lang="{"de" if source.layout == "de" else "en"}">\n'
        '<head>\n  <meta charset="utf-8">\n'
        f"  <title>Newsroom | {name}</title>\n"
        '  <meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '  <link rel="stylesheet" href="/assets/site.css">\n'
        f'  <script type="application/ld+json">{{"@context":"https://schema.org",'
        f'"@type":"NewsMediaOrganization","name":"{name}","url":"https://example.org/"}}</script>\n'
    )
    header = (
        '</head>\n<body class="newsroom">\n'
        f'  <header class="site-header"><a class="logo" href="/">{name}</a>\n'
        f'  <nav class="main-nav">{_menu(rng, 40)}</nav></header>\n'
        "  <main>\n    <h1>Newsroom</h1>\n"
        f'    <p class="intro">{escape(_sentence(rng, 25, 40))}.</p>\n'
        '    <section class="news-list">\n'
    )
    footer_top = (
        "    </section>\n"
        '    <nav class="pager"><a href="?page=2">Older entries</a></nav>\n  </main>\n'
        f'  <aside class="sidebar">{_menu(rng, 25)}</aside>\n'
        f'  <footer class="site-footer">{_menu(rng, 60)}'
        f"<p>&copy; 2026 {name}. All rights reserved.</p></footer>\n"
    )
    tail = "</body>\n</html>\n"
    used = len(head) + len(header) + len(items) + len(footer_top) + len(tail)
    budget = max(target - used, 4_000)
    scripts = _script(rng, budget * 2 // 3) + "  "
    late = _script(rng, budget - len(scripts))
    return (head + scripts + header + items + footer_top + late + tail).encode("utf-8")


def selectors(layout: str) -> dict[str, str]:
    if layout == "div":
        return {
            "item": "div.post",
            "title": "h2.post-title a::text",
            "link": "h2.post-title a::attr(href)",
            "date": "span.date::text",
            "summary": "div.excerpt p",
            "category": "em.kind::text",
        }
    return {
        "item": "article.news-item",
        "title": "h3 a::text",
        "link": "h3 a::attr(href)",
        "date": "time::attr(datetime)" if layout == "iso" else "time::text",  # de: the text
        "summary": "p.summary",
        "category": ".type::text",
    }


def write_pages(
    folder: Path, sources: int, entries: int, layouts: tuple[str, ...] = LAYOUTS
) -> list[CorpusSource]:
    """Write ``sources`` pages of ``entries`` entries into ``folder``; return what was written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for index in range(sources):
        source = corpus_source(index, layouts)
        (folder / source.filename).write_bytes(render_page(source, entries))
        written.append(source)
    return written


def grow_pages(folder: Path, sources: int, entries: int, *, every: int = 10, extra: int = 1) -> int:
    """Give every ``every``-th page ``extra`` more entries (new ones on top); 0 undoes it.

    Returns the number of pages rewritten.
    """
    grown = 0
    for index in range(0, sources, every):
        source = corpus_source(index)
        (folder / source.filename).write_bytes(render_page(source, entries + extra))
        grown += 1
    return grown


def write_config(
    path: Path,
    *,
    sources: int,
    host_urls: list[str],
    output: str = "feeds",
    state: str = "state/state.db",
    min_delay: float = 0.0,
    processes: int | None = None,
) -> Path:
    """The sources.yaml for the first ``sources`` pages; ``host_urls[h]`` serves host ``h``."""
    if len(host_urls) < hosts_needed(sources):
        raise ValueError(f"{sources} sources need {hosts_needed(sources)} hosts")
    lines = [
        "# Generated by benchmarks/corpus.py: do not edit.",
        "site:",
        "  base_url: https://feeds.example.org/",
        "  allow_private: true",
        f"  output: {output}",
        f"  state: {state}",
        "  contact: https://github.com/example/publisher",
        *([f"  processes: {processes}"] if processes else []),
        "  outputs: [atom, rss]   # what the floor renders: the figures stay comparable",
        "defaults:",
        "  max_entries: 50",
        f"  min_delay: {min_delay}   # the benchmark sets the per-host delay",
        "  retries: 0",
        "sources:",
    ]
    for index in range(sources):
        source = corpus_source(index)
        base = host_urls[source.host_index].rstrip("/")
        lines += [
            f"  - id: {source.id}",
            f'    title: "Newsroom {index}"',
            f"    url: {base}{source.path}",
            f"    home: https://www{index}.example.org/newsroom/",
            f"    timezone: {source.timezone}",
            f"    author: Newsroom {index}",
            "    select:",
        ]
        lines += [f'      {key}: "{value}"' for key, value in selectors(source.layout).items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
