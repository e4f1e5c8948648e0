"""What is published, as ``sources.yaml`` says it: filter rules, full text, collections.

include / exclude       lists of rules (publisher.filters), on a source, in
                        ``defaults`` or on a collection
full_text               fetch each new entry's article (publisher.fulltext)
collections             feeds made of several sources (publisher.collections)
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from ..filters import FIELDS, compile_pattern
from ..model import Collection, Rule, Source
from ..model.config import yaml_keys
from .check import Checker
from .document import Mapping as YamlMapping

COLLECTION_KEYS = yaml_keys(Collection)


def shape_options(check: Checker) -> dict[str, Any]:
    """The filter and full-text keys of a source or of ``defaults``, those present."""
    options: dict[str, Any] = {}
    for key in ("include", "exclude"):
        if check.has(key):
            options[key] = rules(check, key)
    if check.has("full_text"):
        options["full_text"] = check.get("full_text", bool)
    if check.has("max_full_text_per_run"):
        options["max_full_text_per_run"] = check.positive("max_full_text_per_run", int, None)
    return options


def rules(check: Checker, key: str) -> tuple[Rule, ...]:
    """The rules under ``key``: a list of one-key mappings ``{field: pattern(s)}``."""
    example = f"write it as a list, e.g. '{key}:' then '  - title: climate'"
    value = check.mapping[key]
    if not isinstance(value, list):
        check.fail(key, f"{key!r} must be a list of rules; {example}")
    found = []
    for index, item in enumerate(value):
        where = f"{check.where}.{key}[{index}]"
        if not isinstance(item, YamlMapping):
            check.fail(key, f"{key}[{index}] must be a rule like 'title: climate', not {item!r}")
        sub = Checker(check.path, item, where, FIELDS)
        if len(item) != 1:
            sub.fail(
                next(iter(item), key),
                f"a rule has one field ({', '.join(FIELDS)}); put each on its own '- ' line",
            )
        field, raw = next(iter(item.items()))
        patterns = raw if isinstance(raw, list) else [raw]
        if not patterns:
            sub.fail(field, f"{field!r} has an empty list; give at least one word or /regex/")
        texts = []
        for pattern in patterns:
            if isinstance(pattern, bool) or not isinstance(pattern, (str, int, float)):
                sub.fail(field, f"{field!r} must be words or '/regex/', not {pattern!r}")
            try:
                compile_pattern(str(pattern))
            except ValueError as exc:
                sub.fail(field, f"{field!r}: {exc}")
            texts.append(str(pattern))
        found.append(Rule(field=field, patterns=tuple(texts), where=f"{key}[{index}]"))
    return tuple(found)


def build_collections(top: Checker, sources: Sequence[Source], slug: Any) -> tuple[Collection, ...]:
    """The ``collections:`` of the file; ``slug`` is the id pattern sources use too."""
    if not top.has("collections"):
        return ()
    raw_list = top.get("collections", list)
    source_ids = {source.id: source.line for source in sources}
    built: list[Collection] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_list):
        check = Checker(top.path, raw, f"collections[{index}]", COLLECTION_KEYS)
        collection_id = check.require("id", str)
        check.where = f"collection {collection_id!r}"
        if not slug.match(collection_id):
            check.fail("id", f"id {collection_id!r} must be a slug of a-z, 0-9 and single "
                             "hyphens (it names the feed files)")  # fmt: skip
        if collection_id in source_ids:
            check.fail("id", f"id {collection_id!r} is also the id of a source (line "
                             f"{source_ids[collection_id]}): both would write "
                             f"{collection_id}.atom; rename the collection")  # fmt: skip
        if collection_id in seen:
            check.fail("id", f"duplicate collection id {collection_id!r} (first on line "
                             f"{seen[collection_id]})")  # fmt: skip
        seen[collection_id] = raw.line
        members = _members(check, source_ids)
        built.append(
            Collection(
                id=collection_id,
                title=check.get("title", str, collection_id),
                sources=members,
                include=rules(check, "include") if check.has("include") else (),
                exclude=rules(check, "exclude") if check.has("exclude") else (),
                max_entries=check.positive("max_entries", int, 50),
                ttl=check.positive("ttl", int, 60),
                line=raw.line,
            )
        )
    return tuple(built)


def _members(check: Checker, source_ids: dict[str, int | None]) -> tuple[str, ...]:
    if not check.has("sources"):
        return ()
    value = check.get("sources", list)
    if not value:
        check.fail("sources", "'sources' is empty; list source ids, or leave it out for all")
    for item in value:
        if item not in source_ids:
            close = difflib.get_close_matches(str(item), list(source_ids), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "use the id of a source"
            check.fail("sources", f"no source with id {item!r}; {hint}")
    return tuple(dict.fromkeys(str(item) for item in value))
