"""Read and check ``sources.yaml``: YAML in, a frozen :class:`Config` out.

Every problem is a :class:`ConfigError` naming the file, the line and the key, and
suggesting the closest valid key for a typo. Nothing here touches the network; relative
paths are resolved against the folder of the configuration file.
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NoReturn
from urllib.parse import urlsplit

import yaml

from .errors import ConfigError
from .triggers import cron_trigger, parse_duration

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FORMATS = ("html", "text")
ENV_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Selectors:
    """Where the parts of an entry are on an HTML page (parsel CSS or XPath)."""

    item: str
    title: str | None = None
    link: str | None = None
    date: str | None = None
    date_regex: str | None = None
    date_format: str | None = None
    summary: str | None = None
    category: str | None = None
    image: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeout:
    connect: float = 10.0
    read: float = 30.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """One newsroom page and how to read it."""

    id: str
    url: str  # http(s) URL or file:// URL (relative paths are resolved on load)
    title: str
    home: str
    format: Literal["html", "text"] = "html"
    timezone: str = "UTC"
    author: str | None = None
    enabled: bool = True
    select: Selectors | None = None
    dayfirst: bool = False
    max_entries: int = 50
    max_age_days: int | None = None
    min_entries_ratio: float = 0.2
    broken_after: int = 3
    timeout: Timeout = field(default_factory=Timeout)
    retries: int = 3
    min_delay: float = 1.0
    respect_robots: bool = True
    user_agent: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    max_bytes: int = 10 * 1024 * 1024
    ttl: int = 60
    every: int | None = None  # seconds between runs (`every: 30m`); see publisher.triggers
    cron: str | None = None  # or a crontab expression, in the source's timezone
    jitter: int | None = None  # seconds of random delay; None = automatic
    line: int | None = None  # where the source starts in sources.yaml
    # -- dates (issue 13): see publisher.dates --
    languages: tuple[str, ...] = ()  # BCP 47 tags the page's dates are in; () = the page's
    date_order: Literal["DMY", "MDY", "YMD"] | None = None  # None: decided per page

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def is_local(self) -> bool:
        return self.url.startswith("file:")


@dataclass(frozen=True, slots=True, kw_only=True)
class Site:
    base_url: str
    output: Path
    state: Path
    contact: str | None = None
    workers: int = 8
    websub_hub: str | None = None  # WebSub hub announced in the feeds and pinged on change


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    path: Path
    site: Site
    sources: tuple[Source, ...]

    def source(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(source_id)


# -- YAML with line numbers ---------------------------------------------------------------


class _Mapping(dict[Any, Any]):
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


# -- validation helpers -------------------------------------------------------------------


class _Checker:
    """Reads typed values out of one YAML mapping, with file:line in every message."""

    def __init__(self, path: str, mapping: Any, where: str, allowed: tuple[str, ...]):
        self.path = path
        self.where = where
        if not isinstance(mapping, _Mapping):
            line = getattr(mapping, "line", None)
            raise ConfigError(f"{where}: expected a mapping of keys", path=path, line=line)
        self.mapping = mapping
        for key in mapping:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = (
                    f"did you mean {close[0]!r}?" if close else "valid keys: " + ", ".join(allowed)
                )
                self.fail(key, f"unknown key {key!r}; {hint}")

    def line(self, key: str) -> int:
        return self.mapping.lines.get(key, self.mapping.line)

    def fail(self, key: str, message: str) -> None:
        raise ConfigError(f"{self.where}: {message}", path=self.path, line=self.line(key))

    def has(self, key: str) -> bool:
        return key in self.mapping and self.mapping[key] is not None

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        if not self.has(key):
            return default
        value = self.mapping[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # YAML ints are fine where floats are wanted; bools are not ints here.
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(value, bool) and bool not in kinds:
            value_ok = False
        else:
            value_ok = isinstance(value, kinds)
        if not value_ok:
            names = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
            self.fail(key, f"{key!r} must be {names}, not {value!r}")
        return value

    def require(self, key: str, kind: type | tuple[type, ...]) -> Any:
        if not self.has(key):
            raise ConfigError(
                f"{self.where}: missing required key {key!r}",
                path=self.path,
                line=self.mapping.line,
            )
        return self.get(key, kind)

    def positive(self, key: str, kind: type, default: Any) -> Any:
        value = self.get(key, kind, default)
        if value is not None and value <= 0:
            self.fail(key, f"{key!r} must be greater than 0, not {value!r}")
        return value


_TYPE_NAMES = {str: "a string", int: "a whole number", float: "a number", bool: "true or false"}

SITE_KEYS = ("base_url", "output", "state", "contact", "workers", "websub_hub")
SOURCE_KEYS = (
    "id", "title", "url", "home", "format", "timezone", "author", "enabled", "select",
    "dayfirst", "max_entries", "max_age_days", "min_entries_ratio", "broken_after",
    "timeout", "retries", "min_delay", "respect_robots", "user_agent", "headers",
    "max_bytes", "ttl", "every", "cron", "jitter", "languages", "date_order",
)  # fmt: skip
DEFAULT_KEYS = tuple(k for k in SOURCE_KEYS if k not in ("id", "title", "url", "home", "select"))
SELECT_KEYS = (
    "item", "title", "link", "date", "date_regex", "date_format", "summary", "category",
    "image",
)  # fmt: skip
TOP_KEYS = ("site", "defaults", "sources")


# -- loading ------------------------------------------------------------------------------


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


def parse_config(text: str, *, path: Path) -> Config:
    """Check the YAML ``text`` of the configuration file at ``path``."""
    name = str(path)
    document = _load(text, name)
    if document is None:
        raise ConfigError("the file is empty; list your sources under 'sources:'", path=name)
    top = _Checker(name, document, "top level", TOP_KEYS)
    base_dir = path.resolve().parent
    site = _site(top, name, base_dir)
    defaults: Mapping[str, Any] = {}
    if top.has("defaults"):
        defaults_checker = _Checker(name, document["defaults"], "defaults", DEFAULT_KEYS)
        defaults = _source_options(defaults_checker)
    raw_sources = top.require("sources", list)
    if not raw_sources:
        top.fail("sources", "'sources' is empty; add at least one source")
    sources: list[Source] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_sources):
        source = _source(name, raw, index, defaults, base_dir)
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
    return Config(path=path, site=site, sources=tuple(sources))


def _load(text: str, name: str) -> Any:
    """The YAML document in ``text`` (None when empty): every mapping a :class:`_Mapping`.

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
        document = _value(loader, {}, set())
        loader.get_event()  # document end
        if not loader.check_event(yaml.StreamEndEvent):
            _fail(loader, "a second YAML document ('---'): keep everything in one document")
        return document
    finally:
        loader.dispose()


def _value(loader: Any, anchors: dict[str, Any], open_anchors: set[str]) -> Any:
    """The next value in ``loader``'s events: strings, lists and mappings built here; every
    other scalar (numbers, booleans, null, dates) by PyYAML's constructors."""
    event = loader.get_event()
    if type(event) is yaml.ScalarEvent and event.tag is None and event.anchor is None:
        text: str = event.value  # the common case: an untagged scalar without an anchor
        if not event.implicit[0] or (text and text[0] not in _RESOLVED_FIRST):
            return text  # quoted, or plain and no implicit tag can claim it
    if isinstance(event, yaml.AliasEvent):
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
        _expect_tag(loader, event, yaml.SequenceNode, _SEQ)
        if event.anchor is not None:
            open_anchors.add(event.anchor)
        value = []
        while not loader.check_event(yaml.SequenceEndEvent):
            value.append(_value(loader, anchors, open_anchors))
        loader.get_event()
    else:  # a mapping: the parser gives no other event here
        _expect_tag(loader, event, yaml.MappingNode, _MAP)
        if event.anchor is not None:
            open_anchors.add(event.anchor)
        value = _mapping(loader, event, anchors, open_anchors)
    if event.anchor is not None:
        anchors[event.anchor] = value
        open_anchors.discard(event.anchor)
    return value


def _mapping(loader: Any, start: Any, anchors: dict[str, Any], open_anchors: set[str]) -> _Mapping:
    """A mapping up to its end event. Merge keys (``<<: *common``) as YAML defines them:
    the mapping's own keys win, then the mappings merged first."""
    mapping = _Mapping()
    mapping.line = _line(start.start_mark)
    mapping.lines = {}
    merged: list[_Mapping] = []
    while not loader.check_event(yaml.MappingEndEvent):
        at = loader.peek_event()
        key = _value(loader, anchors, open_anchors)
        if key is _MERGE_KEY:
            value = _value(loader, anchors, open_anchors)
            sources = value if isinstance(value, list) else [value]
            if not all(isinstance(source, _Mapping) for source in sources):
                _fail(loader, "a merge key (<<) takes a mapping or a list of mappings", at)
            merged.extend(sources)
            continue
        if type(key) is not str and not isinstance(key, Hashable):
            _fail(loader, "a key must be a plain value, not a list or mapping", at)
        if key in mapping:
            _fail(loader, f"duplicate key {key!r} (first on line {mapping.lines[key]}); "
                          "keep one of them", at)  # fmt: skip
        mapping[key] = _value(loader, anchors, open_anchors)
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


def _site(top: _Checker, name: str, base_dir: Path) -> Site:
    if not top.has("site"):
        top.fail("site", "missing required key 'site' (with at least 'base_url')")
    check = _Checker(name, top.mapping["site"], "site", SITE_KEYS)
    base_url = check.require("base_url", str)
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        check.fail(
            "base_url",
            f"'base_url' must be the http(s) address where feeds/ is published, not {base_url!r}",
        )
    if not base_url.endswith("/"):
        base_url += "/"
    hub = check.get("websub_hub", str)
    if hub is not None:
        hub_parts = urlsplit(hub)
        if hub_parts.scheme not in ("http", "https") or not hub_parts.netloc:
            check.fail(
                "websub_hub",
                f"'websub_hub' must be the http(s) address of a WebSub hub, not {hub!r}",
            )
    return Site(
        base_url=base_url,
        output=base_dir / check.get("output", str, "feeds"),
        state=base_dir / check.get("state", str, ".publisher/state.db"),
        contact=check.get("contact", str),
        workers=check.positive("workers", int, 8),
        websub_hub=hub,
    )


def _source(name: str, raw: Any, index: int, defaults: Mapping[str, Any], base_dir: Path) -> Source:
    where = f"sources[{index}]"
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        where = f"source {raw['id']!r}"
    check = _Checker(name, raw, where, SOURCE_KEYS)
    source_id = check.require("id", str)
    check.where = f"source {source_id!r}"
    if not SLUG.match(source_id):
        check.fail(
            "id",
            f"id {source_id!r} must be a slug of a-z, 0-9 and single hyphens "
            "(it names the feed files), e.g. 'amnesty-usa-north-korea'",
        )
    url = _url(check, "url", base_dir, required=True)
    assert url is not None
    home = _url(check, "home", base_dir, required=False) or url
    options = dict(defaults)
    options.update(_source_options(check))
    for own, inherited in (("every", "cron"), ("cron", "every")):
        if check.has(own):  # a source's own timing replaces the one from defaults
            options.pop(inherited, None)
    fmt = check.get("format", str, "html")
    if fmt not in FORMATS:
        check.fail("format", f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    select = None
    if check.has("select"):
        select = _selectors(name, raw["select"], check.where)
    if fmt == "html" and select is None:
        check.fail(
            "select",
            "an html source needs 'select' with at least 'item' (a CSS or XPath selector "
            "matching one element per entry)",
        )
    if fmt == "text" and select is not None:
        check.fail("select", "'select' applies to format: html only; remove it")
    return Source(
        id=source_id,
        url=url,
        home=home,
        title=check.get("title", str, source_id),
        format=fmt,
        select=select,
        line=raw.line,
        **options,
    )


def _source_options(check: _Checker) -> dict[str, Any]:
    """The keys a source shares with ``defaults``; only those present in this mapping."""
    options: dict[str, Any] = {}
    simple: dict[str, tuple[type | tuple[type, ...], Callable[[str, type, Any], Any] | None]] = {
        "author": (str, None),
        "enabled": (bool, None),
        "dayfirst": (bool, None),
        "respect_robots": (bool, None),
        "user_agent": (str, None),
        "max_entries": (int, check.positive),
        "max_age_days": (int, check.positive),
        "broken_after": (int, check.positive),
        "max_bytes": (int, check.positive),
        "ttl": (int, check.positive),
        "retries": (int, None),
        "min_delay": (float, None),
        "min_entries_ratio": (float, None),
    }
    for key, (kind, checker) in simple.items():
        if check.has(key):
            if checker is not None:
                options[key] = checker(key, kind, None)  # type: ignore[arg-type]
            else:
                options[key] = check.get(key, kind)
    for key in ("retries", "min_delay"):
        if key in options and options[key] < 0:
            check.fail(key, f"{key!r} must be 0 or more, not {options[key]!r}")
    if "min_entries_ratio" in options and not 0 <= options["min_entries_ratio"] <= 1:
        check.fail("min_entries_ratio", "'min_entries_ratio' must be between 0 and 1")
    if check.has("timezone"):
        options["timezone"] = _timezone(check)
    options.update(_timing(check))
    options.update(_date_options(check))
    if check.has("timeout"):
        options["timeout"] = _timeout(check)
    if check.has("headers"):
        options["headers"] = _headers(check)
    return options


def _timing(check: _Checker) -> dict[str, Any]:
    """``every`` (a duration like 30m), ``cron`` (crontab syntax) and ``jitter``."""
    options: dict[str, Any] = {}
    if check.has("every") and check.has("cron"):
        check.fail("cron", "use either 'every' or 'cron', not both")
    if check.has("every"):
        value = check.get("every", (str, int))
        if isinstance(value, int):
            check.fail(
                "every", f"'every' needs a unit: write '{value}m' or '{value}s', not {value}"
            )
        try:
            options["every"] = parse_duration(value)
        except ValueError as exc:
            check.fail("every", f"'every': {exc}")
    if check.has("cron"):
        expr = check.get("cron", str)
        try:
            cron_trigger(expr)
        except ValueError as exc:
            check.fail("cron", f"'cron' is not a valid crontab expression: {exc}")
        options["cron"] = " ".join(expr.split())
    if check.has("jitter"):
        value = check.get("jitter", (str, int))
        if isinstance(value, int):
            if value < 0:
                check.fail("jitter", f"'jitter' must be 0 or more, not {value}")
            options["jitter"] = value
        else:
            try:
                options["jitter"] = parse_duration(value)
            except ValueError as exc:
                check.fail("jitter", f"'jitter': {exc} (or a number of seconds, 0 for none)")
    return options


def _date_options(check: _Checker) -> dict[str, Any]:
    """``languages`` (a list of language tags dateparser knows) and ``date_order``."""
    options: dict[str, Any] = {}
    if check.has("languages"):
        value = check.mapping["languages"]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
            check.fail("languages", "'languages' must be a list of language tags, e.g. [de, en]")
        from .dates import known_language  # dateparser loads only for sources that set it

        unknown = [tag for tag in value if not known_language(tag)]
        if unknown:
            check.fail(
                "languages",
                f"unknown language {unknown[0]!r} in 'languages'; use BCP 47 tags like "
                "de, en, pt-BR, zh",
            )
        options["languages"] = tuple(value)
    if check.has("date_order"):
        order = str(check.get("date_order", str)).upper()
        if order not in ("DMY", "MDY", "YMD"):
            check.fail("date_order", f"'date_order' must be DMY, MDY or YMD, not {order!r}")
        options["date_order"] = order
    return options


def _timezone(check: _Checker) -> str:
    name = check.get("timezone", str)
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        close = difflib.get_close_matches(name, sorted(zoneinfo.available_timezones()), n=1)
        hint = f"did you mean {close[0]!r}?" if close else "use an IANA name like 'Europe/Berlin'"
        check.fail("timezone", f"unknown timezone {name!r}; {hint}")
    return str(name)


def _timeout(check: _Checker) -> Timeout:
    value = check.mapping["timeout"]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value <= 0:
            check.fail("timeout", "'timeout' must be greater than 0")
        return Timeout(connect=float(value), read=float(value))
    sub = _Checker(check.path, value, f"{check.where}.timeout", ("connect", "read"))
    return Timeout(
        connect=sub.positive("connect", float, 10.0), read=sub.positive("read", float, 30.0)
    )


def _headers(check: _Checker) -> tuple[tuple[str, str], ...]:
    value = check.mapping["headers"]
    if not isinstance(value, _Mapping):
        check.fail("headers", "'headers' must be a mapping of header names to values")
    headers = []
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, (str, int)):
            check.fail("headers", f"header {key!r} must have a string value")
        headers.append((key, str(item)))
    return tuple(headers)


def _url(check: _Checker, key: str, base_dir: Path, *, required: bool) -> str | None:
    value: str | None = check.require(key, str) if required else check.get(key, str)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme in ("http", "https"):
        if not parts.netloc:
            check.fail(key, f"{key!r} {value!r} has no host; write it as https://host/path")
        return str(value)
    if parts.scheme == "file":
        return str(value)
    if parts.scheme and len(parts.scheme) > 1:
        check.fail(
            key,
            f"{key!r} {value!r}: unsupported scheme {parts.scheme!r}; use http(s)://, file:// "
            "or a path relative to the configuration file",
        )
    return (base_dir / value).resolve().as_uri()


def _selectors(name: str, raw: Any, where: str) -> Selectors:
    check = _Checker(name, raw, f"{where}.select", SELECT_KEYS)
    values = {key: check.get(key, str) for key in SELECT_KEYS}
    if not values["item"]:
        check.require("item", str)
    if values["date_regex"]:
        try:
            re.compile(values["date_regex"])
        except re.error as exc:
            check.fail("date_regex", f"'date_regex' is not a valid regular expression: {exc}")
    for key in ("item", "title", "link", "date", "summary", "category", "image"):
        if values[key]:
            _check_selector(check, key, values[key])
    return Selectors(**values)


def _check_selector(check: _Checker, key: str, selector: str) -> None:
    problem = _selector_problem(selector)
    if problem is not None:
        check.fail(key, f"{key!r} selector {selector!r} is not valid: {problem}")


@functools.lru_cache(maxsize=1024)  # sources share their selectors: check each one once
def _selector_problem(selector: str) -> str | None:
    from parsel import Selector  # parsel is imported lazily: it pulls in lxml

    probe = Selector(text="<html><body></body></html>")
    try:
        if is_xpath(selector):
            probe.xpath(selector)
        else:
            probe.css(selector)
    except Exception as exc:  # parsel raises several kinds (cssselect, lxml, ValueError)
        return str(exc)
    return None


def is_xpath(selector: str) -> bool:
    """Selectors starting with ``/``, ``./`` or ``(`` are XPath; anything else is CSS."""
    return selector.startswith(("/", "./", "("))


def expand_env(value: str, env: Mapping[str, str]) -> str:
    """Replace ``${NAME}`` with ``env[NAME]``; a missing variable is a :class:`ConfigError`."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise ConfigError(f"environment variable {name} is not set; export it before running")
        return env[name]

    return ENV_VAR.sub(replace, value)
