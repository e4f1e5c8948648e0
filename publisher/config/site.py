"""The ``site`` block -> :class:`~publisher.model.Site`: where the output is published,
which files are written, and which addresses may be fetched."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

from ..model import Site
from ..model.config import yaml_keys
from ..render import OUTPUTS
from ..store.connection import POSTGRES_SCHEMES
from .check import Checker
from .ranges import check_range, parse_url, schema_of

SITE_KEYS = yaml_keys(Site)
DIGESTS = ("daily", "weekly")


def build_site(top: Checker, name: str, base_dir: Path) -> Site:
    if not top.has("site"):
        top.fail("site", "missing required key 'site' (with at least 'base_url')")
    check = Checker(name, top.mapping["site"], "site", SITE_KEYS)
    base_url = check.require("base_url", str)
    parts = parse_url(check, "base_url", base_url)
    if parts.username is not None or parts.password is not None:
        check.fail("base_url", "'base_url' must not hold a user name or password: it is published")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        check.fail(
            "base_url",
            f"'base_url' must be the http(s) address where feeds/ is published, not {base_url!r}",
        )
    if not base_url.endswith("/"):
        base_url += "/"
    hub = check.get("websub_hub", str)
    if hub is not None:
        hub_parts = parse_url(check, "websub_hub", hub)
        if hub_parts.scheme not in ("http", "https") or not hub_parts.netloc:
            check.fail(
                "websub_hub",
                f"'websub_hub' must be the http(s) address of a WebSub hub, not {hub!r}",
            )
    contact = check.get("contact", str)
    check_range(check, Site, "contact", contact)
    workers = check.positive("workers", int, 8)
    check_range(check, Site, "workers", workers)
    processes = check.positive("processes", int, None)
    check_range(check, Site, "processes", processes)
    return Site(
        base_url=base_url,
        output=_location(check.get("output", str, "feeds"), base_dir, ("s3://",)),
        state=_location(check.get("state", str, ".publisher/state.db"), base_dir, POSTGRES_SCHEMES),
        contact=contact,
        workers=workers,
        processes=processes,
        websub_hub=hub,
        allow_private=check.get("allow_private", bool, False),
        allow_addresses=_networks(check),
        **site_outputs(check),
    )


def _location(value: str, base_dir: Path, schemes: tuple[str, ...]) -> Path | str:
    """A URL with one of ``schemes`` as it is; anything else a path from ``base_dir``."""
    return value if value.startswith(schemes) else base_dir / value


def site_outputs(check: Checker) -> dict[str, Any]:
    """``outputs`` (which files each source gets) and ``digest`` of the site block."""
    options: dict[str, Any] = {}
    if check.has("outputs"):
        value = check.mapping["outputs"]
        names = value if isinstance(value, list) else [value]
        unknown = [name for name in names if not isinstance(name, str) or name not in OUTPUTS]
        if unknown or not names:
            check.fail(
                "outputs",
                f"'outputs' lists the files to write, some of {', '.join(OUTPUTS)}; "
                f"not {unknown[0] if unknown else value!r}",
            )
        options["outputs"] = tuple(dict.fromkeys(names))
    if check.has("digest"):
        options["digest"] = digest(check)
    return options


def _networks(check: Checker) -> tuple[str, ...]:
    """``allow_addresses``: a list of addresses or CIDR networks."""
    values = check.get("allow_addresses", list, [])
    check_range(check, Site, "allow_addresses", len(values))
    if len(values) > schema_of(Site, "allow_addresses")["maxItems"]:
        check.fail("allow_addresses", "'allow_addresses' lists too many networks (at most 100)")
    networks = []
    for value in values:
        try:
            networks.append(str(ipaddress.ip_network(str(value), strict=False)))
        except ValueError:
            check.fail(
                "allow_addresses",
                f"'allow_addresses': {value!r} is not an address or network; write "
                "169.254.169.254/32 or fd00::/8",
            )
    return tuple(networks)


def digest(check: Checker) -> str:
    value = check.get("digest", str)
    if value not in DIGESTS:
        check.fail("digest", f"'digest' must be one of {', '.join(DIGESTS)}, not {value!r}")
    return str(value)
