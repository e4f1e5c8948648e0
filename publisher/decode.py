"""Bytes -> text, the way browsers mostly do it, without ever failing.

Order: a byte-order mark; then the declared charset (HTTP header, then ``<meta>``),
unless the bytes are valid UTF-8 with non-ASCII characters while the declaration names a
single-byte Latin charset (a common lie: the page was re-saved as UTF-8 and the
declaration kept); then UTF-8; then windows-1252. Undecodable bytes become U+FFFD.
"""

from __future__ import annotations

import codecs
import re

_META = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_LATIN = frozenset({"iso8859-1", "cp1252", "iso8859-15", "latin-1", "ascii"})


def meta_charset(data: bytes) -> str | None:
    """The charset a ``<meta>`` tag in the first 4 KB declares, if any."""
    match = _META.search(data[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def decode(data: bytes, *, http_charset: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding used)``."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace"), encoding
    declared = _codec(http_charset) or _codec(meta_charset(data))
    if declared and declared != "utf-8":
        if declared in _LATIN and not data.isascii():
            try:
                return data.decode("utf-8"), "utf-8"
            except UnicodeDecodeError:
                pass
        if declared == "iso8859-1":
            declared = "cp1252"  # what browsers do: the C1 range is Windows punctuation
        return data.decode(declared, errors="replace"), declared
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        if declared == "utf-8":
            return data.decode("utf-8", errors="replace"), "utf-8"
        return data.decode("cp1252", errors="replace"), "cp1252"
