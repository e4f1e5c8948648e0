"""Every value within its range: the limits written in the records' field schemas.

    check_range     a number finite and within ``minimum``/``maximum`` (``.nan``, ``.inf``
                    and ``1e29`` refused), a string within ``maxLength`` and ``pattern``
                    (no control characters where the text reaches a header or the XML)
    url_parts       a URL split, or the reason it does not parse (``http://[::1/x``)
    credentials     ``user:password@`` taken out of a URL, as an ``Authorization`` header

The limits live in one place, :mod:`publisher.model.config`, so that the JSON Schema
given to editors and the checks made here say the same.
"""

from __future__ import annotations

import base64
import functools
import math
import re
from dataclasses import fields
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from ..model.config import SCHEMA
from .check import Checker

MAX_DURATION = 366 * 24 * 3600  # seconds: 'every' and 'jitter'


@functools.cache
def _schemas(record: type) -> dict[str, dict[str, Any]]:
    return {item.name: dict(item.metadata.get(SCHEMA, {})) for item in fields(record)}


def schema_of(record: type, key: str) -> dict[str, Any]:
    return _schemas(record).get(key, {})


def check_range(check: Checker, record: type, key: str, value: Any) -> None:
    """Fail ``check`` at ``key`` when ``value`` is outside its field's schema."""
    check_schema(check, key, value, schema_of(record, key), name=key)


def check_schema(
    check: Checker, key: str, value: Any, schema: dict[str, Any], *, name: str
) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, (int, float)):
        _check_number(check, key, value, schema, name)
    elif isinstance(value, str):
        limit = schema.get("maxLength")
        if limit is not None and len(value) > limit:
            check.fail(key, f"{name!r} is {len(value)} characters long; at most {limit}")
        pattern = schema.get("pattern")
        if pattern is not None and not re.search(pattern, value):
            if re.search(r"[\x00-\x1f\x7f]", value):
                check.fail(
                    key,
                    f"{name!r} holds a control character (line break, tab, NUL, ...); remove it",
                )
            check.fail(key, f"{name!r} {_short(value)} has characters that are not allowed")


def _check_number(
    check: Checker, key: str, value: float, schema: dict[str, Any], name: str
) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        check.fail(key, f"{name!r} must be a finite number, not {value!r}")
    low = schema.get("minimum")
    above = schema.get("exclusiveMinimum")
    high = schema.get("maximum")
    if low is not None and not value >= low:
        check.fail(key, f"{name!r} must be {low} or more, not {_short(value)}")
    if above is not None and not value > above:
        check.fail(key, f"{name!r} must be greater than {above}, not {_short(value)}")
    if high is not None and not value <= high:
        check.fail(key, f"{name!r} must be at most {high:,}, not {_short(value)}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def url_parts(value: str) -> SplitResult | str:
    """``value`` split, or why it cannot be (a bad IPv6 literal, port, or character)."""
    if re.search(r"[\x00-\x20\x7f]", value):
        return "it holds a space or control character; percent-encode it (%20)"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError as exc:
        return str(exc)
    return parts


def credentials(parts: SplitResult) -> tuple[str, str | None]:
    """The URL without ``user:password@``, and the ``Authorization`` header they make."""
    if "@" not in parts.netloc:
        return urlunsplit(parts), None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode("ascii")
    bare = urlunsplit(parts._replace(netloc=hostport))
    return bare, f"Basic {token}"


def parse_url(check: Checker, key: str, value: str) -> SplitResult:
    """The parts of the URL ``value`` of ``key``; a config error when it does not parse."""
    parts = url_parts(value)
    if isinstance(parts, str):
        check.fail(key, f"{key!r} {value[:200]!r} is not a valid URL: {parts}")
    assert not isinstance(parts, str)
    return parts
