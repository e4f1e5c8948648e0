"""A JSON Schema of ``sources.yaml``, made from the configuration records.

Editors with a YAML language server complete and check keys as the user types when the
file starts with ``# yaml-language-server: $schema=<path or URL of the schema>``;
``publisher schema`` prints it. Every key, its type and its description come from the
fields of :mod:`publisher.model.config` (their ``metadata``), the same place the loader
takes the allowed keys from, so the schema cannot drift from what ``validate`` accepts.
"""

from __future__ import annotations

import types
import typing
from dataclasses import MISSING, fields, is_dataclass
from pathlib import Path
from typing import Any

from .extract import FORMATS
from .model import Site, Source
from .model.config import DOC, SCHEMA, yaml_keys

SCHEMA_ID = "https://json-schema.org/draft/2020-12/schema"
_SIMPLE = {str: "string", int: "integer", float: "number", bool: "boolean", Path: "string"}


def config_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a ``sources.yaml`` file."""
    source = _record(Source, yaml_keys(Source))
    source["properties"]["format"]["enum"] = sorted(FORMATS)
    source["required"] = ["id", "url"]
    defaults = _record(Source, yaml_keys(Source, scope="defaults"))
    defaults["properties"]["format"]["enum"] = sorted(FORMATS)
    site = _record(Site, yaml_keys(Site))
    site["required"] = ["base_url"]
    return {
        "$schema": SCHEMA_ID,
        "title": "publisher sources.yaml",
        "description": "Newsroom pages to turn into feeds; see README.md (Configuration).",
        "type": "object",
        "additionalProperties": False,
        "required": ["site", "sources"],
        "properties": {
            "site": site,
            "defaults": defaults,
            "sources": {"type": "array", "minItems": 1, "items": source},
        },
    }


def _record(record: type, keys: tuple[str, ...]) -> dict[str, Any]:
    hints = typing.get_type_hints(record)
    properties: dict[str, Any] = {}
    for item in fields(record):
        if item.name not in keys:
            continue
        schema = dict(item.metadata.get(SCHEMA) or _type(hints[item.name]))
        if item.metadata.get(DOC):
            schema.setdefault("description", item.metadata[DOC])
        if item.default is not MISSING and isinstance(item.default, (str, int, float, bool)):
            schema.setdefault("default", item.default)
        properties[item.name] = schema
    return {"type": "object", "additionalProperties": False, "properties": properties}


def _type(hint: Any) -> dict[str, Any]:
    """The JSON Schema of a field's Python type."""
    if hint in _SIMPLE:
        return {"type": _SIMPLE[hint]}
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(options) == 1:
            return _type(options[0])
        return {"anyOf": [_type(arg) for arg in options]}
    if origin is typing.Literal:
        return {"enum": list(typing.get_args(hint))}
    if origin is tuple:
        (item, *_rest) = typing.get_args(hint)
        return {"type": "array", "items": _type(item)}
    if is_dataclass(hint) and isinstance(hint, type):
        required = [f.name for f in fields(hint) if f.default is MISSING
                    and f.default_factory is MISSING]  # fmt: skip
        schema = _record(hint, yaml_keys(hint))
        if required:
            schema["required"] = required
        return schema
    raise TypeError(f"no JSON Schema for {hint!r}: give the field a 'schema' in its metadata")
