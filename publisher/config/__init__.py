"""Read and check ``sources.yaml``: YAML in, a frozen :class:`~publisher.model.Config` out.

    document   YAML text -> values, every mapping with its lines
    check      typed values out of a mapping, file:line:key in every message
    build      values -> Site, Source, Selectors (the records of publisher.model)

Every problem is a :class:`ConfigError` naming the file, the line and the key, and
suggesting the closest valid key for a typo. Nothing here touches the network; relative
paths are resolved against the folder of the configuration file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..model import Config, Site, Source
from .build import DEFAULT_KEYS, SLUG, TOP_KEYS, build_source, source_options
from .check import Checker
from .document import load
from .shape import build_collections
from .site import build_site

__all__ = ["load_config", "load_site", "parse_config"]


def load_config(path: str | Path) -> Config:
    """Read ``path`` and return the checked configuration, or raise :class:`ConfigError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            "file not found; pass the configuration with -c PATH", path=str(path)
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the file: {exc}", path=str(path)) from exc
    return parse_config(text, path=path)


def load_site(path: str | Path) -> Site:
    """Only the ``site:`` of the file at ``path`` (``init`` adds to a file whose
    ``sources:`` may still be empty); ConfigError as :func:`load_config`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the file: {exc}", path=str(path)) from exc
    document = load(text, str(path))
    if document is None:
        raise ConfigError("the file is empty; start it with 'site:' and 'sources:'", path=str(path))
    top = Checker(str(path), document, "top level", TOP_KEYS)
    return build_site(top, str(path), path.resolve().parent)


def parse_config(text: str, *, path: Path) -> Config:
    """Check the YAML ``text`` of the configuration file at ``path``."""
    name = str(path)
    document = load(text, name)
    if document is None:
        raise ConfigError("the file is empty; list your sources under 'sources:'", path=name)
    top = Checker(name, document, "top level", TOP_KEYS)
    base_dir = path.resolve().parent
    site = build_site(top, name, base_dir)
    defaults: Mapping[str, Any] = {}
    if top.has("defaults"):
        defaults_checker = Checker(name, document["defaults"], "defaults", DEFAULT_KEYS)
        defaults = source_options(defaults_checker)
    raw_sources = top.require("sources", list)
    if not raw_sources:
        top.fail("sources", "'sources' is empty; add at least one source")
    sources: list[Source] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_sources):
        source = build_source(name, raw, index, defaults, base_dir)
        source = replace(
            source,
            allow_private=site.allow_private if source.allow_private is None
            else source.allow_private,
            allow_addresses=site.allow_addresses,
        )  # fmt: skip
        if source.id in seen:
            raise ConfigError(
                f"sources[{index}].id: duplicate id {source.id!r} "
                f"(first used on line {seen[source.id]}); ids name the feed files, "
                "so each must be unique",
                path=name,
                line=source.line,
            )
        seen[source.id] = source.line or 0
        sources.append(source)
    collections = build_collections(top, sources, SLUG)
    return Config(path=path, site=site, sources=tuple(sources), collections=collections)
