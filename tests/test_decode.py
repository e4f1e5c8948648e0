"""decode: bytes to text the way browsers mostly do it, never failing."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.decode import decode, meta_charset

TEXT = "Grüße, café – “quoted”"
META = '<meta charset="iso-8859-1">'


@pytest.mark.parametrize(
    ("data", "http_charset", "text", "encoding"),
    [
        (TEXT.encode("utf-8"), None, TEXT, "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "iso-8859-1", TEXT, "utf-8"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), None, TEXT, "utf-16-le"),
        # declared in HTTP
        ("café".encode("cp1252"), "ISO-8859-1", "café", "cp1252"),
        ("Grüße".encode("iso8859-15"), "iso-8859-15", "Grüße", "iso8859-15"),
        # declared in <meta>, nothing in HTTP
        (META.encode() + b"<p>caf\xe9</p>", None, META + "<p>café</p>", "cp1252"),
        (
            b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">\x93q\x94',
            None,
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">“q”',
            "cp1252",
        ),
        # a Latin-1 declaration over bytes that are really UTF-8 (a re-saved page)
        (META.encode() + "geschützt".encode(), None, META + "geschützt", "utf-8"),
        # nothing declared, not UTF-8: windows-1252
        (b"caf\xe9", None, "café", "cp1252"),
        # an unknown declared charset is ignored
        (TEXT.encode("utf-8"), "x-made-up", TEXT, "utf-8"),
    ],
)  # fmt: skip
def test_decode(data: bytes, http_charset: str | None, text: str, encoding: str) -> None:
    assert decode(data, http_charset=http_charset) == (text, encoding)


def test_meta_charset_is_only_looked_for_at_the_top() -> None:
    assert meta_charset(b"<meta charset=utf-8>") == "utf-8"
    assert meta_charset(b" " * 5000 + b'<meta charset="koi8-r">') is None


@given(st.binary(max_size=200), st.sampled_from([None, "utf-8", "iso-8859-1", "shift_jis"]))
def test_any_bytes_decode(data: bytes, http_charset: str | None) -> None:
    text, encoding = decode(data, http_charset=http_charset)
    assert isinstance(text, str)
    codecs.lookup(encoding)
