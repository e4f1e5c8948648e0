"""Every error publisher raises on purpose.

    PublisherError                 base: catch this to catch them all
    ├── ConfigError                sources.yaml cannot be used (file, line, key)
    ├── SourceError                one source failed; the others go on
    │   ├── FetchError             network, HTTP status, file not readable
    │   │   ├── TlsError           the server's certificate or TLS handshake failed
    │   │   ├── AddressRefused     the address policy refuses the address (allow_private)
    │   │   └── DeadlineError      timeout.total passed (a slow or endless answer)
    │   └── ExtractError           the page has no entries we can use
    │       └── LayoutChangedError a source that had entries now has (almost) none
    ├── StoreError                 the SQLite state store cannot be used
    │   └── StoreLostError         the store lost history the feed files still show
    ├── OutputError                a feed file or the output folder cannot be written
    ├── ClockError                 the system clock is not believable: the run stops
    └── LockError                  another run holds the state folder

A message says what failed, where, and what to do next. Every class names its
``kind`` (``fetch``, ``extract``, ``layout``, ...): the run report and the store keep
that word, and code tells errors apart by class or kind, never by their text.
"""

from __future__ import annotations


class PublisherError(Exception):
    """Base class of every error publisher raises on purpose."""

    kind = "internal"


class ConfigError(PublisherError):
    """The configuration file cannot be used.

    ``path`` and ``line`` point at the problem when they are known.
    """

    kind = "config"

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        self.path = path
        self.line = line
        self.detail = message
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")


class SourceError(PublisherError):
    """One source failed; its feed files are left as they were."""


class FetchError(SourceError):
    """The page could not be fetched."""

    kind = "fetch"

    def __init__(self, url: str, reason: str, *, status: int | None = None):
        self.url = url
        self.reason = reason
        self.status = status
        super().__init__(f"{url}: {reason}")


class ExtractError(SourceError):
    """The page was fetched but yielded no usable entries.

    ``names_layout``: the message already says the layout may have changed.
    """

    kind = "extract"

    def __init__(self, message: str, *, names_layout: bool = False):
        self.names_layout = names_layout
        super().__init__(message)


class LayoutChangedError(ExtractError):
    """A source that had entries now yields none, or far fewer than usual."""

    kind = "layout"


class StoreError(PublisherError):
    """The state store cannot be opened or written."""

    kind = "store"


class LockError(PublisherError):
    """Another publisher process holds the state folder."""

    kind = "lock"

    def __init__(self, message: str, *, pid: int | None = None):
        self.pid = pid
        super().__init__(message)


# -- hostile input and faults (issue 19) ---------------------------------------------------


class TlsError(FetchError):
    """The TLS handshake failed (certificate not trusted, expired, wrong host): not
    retried, since another attempt gets the same certificate."""

    kind = "tls"


class AddressRefused(FetchError):
    """The address a request would connect to is refused by the address policy."""

    kind = "address"

    def __init__(self, url: str, reason: str, *, address: str):
        self.address = address
        super().__init__(url, reason)


class DeadlineError(FetchError):
    """The fetch took longer than ``timeout.total`` (retries included)."""

    kind = "timeout"


class StoreLostError(StoreError):
    """The store is missing entries the published feeds show (lost, truncated, replaced)."""

    kind = "store"


class OutputError(PublisherError):
    """A feed file or the output folder cannot be written (disk full, read-only, ...)."""

    kind = "output"


class ClockError(PublisherError):
    """The system clock is behind what the store recorded, or far ahead of the servers'."""

    kind = "clock"
