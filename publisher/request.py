"""What goes out with every request for one source: its headers (``${VAR}`` read from
the environment), the conditional-GET validators and the User-Agent; and what must never
come back out: header values taken from the environment or holding credentials are
secrets, redacted from every message."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import requests

from .errors import ConfigError, FetchError
from .model import Source
from .retrieve import Validators
from .transport import user_agent

ENV_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """What goes out with every request for one source, and what must never come back out."""

    headers: dict[str, str]  # the source's own headers, ${ENV} expanded (may hold secrets)
    conditional: dict[str, str]  # If-None-Match / If-Modified-Since
    secrets: tuple[str, ...]  # values taken from the environment: redacted from messages
    user_agent: str


def prepare(
    source: Source, session: requests.Session, validators: Validators, env: Mapping[str, str]
) -> Request:
    headers: dict[str, str] = {}
    secrets: list[str] = []
    for name, value in source.headers:
        try:
            expanded = expand_env(value, env)
        except ConfigError as exc:
            raise FetchError(source.url, f"header {name}: {exc}") from None
        secrets.extend(env[var] for var in ENV_VAR.findall(value) if env[var])
        if name.lower() in ("authorization", "proxy-authorization", "cookie"):
            secrets.append(expanded)  # from the URL's user:password, or written in the file
        if _BAD_HEADER_VALUE.search(expanded) or expanded != expanded.strip():
            raise FetchError(
                source.url,
                f"header {name}: the value has a line break or surrounding spaces (check the "
                "environment variables it uses); the value is not shown",
            )
        headers[name] = expanded
    conditional: dict[str, str] = {}
    if validators.etag:
        conditional["If-None-Match"] = validators.etag
    if validators.last_modified:
        conditional["If-Modified-Since"] = validators.last_modified
    agent = source.user_agent or str(session.headers.get("User-Agent") or user_agent(None))
    return Request(
        headers=headers,
        conditional=conditional,
        secrets=tuple(sorted(set(secrets), key=len, reverse=True)),
        user_agent=agent,
    )


_BAD_HEADER_VALUE = re.compile(r"[\r\n\x00]")


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every secret replaced by ``***``."""
    for secret in secrets:
        text = text.replace(secret, "***").replace(repr(secret)[1:-1], "***")
    return text


def expand_env(value: str, env: Mapping[str, str]) -> str:
    """Replace ``${NAME}`` with ``env[NAME]``; a missing variable is a :class:`ConfigError`."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise ConfigError(f"environment variable {name} is not set; export it before running")
        return env[name]

    return ENV_VAR.sub(replace, value)
