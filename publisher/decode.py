"""Bytes -> text, the way browsers mostly do it, without ever failing.

:mod:`w3lib.encoding` reads the byte-order mark, the HTTP charset and the page's own
declaration (``<meta charset>``, ``<meta http-equiv="Content-Type">``, ``<?xml
encoding?>``; not inside comments, not past ``<body>``) and maps the labels the way the
WHATWG Encoding Standard does (latin-1 and ascii -> windows-1252, gb2312 -> gb18030,
shift_jis -> cp932; utf-7 refused). Order: the BOM, then the HTTP charset, then the page's
declaration. On top of that, rules of ours where w3lib's answer is worse:

- A single-byte Latin declaration over bytes that are valid UTF-8 with non-ASCII
  characters is a lie (the page was re-saved as UTF-8 and the declaration kept): UTF-8.
- Nothing declared: UTF-8 when the bytes are valid UTF-8, else windows-1252
  (w3lib would decode as UTF-8 and turn every accented Latin letter into U+FFFD).
- A declaration that names no encoding a web page can be written in (``base64``,
  ``rot13``, ``hex``, ``zlib``, ``unicode_escape``, EBCDIC: anything that does not read
  ASCII markup as itself) is ignored as if it were not there; w3lib hands such names back
  and decoding with them raises. UTF-16 is taken from the HTTP header only (a page that
  declares it in ASCII markup cannot be UTF-16), little-endian when no BOM says
  otherwise, as browsers do (w3lib takes big-endian).

Undecodable bytes become U+FFFD.
"""

from __future__ import annotations

import contextlib
import functools

from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding, to_unicode

_LATIN = frozenset({"cp1252", "iso8859-15"})  # what latin-1, ascii and their kin resolve to
_UTF16 = frozenset({"utf-16", "utf-16-le", "utf-16-be"})
# ASCII markup, a backslash escape and a '+' (utf-7 and unicode_escape read these otherwise)
_PROBE = b"<meta charset='x'> \\u00e9 1+2=3 &amp; ~\n"


@functools.lru_cache(maxsize=64)
def _reads_ascii(encoding: str) -> bool:
    """Does ``encoding`` read ASCII markup as itself, as a page's encoding must?"""
    try:
        return _PROBE.decode(encoding, "replace") == _PROBE.decode("ascii")
    except (LookupError, UnicodeError, ValueError):  # not a text codec, or no 'replace'
        return False


def _resolve(label: str) -> str | None:
    try:
        return resolve_encoding(label.strip().strip("\"'"))
    except (LookupError, UnicodeError, ValueError):  # e.g. a NUL in the label
        return None


def _declared(data: bytes, http_charset: str | None) -> str | None:
    """The encoding the HTTP charset, else the page itself, declares, if it is usable."""
    if http_charset:
        encoding = _resolve(http_charset)
        if encoding in _UTF16:
            return "utf-16-le" if encoding == "utf-16" else encoding
        if encoding is not None and _reads_ascii(encoding):
            return encoding
    encoding = html_body_declared_encoding(data)
    return encoding if encoding is not None and _reads_ascii(encoding) else None


def decode(data: bytes, *, http_charset: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding used)``."""
    bom, mark = read_bom(data)
    if bom is not None and mark is not None:
        return to_unicode(data[len(mark) :], bom), bom
    declared = _declared(data, http_charset)
    if declared is None:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            return to_unicode(data, "cp1252"), "cp1252"
    if declared in _LATIN and not data.isascii():
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode("utf-8"), "utf-8"
    return to_unicode(data, declared), declared
