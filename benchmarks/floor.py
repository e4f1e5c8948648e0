"""The floor: the least work that turns the corpus into feeds, with no store and no checks.

A plain ``requests`` loop over the same server, lxml with the same selectors (translated
to XPath once), one date parse per entry, feedgen for the Atom and RSS bytes, and a plain
file write. No conditional GET, no decoding rules, no sanitising, no ids, no history, no
atomic replace, no fsync. Every figure of the real pipeline is compared with this.

:func:`run_floor` times the whole loop (with the time of each stage inside it), then each
stage alone over the results of the one before it: fetch every page, parse every body,
render every page's entries, write every page's bytes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html
import requests
import yaml
from dateutil import parser as dateutil_parser
from feedgen.feed import FeedGenerator
from parsel.csstranslator import css2xpath

_DEFAULT = datetime(2000, 1, 1)


@dataclass(frozen=True, slots=True)
class FloorSource:
    id: str
    url: str
    home: str
    title: str
    item: Any
    fields: dict[str, Any]


def _compile(selector: str) -> Any:
    xpath = selector if selector.startswith(("/", "./", "(")) else css2xpath(selector)
    return lxml.etree.XPath(xpath)


def load_sources(config: Path) -> list[FloorSource]:
    with config.open("rb") as handle:
        document = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    compiled: dict[str, Any] = {}

    def xpath(selector: str) -> Any:
        if selector not in compiled:
            compiled[selector] = _compile(selector)
        return compiled[selector]

    sources = []
    for raw in document["sources"]:
        select = raw["select"]
        fields = {key: xpath(select[key]) for key in select if key != "item"}
        sources.append(
            FloorSource(
                id=raw["id"], url=raw["url"], home=raw["home"], title=raw["title"],
                item=xpath(select["item"]), fields=fields,
            )
        )  # fmt: skip
    return sources


def fetch(session: requests.Session, source: FloorSource) -> bytes:
    return session.get(source.url, timeout=30).content


def _first(results: list[Any]) -> str:
    if not results:
        return ""
    value = results[0]
    if isinstance(value, str):
        return value
    return str(lxml.etree.tostring(value, encoding="unicode", method="html", with_tail=False))


def parse(source: FloorSource, body: bytes) -> list[dict[str, Any]]:
    document = lxml.html.document_fromstring(body)
    entries = []
    for item in source.item(document):
        fields = {name: _first(xpath(item)) for name, xpath in source.fields.items()}
        when = dateutil_parser.parse(fields["date"], default=_DEFAULT)
        fields["date"] = when if when.tzinfo else when.replace(tzinfo=UTC)
        entries.append(fields)
    return entries


def render(source: FloorSource, entries: list[dict[str, Any]]) -> tuple[bytes, bytes]:
    fg = FeedGenerator()
    fg.id(source.url)
    fg.title(source.title)
    fg.link(href=source.home, rel="alternate")
    fg.description(source.title)
    for fields in entries:
        fe = fg.add_entry(order="append")
        fe.id(fields["link"])
        fe.title(fields["title"])
        fe.link(href=fields["link"])
        fe.published(fields["date"])
        fe.updated(fields["date"])
        fe.summary(fields["summary"], type="html")
        fe.category(term=fields["category"])
    return fg.atom_str(pretty=True), fg.rss_str(pretty=True)


def write(out_dir: Path, source: FloorSource, feeds: tuple[bytes, bytes]) -> None:
    (out_dir / f"{source.id}.atom").write_bytes(feeds[0])
    (out_dir / f"{source.id}.rss").write_bytes(feeds[1])


def run_floor(config: Path, out_dir: Path, *, alone: bool = True) -> dict[str, Any]:
    """Run the floor over the sources of ``config``; write feeds into ``out_dir``."""
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    sources = load_sources(config)
    load = time.perf_counter() - start_wall
    out_dir.mkdir(parents=True, exist_ok=True)
    stages = dict.fromkeys(("fetch", "parse", "render", "write"), 0.0)
    entries_found = 0
    with requests.Session() as session:
        for source in sources:
            t0 = time.perf_counter()
            body = fetch(session, source)
            t1 = time.perf_counter()
            entries = parse(source, body)
            t2 = time.perf_counter()
            feeds = render(source, entries)
            t3 = time.perf_counter()
            write(out_dir, source, feeds)
            t4 = time.perf_counter()
            stages["fetch"] += t1 - t0
            stages["parse"] += t2 - t1
            stages["render"] += t3 - t2
            stages["write"] += t4 - t3
            entries_found += len(entries)
    result: dict[str, Any] = {
        "wall": time.perf_counter() - start_wall,
        "cpu": time.process_time() - start_cpu,
        "load": load,
        "stages": stages,
        "entries": entries_found,
        "files_written": 2 * len(sources),
    }
    if alone:
        result["alone"] = _alone(sources, out_dir.with_name(out_dir.name + "-alone"))
    return result


def _alone(sources: list[FloorSource], out_dir: Path) -> dict[str, float]:
    """Each stage by itself over all sources, fed by the stage before it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    with requests.Session() as session:
        bodies = [fetch(session, source) for source in sources]
    t1 = time.perf_counter()
    parsed = [parse(source, body) for source, body in zip(sources, bodies, strict=True)]
    del bodies
    t2 = time.perf_counter()
    feeds = [render(source, entries) for source, entries in zip(sources, parsed, strict=True)]
    del parsed
    t3 = time.perf_counter()
    for source, pair in zip(sources, feeds, strict=True):
        write(out_dir, source, pair)
    t4 = time.perf_counter()
    times.update(fetch=t1 - t0, parse=t2 - t1, render=t3 - t2, write=t4 - t3)
    return times
