"""Raw entries in, clean :class:`Entry` records out. Pure: no I/O, no clock.

clean_text        entities decoded, control characters gone, whitespace collapsed
sanitise_summary  allowed HTML only, links absolute
clean_link        absolute, no fragment, no tracking parameters (what the feed shows)
canonical_link    scheme-, www-, port- and order-free form (what the id is made of)
entry_id          stable forever: from the canonical link, else source + title + date
fingerprint       what counts as a change of an entry
raw_key           what an entry was made from: seen again unchanged, it is not redone
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import logging
import re
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

import nh3

from . import __version__
from .dates import DateError, PageDates, page_dates, read_date
from .model import Entry, RawEntry, Source, StoredEntry

log = logging.getLogger(__name__)

# C0 controls (but tab, newline, carriage return), DEL, C1 controls, and the code points
# XML 1.0 forbids: feedgen refuses strings that contain them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# Whitespace is collapsed with str.split(), which splits on exactly what the regular
# expression \s matches in text (every code point checked), at a third of the cost.

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "igshid", "twclid",
        "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "vero_id",
        "oly_anon_id", "oly_enc_id", "wt_mc", "ref_src", "s_cid", "cmpid",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_",)

SUMMARY_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "cite", "code", "dd", "dl", "dt", "em",
        "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol",
        "p", "pre", "q", "s", "small", "strong", "sub", "sup", "table", "tbody", "td", "th",
        "thead", "tr", "u", "ul",
    }
)  # fmt: skip
SUMMARY_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_ID_NAMESPACE = uuid.NAMESPACE_URL
_DATE_HINT = "set select.date_format for a fixed format, languages or date_order if needed"
# Part of every raw key, with the package version (so every release normalises each
# entry once again): raise it whenever normalise_entry gives another result for the same
# raw entry and settings, so that no stored entry is reused across the change.
# 2: entries without a link of their own link to home#:~:text=<title>
# 3: titles, summaries and categories are capped (see cut)
# 4: dates in many languages, page-level order (issue 13)
NORMALISE_VERSION = 4
# Text caps: a 9.6 MB title made a 10 MB feed that XML parsers refuse. Longer text is cut
# at a word, with an ellipsis.
MAX_TITLE = 1_000
MAX_SUMMARY = 20_000  # characters of the page's fragment, before sanitising
MAX_CATEGORY = 200
ELLIPSIS = "\u2026"


def cut(text: str, limit: int) -> str:
    """``text``, or its first ``limit`` characters cut back to a word, with an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ", limit // 2)
    return (head[:space] if space > 0 else head).rstrip() + ELLIPSIS


def clean_text(text: str) -> str:
    """Decode entities, drop control characters, collapse whitespace (NBSP included)."""
    text = html.unescape(text)
    text = _CONTROL.sub("", text)
    return " ".join(text.split())


def sanitise_summary(fragment: str, *, base_url: str) -> str:
    """Keep allowed tags and attributes only; make ``href``/``src`` absolute."""
    cleaned = _cleaner(base_url).clean(_CONTROL.sub("", fragment))
    return " ".join(cleaned.split())


@functools.lru_cache(maxsize=256)
def _cleaner(base_url: str) -> nh3.Cleaner:
    """The sanitiser for one page, built once: nh3.clean would rebuild it for every entry."""

    def absolute(tag: str, attribute: str, value: str) -> str | None:
        if attribute in ("href", "src"):
            link = clean_link(value, base_url=base_url)
            return link
        return value

    return nh3.Cleaner(
        tags=set(SUMMARY_TAGS),
        attributes={tag: set(attrs) for tag, attrs in SUMMARY_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        attribute_filter=absolute,
        link_rel=None,
        strip_comments=True,
    )


def text_summary(text: str) -> str:
    """Plain text as a safe HTML fragment."""
    return html.escape(clean_text(text), quote=False)


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


def entry_id(*, source_id: str, link: str | None, title: str, date_key: str | None) -> str:
    """A URN that never changes for the same article.

    From the canonical link when the entry has its own link; otherwise from the source
    id, the case-folded title and the date as printed. Never from the fetch time or the
    summary.
    """
    if link:
        key = "link:" + canonical_link(link)
    else:
        key = f"text:{source_id}\n{title.casefold()}\n{date_key or ''}"
    return f"urn:uuid:{_uuid5(key)}"


def _uuid5(name: str) -> str:
    """``str(uuid.uuid5(NAMESPACE_URL, name))`` without building a UUID object (3x faster)."""
    digest = bytearray(hashlib.sha1(_ID_NAMESPACE.bytes + name.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def fingerprint(*, title: str, summary: str, category: str | None, link: str) -> str:
    """What counts as a change: whitespace, markup spacing and tracking parameters do not."""
    parts = (
        " ".join(title.split()),
        "".join(summary.split()),
        " ".join((category or "").split()),
        canonical_link(link),
    )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def raw_keys(raws: Sequence[RawEntry], *, source: Source, page_url: str) -> list[str]:
    """The :func:`raw_key` of each raw entry of one page."""
    context = _raw_context(source, page_url)
    return [raw_key(raw, context) for raw in raws]


def raw_key(raw: RawEntry, context: str) -> str:
    """A digest of the raw entry and of everything else :func:`normalise_entry` reads:
    the same key means the same :class:`Entry`, but for ``published``, which the store
    keeps from the first time anyway."""
    text = "\x1f".join(
        (
            context, raw.title, raw.link or "", raw.date or "", raw.summary or "",
            "html" if raw.summary_is_html else "text", raw.category or "", raw.image or "",
            raw.author or "",
        )
    )  # fmt: skip
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _raw_context(source: Source, page_url: str) -> str:
    date_format = source.select.date_format if source.select else None
    return "\x1e".join(
        (
            __version__, str(NORMALISE_VERSION), source.id, source.home, page_url, str(source.tz),
            date_format or "", "dayfirst" if source.dayfirst else "",
            ",".join(source.languages), source.date_order or "",
        )
    )  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class Normalised:
    entries: tuple[Entry, ...]
    warnings: tuple[str, ...]
    reused: int = 0  # entries taken from ``known`` instead of being normalised again


def normalise_entries(
    raws: Sequence[RawEntry],
    *,
    source: Source,
    page_url: str,
    now: datetime,
    known: Mapping[str, StoredEntry] | None = None,
    keys: Sequence[str] | None = None,
    language: str | None = None,
) -> Normalised:
    """Normalise every raw entry of one page; duplicates on the page collapse into one.
    The page's dates are read in one order decided from all of them, in the source's
    languages or the page's ``language`` (:func:`publisher.dates.page_dates`).

    ``known`` maps raw keys to stored entries (:meth:`publisher.store.Store.
    entries_by_raw_key`): a raw entry seen before exactly as it is now is taken from
    there, not normalised again. On a page that gained one entry that is all the others.
    ``keys`` are the raw keys of ``raws`` when the caller has them (:func:`raw_keys`).
    """
    entries: dict[str, Entry] = {}
    warnings: list[str] = []
    own_pages = {canonical_link(page_url), canonical_link(source.home)}
    if keys is None:
        keys = raw_keys(raws, source=source, page_url=page_url)
    reused = 0
    fixed = source.select is not None and source.select.date_format  # no order to decide
    dates = page_dates((raw.date for raw in raws if raw.date and not fixed), source, language)
    if dates.note:
        warnings.append(f"{source.id}: dates on {page_url}: {dates.note}")
    for raw, key in zip(raws, keys, strict=True):
        stored = known.get(key) if known else None
        if stored is not None:
            entry: Entry | None = Entry(
                id=stored.id, title=stored.title, link=stored.link, summary=stored.summary,
                category=stored.category, published=stored.published,
                fingerprint=stored.fingerprint, image=stored.image, raw_key=key,
                author=stored.author,
            )  # fmt: skip
            reused += 1
        else:
            entry, warning = normalise_entry(
                raw, source=source, page_url=page_url, now=now, own_pages=own_pages,
                raw_key=key, dates=dates,
            )  # fmt: skip
            if warning:
                warnings.append(warning)
        if entry is not None and entry.id not in entries:
            entries[entry.id] = entry
    return Normalised(entries=tuple(entries.values()), warnings=tuple(warnings), reused=reused)


def normalise_entry(
    raw: RawEntry,
    *,
    source: Source,
    page_url: str,
    now: datetime,
    own_pages: frozenset[str] | set[str] = frozenset(),
    raw_key: str | None = None,
    dates: PageDates | None = None,
) -> tuple[Entry | None, str | None]:
    """One raw entry to an :class:`Entry`, with a warning when something was dropped;
    ``dates``: how the page's dates are read (default: from this entry's date alone)."""
    title = cut(unicodedata.normalize("NFC", clean_text(raw.title[: MAX_TITLE * 8])), MAX_TITLE)
    if not title:
        return None, f"{source.id}: skipped an entry without a title (link {raw.link!r})"
    link = clean_link(raw.link, base_url=page_url) if raw.link else None
    if link is not None and canonical_link(link) in own_pages:
        link = None  # a link back to the listing itself is no link of the entry's own
    warning = None
    published = None
    date_key = None
    if raw.date and raw.date.strip():
        date_format = source.select.date_format if source.select else None
        dates = dates or page_dates((raw.date,), source, None)
        try:
            reading = read_date(
                raw.date, tz=source.tz, now=now, languages=dates.languages, order=dates.order,
                date_format=date_format,
            )  # fmt: skip
            published = reading.value
            if not reading.relative:  # "vor 2 Tagen" reads another day tomorrow: not in the id
                date_key = published.astimezone(source.tz).date().isoformat()
        except DateError as exc:
            hint = "check select.date_format" if date_format else _DATE_HINT
            warning = (
                f"{source.id}: entry {title!r}: cannot read the date: {exc}; "
                f"using the time it was first seen ({hint})"
            )
    if raw.summary:
        if raw.summary_is_html:
            summary = sanitise_summary(cut(raw.summary, MAX_SUMMARY), base_url=page_url)
        else:
            summary = text_summary(cut(raw.summary, MAX_SUMMARY))
    else:
        summary = ""
    category = cut(clean_text(raw.category), MAX_CATEGORY) if raw.category else None
    author = cut(clean_text(raw.author), MAX_CATEGORY) if raw.author else None
    shown_link = link or text_link(source.home, title)
    image = clean_link(raw.image, base_url=page_url) if raw.image else None
    if image is not None and not image.startswith(("http://", "https://")):
        image = None
    return (
        Entry(
            id=entry_id(source_id=source.id, link=link, title=title, date_key=date_key),
            title=title,
            link=shown_link,
            summary=summary,
            category=category or None,
            published=published,
            image=image,
            fingerprint=fingerprint(
                title=title, summary=summary, category=category, link=shown_link
            ),
            raw_key=raw_key,
            author=author or None,
        ),
        warning,
    )
