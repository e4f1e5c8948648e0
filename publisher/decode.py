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


# Codecs Python has that no page is written in: bytes-to-bytes (base64, hex, rot13, zip)
# are refused by their CodecInfo; these are text codecs by Python's account, yet they read
# escapes or domain names, not a page's characters (idna even refuses errors="replace").
_NOT_PAGE_ENCODINGS = frozenset(
    {"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined", "utf-7"}
)


def _codec(name: str | None) -> str | None:
    """The codec a declared charset names, or None when it names no page encoding."""
    if not name or len(name) > 40:
        return None
    try:
        info = codecs.lookup(name.strip().strip("\"'"))
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_PAGE_ENCODINGS:
        return None
    return info.name


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
        try:
            return data.decode(declared, errors="replace"), declared
        except (UnicodeError, LookupError, ValueError, TypeError):
            declared = None  # a codec that cannot read this page: fall back as undeclared
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        if declared == "utf-8":
            return data.decode("utf-8", errors="replace"), "utf-8"
        return data.decode("cp1252", errors="replace"), "cp1252"
