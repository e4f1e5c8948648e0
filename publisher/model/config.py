"""The configuration records: what ``sources.yaml`` says, checked and resolved.

:mod:`publisher.config` builds them from YAML; every other module only reads them.
The keys a user may write are the fields of these records (see :func:`yaml_keys`);
each field's ``metadata`` holds its description and, where the YAML form differs from
the Python type, its JSON Schema (:mod:`publisher.schema` makes the editor schema).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

# metadata keys
DOC = "doc"  # one line for the reference and the JSON Schema
SCHEMA = "schema"  # the JSON Schema of the YAML value, when the type alone does not say it
SCOPE = "scope"  # "source": only in a source, never in ``defaults``; "internal": not YAML


def opt(
    default: Any = None,
    doc: str = "",
    *,
    schema: Mapping[str, Any] | None = None,
    scope: str | None = None,
    factory: Any = None,
) -> Any:
    """A field with its description (and JSON Schema, and scope) in its metadata."""
    meta: dict[str, Any] = {DOC: doc}
    if schema is not None:
        meta[SCHEMA] = dict(schema)
    if scope is not None:
        meta[SCOPE] = scope
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def req(doc: str, *, schema: Mapping[str, Any] | None = None, scope: str | None = None) -> Any:
    """A required field (no default), described like :func:`opt`."""
    meta: dict[str, Any] = {DOC: doc}
    if schema is not None:
        meta[SCHEMA] = dict(schema)
    if scope is not None:
        meta[SCOPE] = scope
    return field(metadata=meta)


def yaml_keys(record: type, *, scope: str | None = None) -> tuple[str, ...]:
    """The keys a YAML mapping for ``record`` may hold, in field order.

    ``scope="defaults"`` leaves out the fields only a source may set (its id, url, ...).
    """
    keys = []
    for item in fields(record):
        where = item.metadata.get(SCOPE)
        if where == "internal" or (scope == "defaults" and where == "source"):
            continue
        keys.append(item.name)
    return tuple(keys)


# Ranges (issue 19): every number finite and below a sane maximum, every text that reaches
# an HTTP header or the XML without control characters. publisher.config.ranges checks
# each value against its field's schema, so the editor schema and the checks agree.
_TEXT = r"^[^\x00-\x1f\x7f]*$"  # no control characters (CR/LF would split a header)
_LINE = {"type": "string", "pattern": _TEXT, "maxLength": 1000}
_HEADER_NAME = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$"  # an RFC 9110 token
_HEADER_VALUE = r"^[^\x00-\x08\x0a-\x1f\x7f]*$"  # tabs allowed, no CR, LF or NUL

_DURATION = {
    "type": "string",
    "pattern": r"^\s*\d+\s*[smhdw]?\s*$",
    "description": "a duration: 90s, 30m, 6h, 1d, 1w",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Selectors:
    """Where the parts of an entry are on an HTML page (parsel CSS or XPath)."""

    item: str = req("one element per entry (CSS, or XPath starting with / ./ or ()")
    title: str | None = opt(doc="the title inside an item (default: the item's text)")
    link: str | None = opt(doc="the link inside an item (default: the first href)")
    date: str | None = opt(doc="the date inside an item")
    date_regex: str | None = opt(doc="a regular expression picking the date out of its text")
    date_format: str | None = opt(doc="a strptime format for dates no parser reads")
    summary: str | None = opt(doc="the summary inside an item (markup kept, sanitised)")
    category: str | None = opt(doc="the entry's type (Report, Press Release, ...)")
    image: str | None = opt(doc="the entry's picture (an img or its src)")
    # kinds of source (issue 16): the next list page, for 'pages'
    next: str | None = opt(doc="the link to the next list page (default: rel=next)")
    author: str | None = opt(doc="the entry's author (its text)")


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeout:
    connect: float = opt(
        10.0,
        "seconds to wait for a connection",
        schema={"type": "number", "exclusiveMinimum": 0, "maximum": 600},
    )
    read: float = opt(
        30.0,
        "seconds to wait between bytes",
        schema={"type": "number", "exclusiveMinimum": 0, "maximum": 600},
    )
    total: float = opt(
        120.0,
        "seconds a whole page fetch may take, from connect to last byte, retries included",
        schema={"type": "number", "exclusiveMinimum": 0, "maximum": 3600},
    )


_TIMEOUT_SCHEMA = {
    "oneOf": [
        {"type": "number", "exclusiveMinimum": 0, "maximum": 600},
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "connect": {"type": "number", "exclusiveMinimum": 0, "maximum": 600},
                "read": {"type": "number", "exclusiveMinimum": 0, "maximum": 600},
                "total": {"type": "number", "exclusiveMinimum": 0, "maximum": 3600},
            },
        },
    ]
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """One filter rule: a field of the entry and what it must match (publisher.filters)."""

    field: str  # title, summary, category, link or any
    patterns: tuple[str, ...]  # words (case-insensitive, whole words) or /regex/flags: any
    where: str = ""  # how the rule is named in messages: "exclude[0]"


_RULES_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "additionalProperties": False,
        "properties": {
            key: {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
            for key in ("title", "summary", "category", "link", "any")
        },
    },
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """One newsroom page and how to read it."""

    id: str = req(
        "a slug naming the feed files",
        scope="source",
        schema={"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$", "maxLength": 64},
    )
    url: str = req("the newsroom page: http(s)://, file:// or a path", scope="source")
    title: str = req("the feed's title (default: the id)", scope="source", schema=_LINE)
    home: str = req("the page entries link back to (default: url)", scope="source")
    format: str = opt("html", "how to read the page (see publisher.extract.FORMATS)")
    timezone: str = opt("UTC", "IANA zone of dates without an offset")
    author: str | None = opt(doc="the feed's author", schema=_LINE)
    enabled: bool = opt(True, "false: kept in the file, not run")
    select: Selectors | None = opt(doc="selectors for an html page", scope="source")
    dayfirst: bool = opt(False, "read 01/02/2024 as 1 February")
    max_entries: int = opt(
        50, "entries in the feed", schema={"type": "integer", "minimum": 1, "maximum": 10_000}
    )
    max_age_days: int | None = opt(
        doc="leave older entries out of the feed",
        schema={"type": "integer", "minimum": 1, "maximum": 36_500},
    )
    min_entries_ratio: float = opt(
        0.2,
        "the layout guard: fewer entries than this share of the usual count fails the source",
        schema={"type": "number", "minimum": 0, "maximum": 1},
    )
    broken_after: int = opt(
        3,
        "consecutive failures before status says broken",
        schema={"type": "integer", "minimum": 1, "maximum": 1000},
    )
    timeout: Timeout = opt(
        doc="seconds: a number, or {connect, read, total}",
        factory=Timeout,
        schema=_TIMEOUT_SCHEMA,
    )
    retries: int = opt(
        3, "retries of a failed request", schema={"type": "integer", "minimum": 0, "maximum": 10}
    )
    min_delay: float = opt(
        1.0,
        "seconds between two requests to one host",
        schema={"type": "number", "minimum": 0, "maximum": 3600},
    )
    respect_robots: bool = opt(True, "obey robots.txt")
    user_agent: str | None = opt(
        doc="the User-Agent header (default: publisher/VERSION)", schema=_LINE
    )
    headers: tuple[tuple[str, str], ...] = opt(
        (),
        "extra request headers; ${VAR} reads the environment",
        schema={
            "type": "object",
            "propertyNames": {"pattern": _HEADER_NAME},
            "additionalProperties": {
                "type": ["string", "integer"],
                "pattern": _HEADER_VALUE,
                "maxLength": 8192,
            },
        },
    )
    max_bytes: int = opt(
        10 * 1024 * 1024,
        "largest page read",
        schema={"type": "integer", "minimum": 1, "maximum": 1 << 30},
    )
    ttl: int = opt(
        60,
        "minutes readers may cache the feed",
        schema={"type": "integer", "minimum": 1, "maximum": 525_600},
    )
    every: int | None = opt(doc="run every (30m, 6h, 1d)", schema=_DURATION)
    cron: str | None = opt(doc="or a crontab expression, in the source's timezone")
    jitter: int | None = opt(
        doc="random delay (a duration or seconds; default automatic)",
        schema={"oneOf": [_DURATION, {"type": "integer", "minimum": 0}]},
    )
    # -- dates (issue 13): see publisher.dates --
    languages: tuple[str, ...] = opt(
        (), "language tags the page's dates are in (default: the page's, and English)",
        schema={"type": "array", "items": {"type": "string"}, "maxItems": 20},
    )  # fmt: skip
    date_order: str | None = opt(
        doc="the order of numeric dates: DMY, MDY or YMD (default: decided per page)",
        schema={"enum": ["DMY", "MDY", "YMD"]},
    )
    # kinds of source (issue 16)
    pages: int = opt(
        1,
        "list pages followed per run (select.next or rel=next; child sitemaps)",
        schema={"type": "integer", "minimum": 1},
    )
    render: str | None = opt(
        doc="'browser': load the page in headless Chromium (publisher[browser])",
        schema={"enum": ["browser"]},
    )
    # -- what is published (issue 17: publisher.filters, publisher.fulltext) --
    include: tuple[Rule, ...] = opt(
        (), "publish only entries matching one of these rules", schema=_RULES_SCHEMA
    )
    exclude: tuple[Rule, ...] = opt((), "never publish entries matching these rules",
                                    schema=_RULES_SCHEMA)  # fmt: skip
    full_text: bool = opt(False, "fetch each new entry's own page and publish its article")
    max_full_text_per_run: int = opt(
        10, "article pages fetched at most per run", schema={"type": "integer", "minimum": 1}
    )
    digest: str | None = opt(
        doc="also a digest feed <id>-daily or <id>-weekly: daily or weekly",
        schema={"enum": ["daily", "weekly"]},
    )
    allow_private: bool | None = opt(
        doc="fetch this source from a private or loopback address (default: site's)"
    )
    allow_addresses: tuple[str, ...] = opt((), "copied from site.allow_addresses", scope="internal")
    line: int | None = opt(doc="where the source starts in sources.yaml", scope="internal")

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def is_local(self) -> bool:
        return self.url.startswith("file:")


@dataclass(frozen=True, slots=True, kw_only=True)
class Site:
    base_url: str = req("the http(s) address where the output folder is published")
    # A folder and a SQLite file, or (publisher[scale], issue 18) an s3://bucket/prefix
    # URL and a postgresql:// URL, kept as text.
    output: Path | str = opt(
        Path("feeds"), "the output folder, or s3://bucket/prefix", schema={"type": "string"}
    )
    state: Path | str = opt(
        Path(".publisher/state.db"),
        "the state store: a SQLite file, or postgresql://user@host/db",
        schema={"type": "string"},
    )
    contact: str | None = opt(doc="an address or URL sent in the User-Agent", schema=_LINE)
    workers: int = opt(
        8, "pages fetched at once", schema={"type": "integer", "minimum": 1, "maximum": 256}
    )
    processes: int | None = opt(
        doc="worker processes that extract, normalise and render pages (default: CPU count)",
        schema={"type": "integer", "minimum": 1, "maximum": 64},
    )
    websub_hub: str | None = opt(doc="a WebSub hub announced in the feeds, pinged on change")
    # outputs (issue 15): which files each source gets, and digests for every source
    outputs: tuple[str, ...] = opt(
        ("atom", "rss", "json"),
        "the files written per source (see publisher.render.OUTPUTS)",
        schema={"type": "array", "items": {"enum": ["atom", "rss", "json"]}, "minItems": 1},
    )
    digest: str | None = opt(
        doc="a digest feed for every source: daily or weekly (a source's own digest wins)",
        schema={"enum": ["daily", "weekly"]},
    )
    allow_private: bool = opt(
        False, "sources may be fetched from private and loopback addresses (your network)"
    )
    allow_addresses: tuple[str, ...] = opt(
        (),
        "networks (CIDR) fetched even though they are never fetched otherwise "
        "(link-local, metadata, reserved)",
        schema={"type": "array", "items": {"type": "string"}, "maxItems": 100},
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Collection:
    """A feed of its own made of the entries of several sources (publisher.collections)."""

    id: str = req("a slug naming the feed files; not the id of a source",
                  schema={"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$"})  # fmt: skip
    title: str = req("the feed's title (default: the id)")
    sources: tuple[str, ...] = opt(
        (), "the ids of its sources (default: every source)",
        schema={"type": "array", "items": {"type": "string"}},
    )  # fmt: skip
    include: tuple[Rule, ...] = opt((), "only entries matching one of these rules",
                                    schema=_RULES_SCHEMA)  # fmt: skip
    exclude: tuple[Rule, ...] = opt((), "no entry matching these rules", schema=_RULES_SCHEMA)
    max_entries: int = opt(50, "entries in the feed", schema={"type": "integer", "minimum": 1})
    ttl: int = opt(60, "minutes readers may cache the feed",
                   schema={"type": "integer", "minimum": 1})  # fmt: skip
    line: int | None = opt(doc="where the collection starts in sources.yaml", scope="internal")


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    path: Path
    site: Site
    sources: tuple[Source, ...]
    collections: tuple[Collection, ...] = ()

    def source(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(source_id)
