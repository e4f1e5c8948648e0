"""The records that flow down the pipeline: Page -> RawEntry -> Entry -> StoredEntry;
and RobotsFile, a host's robots.txt as the store keeps it between runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """A fetched page: the decoded text and where it finally came from."""

    url: str  # the final URL after redirects: the base for relative links
    text: str
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    permanent_redirect: str | None = None  # set when the source URL moved for good
    # kinds of source (issue 16): the further list pages or child sitemaps followed
    # (publisher.follow), and titles read from the pages a sitemap lists (url, title)
    more: tuple[Page, ...] = ()
    titles: tuple[tuple[str, str], ...] = ()
    language: str | None = None  # BCP 47 tag from Content-Language (extract adds <html lang>)


@dataclass(frozen=True, slots=True, kw_only=True)
class RawEntry:
    """An entry as found on the page: strings, nothing cleaned or parsed yet."""

    title: str
    link: str | None = None
    date: str | None = None
    summary: str | None = None  # HTML when summary_is_html, else plain text
    summary_is_html: bool = False
    category: str | None = None
    image: str | None = None
    author: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """A normalised entry: clean text, absolute links, an aware UTC date, a stable id."""

    id: str
    title: str
    link: str
    summary: str  # sanitised HTML ('' when the page has none)
    category: str | None
    published: datetime | None  # None: the page gives no (usable) date
    fingerprint: str
    image: str | None = None  # absolute URL of the entry's picture
    raw_key: str | None = None  # what it was made from (normalise.raw_key), to reuse it
    author: str | None = None  # the entry's own author (select.author)


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredEntry:
    """An entry as the store remembers it, with the times the store owns."""

    source: str
    id: str
    title: str
    link: str
    summary: str
    category: str | None
    published: datetime  # page date, or first_seen when the page has none; never moves
    updated: datetime  # moves only when the content fingerprint changes
    first_seen: datetime
    last_seen: datetime
    fingerprint: str
    seq: int  # insertion order: breaks ties between equal dates, top of page wins
    image: str | None = None
    raw_key: str | None = None  # the raw entry it was last made from (None: stored before v6)
    content: str | None = None  # the article's sanitised HTML (full_text), None: not fetched
    author: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Origin:
    """Where an entry of a collection comes from: named in its feed (Atom/RSS source)."""

    title: str
    url: str  # the source's own RSS feed (RSS source url)
    atom_url: str  # its Atom feed (Atom source link rel=self)
    id: str  # its Atom feed id
    updated: datetime  # its feed's updated date


@dataclass(frozen=True, slots=True, kw_only=True)
class RobotsFile:
    """A host's robots.txt as fetched: kept in the store so the next run need not ask."""

    host: str  # scheme://host:port, as hosts.host_key gives it
    fetched_at: datetime
    status: int  # HTTP status; 2xx: ``body`` holds the rules, 4xx: no rules
    body: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceState:
    """What the store knows about one source's fetches."""

    id: str
    etag: str | None = None
    last_modified: str | None = None
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_status: int | None = None
    failures: int = 0
    last_error: str | None = None
    error_kind: str | None = None
    entries_seen: int | None = None
    layout_failures: int = 0  # consecutive runs without usable entries
    feed_digest: str | None = None  # stamp of the files last written; None: they are behind
    worker: str | None = None  # the `publisher worker` that last ran it (None: run, schedule)
    entries_stored: int = 0
    newest: datetime | None = None
