"""Raw entries in, clean :class:`Entry` records out. Pure: no I/O, no clock.

text (publisher.text)    clean_text, text_summary, cut; sanitise.sanitise_summary
links (publisher.links)  clean_link, canonical_link, text_link
entry_id          stable forever: from the canonical link, else source + title + date
fingerprint       what counts as a change of an entry
raw_key           what an entry was made from: seen again unchanged, it is not redone
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from . import __version__
from .dates import DateError, PageDates, page_dates, read_date
from .links import canonical_link, clean_link, text_link
from .model import Entry, RawEntry, Source, StoredEntry
from .sanitise import sanitise_summary
from .text import (
    MAX_CATEGORY,
    MAX_SUMMARY,
    MAX_TITLE,
    clean_text,
    cut,
    text_summary,
)

log = logging.getLogger(__name__)


_ID_NAMESPACE = uuid.NAMESPACE_URL
_DATE_HINT = "set select.date_format for a fixed format, languages or date_order if needed"
# Part of every raw key, with the package version (so every release normalises each
# entry once again): raise it whenever normalise_entry gives another result for the same
# raw entry and settings, so that no stored entry is reused across the change.
# 2: entries without a link of their own link to home#:~:text=<title>
# 3: titles, summaries and categories are capped (see cut)
# 4: dates in many languages, page-level order (issue 13)
NORMALISE_VERSION = 4


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
