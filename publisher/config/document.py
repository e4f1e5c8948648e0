"""YAML text -> plain Python values, every mapping remembering its lines.

The document is built straight from the parser's events, with no node tree in between:
the memory it takes does not grow beyond the result with the length of sources.yaml, and
every error (duplicate keys, recursive or undefined aliases, list keys, tags, a second
document) names its line.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NoReturn

import yaml

from ..errors import ConfigError


class Mapping(dict[Any, Any]):
    """A YAML mapping that remembers where it and each of its keys were."""

    line: int = 0
    lines: dict[Any, int]


class _Loader(yaml.SafeLoader):
    pass


# libyaml's parser, when PyYAML has it, reads a long sources.yaml several times faster
# than PyYAML's pure Python one; both give the same events, and one builder (_value) makes
# the document from them. A YAML error is always reported by the pure Python parser, so
# that its wording does not depend on how PyYAML was built.
class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


_STR, _SEQ, _MAP, _MERGE = (f"tag:yaml.org,2002:{k}" for k in ("str", "seq", "map", "merge"))
# First characters of a plain scalar that some implicit tag (bool, int, float, null,
# timestamp, merge, value) may claim: any other plain scalar is a string without asking
# the resolver, as the resolver itself would decide (most of sources.yaml: URLs, titles).
_RESOLVED_FIRST = frozenset(key for key in yaml.SafeLoader.yaml_implicit_resolvers if key)
assert None not in yaml.SafeLoader.yaml_implicit_resolvers  # no resolver for every value
_MERGE_KEY = object()  # what a merge key (<<) is read as, for the mapping to handle
MAX_DEPTH = 64  # mappings and lists inside each other: sources.yaml needs 5
MAX_ALIASED = 100_000  # values reached through aliases, counted inside what they repeat


class _Budget:
    """Depth and aliased values so far: a 5,000-deep document or a "billion laughs" of
    aliases inside aliases is refused with a message instead of exhausting the stack or
    the memory of whatever reads the values later."""

    def __init__(self) -> None:
        self.depth = 0
        self.values = 0  # every value built so far, an alias counting all it repeats
        self.aliased = 0
        self.sizes: dict[str, int] = {}  # anchor -> values it holds


def load(text: str, name: str) -> Any:
    """The YAML document in ``text`` (None when empty): every mapping a :class:`Mapping`.

    It is built straight from the parser's events, with no node tree in between, so the
    memory it takes does not grow beyond the result with the length of sources.yaml.
    """
    try:
        return _read(_FastLoader, text, name)
    except yaml.YAMLError:
        pass
    try:  # the same error again, in the words of PyYAML's own parser
        return _read(_Loader, text, name)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(
            f"YAML syntax error: {problem}; check indentation and quoting", path=name, line=line
        ) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML error: {exc}", path=name) from exc


def _read(loader_class: type, text: str, name: str) -> Any:
    loader = loader_class(text)
    loader.name = name
    try:
        loader.get_event()  # stream start
        if loader.check_event(yaml.StreamEndEvent):
            return None
        loader.get_event()  # document start
        document = _value(loader, {}, set(), _Budget())
        loader.get_event()  # document end
        if not loader.check_event(yaml.StreamEndEvent):
            _fail(loader, "a second YAML document ('---'): keep everything in one document")
        return document
    finally:
        loader.dispose()


def _value(loader: Any, anchors: dict[str, Any], open_anchors: set[str], budget: _Budget) -> Any:
    """The next value in ``loader``'s events: strings, lists and mappings built here; every
    other scalar (numbers, booleans, null, dates) by PyYAML's constructors."""
    event = loader.get_event()
    budget.values += 1
    start_values = budget.values
    if type(event) is yaml.ScalarEvent and event.tag is None and event.anchor is None:
        text: str = event.value  # the common case: an untagged scalar without an anchor
        if not event.implicit[0] or (text and text[0] not in _RESOLVED_FIRST):
            return text  # quoted, or plain and no implicit tag can claim it
    if isinstance(event, yaml.AliasEvent):
        size = budget.sizes.get(str(event.anchor), 1)
        budget.aliased += size
        budget.values += size
        if budget.aliased > MAX_ALIASED:
            _fail(loader, f"aliases repeat more than {MAX_ALIASED:,} values (an alias bomb?); "
                          "write the values out or use fewer aliases", event)  # fmt: skip
        if event.anchor in open_anchors:
            _fail(loader, f"the alias *{event.anchor} refers to a mapping or list that "
                          "contains it; copy the values instead", event)  # fmt: skip
        if event.anchor not in anchors:
            _fail(loader, f"the alias *{event.anchor} has no anchor &{event.anchor} before it",
                  event)  # fmt: skip
        return anchors[event.anchor]
    if isinstance(event, yaml.ScalarEvent):
        tag = event.tag
        if tag is None or tag == "!":
            tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == _STR:
            value: Any = event.value
        elif tag == _MERGE:
            value = _MERGE_KEY
        else:
            start: Any = event.start_mark
            end: Any = event.end_mark
            node = yaml.ScalarNode(tag, event.value, start, end, event.style)
            value = loader.construct_object(node, deep=True)
    elif isinstance(event, yaml.SequenceStartEvent):
        _deeper(loader, event, budget)
        _expect_tag(loader, event, yaml.SequenceNode, _SEQ)
        if event.anchor is not None:
            open_anchors.add(event.anchor)
        value = []
        while not loader.check_event(yaml.SequenceEndEvent):
            value.append(_value(loader, anchors, open_anchors, budget))
        loader.get_event()
        budget.depth -= 1
    else:  # a mapping: the parser gives no other event here
        _deeper(loader, event, budget)
        _expect_tag(loader, event, yaml.MappingNode, _MAP)
        if event.anchor is not None:
            open_anchors.add(event.anchor)
        value = _mapping(loader, event, anchors, open_anchors, budget)
        budget.depth -= 1
    if event.anchor is not None:
        budget.sizes[event.anchor] = budget.values - start_values
        anchors[event.anchor] = value
        open_anchors.discard(event.anchor)
    return value


def _deeper(loader: Any, event: Any, budget: _Budget) -> None:
    budget.depth += 1
    if budget.depth > MAX_DEPTH:
        _fail(loader, f"lists and mappings are nested more than {MAX_DEPTH} deep; "
                      "sources.yaml needs only a few levels", event)  # fmt: skip


def _mapping(
    loader: Any, start: Any, anchors: dict[str, Any], open_anchors: set[str], budget: _Budget
) -> Mapping:
    """A mapping up to its end event. Merge keys (``<<: *common``) as YAML defines them:
    the mapping's own keys win, then the mappings merged first."""
    mapping = Mapping()
    mapping.line = _line(start.start_mark)
    mapping.lines = {}
    merged: list[Mapping] = []
    while not loader.check_event(yaml.MappingEndEvent):
        at = loader.peek_event()
        key = _value(loader, anchors, open_anchors, budget)
        if key is _MERGE_KEY:
            value = _value(loader, anchors, open_anchors, budget)
            sources = value if isinstance(value, list) else [value]
            if not all(isinstance(source, Mapping) for source in sources):
                _fail(loader, "a merge key (<<) takes a mapping or a list of mappings", at)
            merged.extend(sources)
            continue
        if type(key) is not str and not isinstance(key, Hashable):
            _fail(loader, "a key must be a plain value, not a list or mapping", at)
        if key in mapping:
            _fail(loader, f"duplicate key {key!r} (first on line {mapping.lines[key]}); "
                          "keep one of them", at)  # fmt: skip
        mapping[key] = _value(loader, anchors, open_anchors, budget)
        mapping.lines[key] = at.start_mark.line + 1
    loader.get_event()
    for source in merged:
        for key, value in source.items():
            if key not in mapping:
                mapping[key] = value
                mapping.lines[key] = source.lines[key]
    return mapping


def _line(mark: Any) -> int:
    return int(mark.line) + 1


def _fail(loader: Any, message: str, event: Any = None) -> NoReturn:
    event = event if event is not None else loader.peek_event()
    raise ConfigError(message, path=loader.name, line=_line(event.start_mark))


def _expect_tag(loader: Any, event: Any, kind: type, default: str) -> None:
    tag = event.tag
    if tag is None or tag == "!":
        tag = loader.resolve(kind, None, event.implicit)
    if tag != default:
        _fail(loader, f"the YAML tag {event.tag} is not used here; remove it", event)
