"""Links as the feeds show them and as ids are made from them. Pure.

clean_link        absolute, no fragment, no tracking parameters (what the feed shows)
canonical_link    scheme-, www-, port- and order-free form (what the id is made of)
text_link         home with a text fragment, for an entry without a link of its own
"""

from __future__ import annotations

import contextlib
import functools
import re
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from .text import clean_text

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "igshid", "twclid",
        "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "vero_id",
        "oly_anon_id", "oly_enc_id", "wt_mc", "ref_src", "s_cid", "cmpid",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_",)

URL_SCHEMES = frozenset({"http", "https", "mailto"})


def text_link(home: str, title: str) -> str:
    """The link of an entry without one of its own: ``home`` with a text fragment
    (``#:~:text=<title>``) that browsers scroll to and highlight, so that every entry of a
    page has a link of its own. The id does not change with it: an entry without a link
    of its own gets its id from its title and date (:func:`entry_id`), and neither the
    id nor the fingerprint reads a fragment (:func:`canonical_link`)."""
    text = quote(title, safe="").replace("-", "%2D")  # '-' marks prefix/suffix in a directive
    return f"{home.split('#', 1)[0]}#:~:text={text}"


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def clean_link(link: str, *, base_url: str) -> str | None:
    """The link as the feed shows it: absolute, no fragment, no tracking parameters.

    Returns ``None`` for links that lead nowhere a reader can go (``javascript:``,
    empty, unparseable).
    """
    link = clean_text(link)
    if not link:
        return None
    try:
        absolute = urljoin(base_url, link)
        parts = urlsplit(absolute)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in URL_SCHEMES or (scheme != "mailto" and not parts.netloc):
        return None
    query = "&".join(
        pair for pair in parts.query.split("&") if pair and not _is_tracking(pair.split("=")[0])
    )
    netloc = parts.netloc.lower() if "@" not in parts.netloc else parts.netloc
    return urlunsplit((scheme, netloc, parts.path or ("/" if parts.netloc else ""), query, ""))


@functools.lru_cache(maxsize=4096)  # pure, and called 3 times per entry with the same link
def canonical_link(link: str) -> str:
    """The form two links that mean the same page share: the key an entry id is made of.

    Lower-case host without ``www.``, trailing dot and default ports; no scheme (http and
    https are the same page); no user info, no fragment, no tracking parameters; the
    remaining parameters sorted; percent escapes in the path in one form (upper-case hex,
    unreserved characters decoded, non-ASCII encoded). Idempotent, and it never raises: a
    link it cannot parse is its own key.

    Changing this function changes the id of every stored entry: entries would be shown
    as new again. Do it only with a store migration that rewrites the ids.
    """
    text = link.strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return text
    query = _canonical_query(parts.query)
    suffix = f"?{query}" if query else ""
    host = _canonical_host(host)
    if not host:  # mailto:, urn:, a relative link: no host to canonicalise
        path = _canonical_path(parts.path)
        if path.startswith("//"):
            path = "/" + path.lstrip("/")  # would read back as a host
        scheme = f"{parts.scheme}:" if parts.scheme else ""
        return f"{scheme}{path}{suffix}"
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port not in (80, 443):
        netloc += f":{port}"
    return f"//{netloc}{_canonical_path(parts.path) or '/'}{suffix}"


def _canonical_host(host: str) -> str:
    host = host.rstrip(".")
    if not host.isascii():
        with contextlib.suppress(UnicodeError):  # not a valid international name: keep it
            host = host.encode("idna").decode("ascii")
    host = host.lower().rstrip(".")
    while host.startswith("www."):
        host = host[4:]
    return host


_PERCENT = re.compile("%([0-9A-Fa-f]{2})")
_LONE_PERCENT = re.compile("%(?![0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


def _canonical_path(path: str) -> str:
    """One spelling per path (RFC 3986 section 6.2.2): ``/caf%c3%a9`` == ``/café``."""
    path = _LONE_PERCENT.sub("%25", path)
    path = quote(path, safe=_PATH_SAFE, errors="replace")

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return _PERCENT.sub(fix, path)


def _canonical_query(query: str) -> str:
    """Tracking parameters gone, the others decoded, sorted and encoded one way."""
    params = sorted(
        (key, value)
        for key, value in parse_qsl(query, keep_blank_values=True)
        if not _is_tracking(key)
    )
    return urlencode(params, errors="replace")
