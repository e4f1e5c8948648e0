"""The one writer of ``sources.yaml`` for the tests and the benchmarks.

Sources are mappings, written as YAML by PyYAML (so values keep their types: ``0.3``,
``False``, ``"*/15 * * * *"``), after a ``site`` section whose ``base_url`` defaults to
``https://feeds.example.org/``. The file is replaced atomically, as editors do, so a
scheduler watching it never reads half a file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from . import ROOT

BULLETIN = (ROOT / "examples" / "bulletin.txt").read_text(encoding="utf-8")
SELECT = {
    "item": "article.news-item",
    "title": "h3 a::text",
    "link": "h3 a::attr(href)",
    "date": "time::attr(datetime)",
    "summary": "p.summary",
}  # the selectors of newsroom() pages (tests.support.records)


def write_config(
    folder: Path,
    sources: Iterable[Mapping[str, Any]] = (),
    *,
    site: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | None = None,
    files: Mapping[str, str] | None = None,
) -> Path:
    """Write ``folder/sources.yaml`` (and ``files``, name -> text, beside it); its path.

    The site allows private addresses (``allow_private``): the tests' servers are on
    127.0.0.1."""
    for name, text in (files or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    base = {"base_url": "https://feeds.example.org/", "allow_private": True}
    document: dict[str, Any] = {"site": {**base, **(site or {})}}
    if defaults:
        document["defaults"] = dict(defaults)
    document["sources"] = [dict(source) for source in sources]
    path = folder / "sources.yaml"
    temp = folder / ".sources.yaml.tmp"
    temp.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), "utf-8")
    os.replace(temp, path)
    return path


def text_source(source_id: str, url: str = "bulletin.txt", **extra: Any) -> dict[str, Any]:
    """A plain-text source (by default the example bulletin, see :func:`bulletin_config`)."""
    return {"id": source_id, "url": url, "format": "text", **extra}


def bulletin_config(folder: Path, sources: Iterable[Mapping[str, Any]], **kw: Any) -> Path:
    """:func:`write_config` with the example bulletin as ``folder/bulletin.txt``."""
    return write_config(folder, sources, files={"bulletin.txt": BULLETIN}, **kw)
