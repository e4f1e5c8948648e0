"""Checked YAML values -> the records of :mod:`publisher.model.config`."""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..extract import FORMATS, is_xpath
from ..model import Selectors, Site, Source, Timeout
from ..model.config import yaml_keys
from ..triggers import cron_trigger, parse_duration
from .check import Checker
from .document import Mapping as YamlMapping
from .ranges import (
    MAX_DURATION,
    check_range,
    check_schema,
    credentials,
    parse_url,
    schema_of,
)
from .shape import shape_options
from .site import digest

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOP_KEYS = ("site", "defaults", "sources", "collections")
SITE_KEYS = yaml_keys(Site)
SOURCE_KEYS = yaml_keys(Source)
DEFAULT_KEYS = yaml_keys(Source, scope="defaults")
SELECT_KEYS = yaml_keys(Selectors)
TIMEOUT_KEYS = yaml_keys(Timeout)


def build_source(
    name: str, raw: Any, index: int, defaults: Mapping[str, Any], base_dir: Path
) -> Source:
    where = f"sources[{index}]"
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        where = f"source {raw['id']!r}"
    check = Checker(name, raw, where, SOURCE_KEYS)
    source_id = check.require("id", str)
    if len(source_id) > schema_of(Source, "id")["maxLength"]:
        check.fail("id", f"'id' is {len(source_id)} characters long; at most 64 (it names files)")
    check.where = f"source {source_id!r}"
    if not SLUG.match(source_id):
        check.fail(
            "id",
            f"id {source_id!r} must be a slug of a-z, 0-9 and single hyphens "
            "(it names the feed files), e.g. 'amnesty-usa-north-korea'",
        )
    url = _url(check, "url", base_dir, required=True)
    assert url is not None
    url, auth = credentials(urlsplit(url))
    home = _url(check, "home", base_dir, required=False)
    home = credentials(urlsplit(home))[0] if home else url
    options = dict(defaults)
    options.update(source_options(check))
    if auth is not None:  # user:password in the URL: sent as a header, never published
        headers = tuple(options.get("headers", ()))
        if any(name.lower() == "authorization" for name, _ in headers):
            check.fail("url", "'url' has a user and password and 'headers' an Authorization; "
                              "keep one of them")  # fmt: skip
        options["headers"] = (*headers, ("Authorization", auth))
    title = check.get("title", str, source_id)
    check_range(check, Source, "title", title)
    for own, inherited in (("every", "cron"), ("cron", "every")):
        if check.has(own):  # a source's own timing replaces the one from defaults
            options.pop(inherited, None)
    fmt = check.get("format", str, "html")
    if fmt not in FORMATS:
        check.fail("format", f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    select = None
    if check.has("select"):
        select = _selectors(name, raw["select"], check.where, FORMATS[fmt].syntax)
    needs = FORMATS[fmt].select
    if needs == "required" and select is None:
        check.fail(
            "select",
            f"{'an' if fmt == 'html' else 'a'} {fmt} source needs 'select' with at least 'item' "
            f"({FORMATS[fmt].select_hint})",
        )
    if needs == "refused" and select is not None:
        check.fail("select", f"'select' does not apply to format: {fmt}; remove it")
    return Source(
        id=source_id,
        url=url,
        home=home,
        title=title,
        format=fmt,
        select=select,
        line=raw.line,
        **options,
    )


def source_options(check: Checker) -> dict[str, Any]:
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
        "pages": (int, check.positive),
        "allow_private": (bool, None),
    }
    for key, (kind, checker) in simple.items():
        if check.has(key):
            if checker is not None:
                options[key] = checker(key, kind, None)  # type: ignore[arg-type]
            else:
                options[key] = check.get(key, kind)
    for key, value in options.items():
        check_range(check, Source, key, value)
    if "min_entries_ratio" in options and not 0 <= options["min_entries_ratio"] <= 1:
        check.fail("min_entries_ratio", "'min_entries_ratio' must be between 0 and 1")
    if check.has("render"):
        options["render"] = _render(check)
    if check.has("timezone"):
        options["timezone"] = _timezone(check)
    if check.has("digest"):
        options["digest"] = digest(check)
    options.update(_timing(check))
    options.update(_date_options(check))
    if check.has("timeout"):
        options["timeout"] = _timeout(check)
    if check.has("headers"):
        options["headers"] = _headers(check)
    options.update(shape_options(check))  # include, exclude, full_text (config.shape)
    return options


def _date_options(check: Checker) -> dict[str, Any]:
    """``languages`` (a list of language tags dateparser knows) and ``date_order``."""
    options: dict[str, Any] = {}
    if check.has("languages"):
        value = check.mapping["languages"]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
            check.fail("languages", "'languages' must be a list of language tags, e.g. [de, en]")
        from ..dates import known_language  # dateparser loads only for sources that set it

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


def _timing(check: Checker) -> dict[str, Any]:
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
        except (ValueError, OverflowError) as exc:
            check.fail("every", f"'every': {exc}")
        if not 0 < options["every"] <= MAX_DURATION:
            check.fail("every", "'every' must be between 1s and 366d")
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
            options["jitter"] = value
        else:
            try:
                options["jitter"] = parse_duration(value)
            except (ValueError, OverflowError) as exc:
                check.fail("jitter", f"'jitter': {exc} (or a number of seconds, 0 for none)")
        if options["jitter"] < 0:
            check.fail("jitter", f"'jitter' must be 0 or more, not {options['jitter']}")
        if options["jitter"] > MAX_DURATION:
            check.fail("jitter", "'jitter' must be at most 366d")
    return options


def _timezone(check: Checker) -> str:
    name = check.get("timezone", str)
    try:
        if len(name) > 64:  # no zone name is this long; the lookup would ask the disk
            raise ValueError(name)
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        close = difflib.get_close_matches(name[:64], sorted(zoneinfo.available_timezones()), n=1)
        hint = f"did you mean {close[0]!r}?" if close else "use an IANA name like 'Europe/Berlin'"
        check.fail("timezone", f"unknown timezone {name[:64]!r}; {hint}")
    return str(name)


def _timeout(check: Checker) -> Timeout:
    value = check.mapping["timeout"]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        check_schema(check, "timeout", float(value), schema_of(Timeout, "read"), name="timeout")
        return Timeout(connect=float(value), read=float(value))
    sub = Checker(check.path, value, f"{check.where}.timeout", TIMEOUT_KEYS)
    defaults = Timeout()
    values = {key: sub.get(key, float, getattr(defaults, key)) for key in TIMEOUT_KEYS}
    for key, item in values.items():
        check_range(sub, Timeout, key, item)
    return Timeout(**values)


def _headers(check: Checker) -> tuple[tuple[str, str], ...]:
    value = check.mapping["headers"]
    if not isinstance(value, YamlMapping):
        check.fail("headers", "'headers' must be a mapping of header names to values")
    headers = []
    schema = schema_of(Source, "headers")
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, (str, int)) or isinstance(item, bool):
            check.fail("headers", f"header {str(key)[:100]!r} must have a string value")
        check_schema(check, "headers", key, schema["propertyNames"], name=f"header {key[:100]}")
        text = str(item)
        check_schema(
            check, "headers", text, schema["additionalProperties"], name=f"header {key}'s value"
        )
        headers.append((key, text))
    return tuple(headers)


def _url(check: Checker, key: str, base_dir: Path, *, required: bool) -> str | None:
    value: str | None = check.require(key, str) if required else check.get(key, str)
    if value is None:
        return None
    parts = parse_url(check, key, value)
    if parts.scheme in ("http", "https"):
        if not parts.hostname:
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


def _render(check: Checker) -> str:
    value = check.get("render", str)
    if value != "browser":
        check.fail("render", f"'render' can only be 'browser' (headless Chromium), not {value!r}")
    return str(value)


def _selectors(name: str, raw: Any, where: str, syntax: str = "parsel") -> Selectors:
    check = Checker(name, raw, f"{where}.select", SELECT_KEYS)
    values = {key: check.get(key, str) for key in SELECT_KEYS}
    if not values["item"]:
        check.require("item", str)
    if values["date_regex"]:
        try:
            re.compile(values["date_regex"])
        except re.error as exc:
            check.fail("date_regex", f"'date_regex' is not a valid regular expression: {exc}")
    for key in ("item", "title", "link", "date", "summary", "category", "image", "next", "author"):
        if values[key]:
            _check_selector(check, key, values[key], syntax)
    return Selectors(**values)


def _check_selector(check: Checker, key: str, selector: str, syntax: str = "parsel") -> None:
    if syntax == "jmespath":  # format: json
        from ..extract.jsonapi import expression_problem  # jmespath, imported lazily

        problem = expression_problem(selector)
        if problem is not None:
            check.fail(key, f"{key!r} is not a valid JMESPath expression {selector!r}: {problem}")
        return
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
