"""decode: bytes to text the way browsers mostly do it, never failing.

w3lib.encoding finds the BOM and the declarations and maps the labels; the cases marked
"ours" are the rules publisher keeps on top of it, each with the reason."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.decode import decode
from publisher.fetch import fetch_page, make_session
from publisher.model import Source, Timeout

from .support.server import Reply

TEXT = "Grüße, café – “quoted”"
META = '<meta charset="iso-8859-1">'


@pytest.mark.parametrize(
    ("data", "http_charset", "text", "encoding"),
    [
        (TEXT.encode("utf-8"), None, TEXT, "utf-8"),
        # a BOM wins over every declaration: it cannot be there by accident
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "iso-8859-1", TEXT, "utf-8"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), None, TEXT, "utf-16-le"),
        (codecs.BOM_UTF16_BE + (META + TEXT).encode("utf-16-be"), "utf-8", META + TEXT,
         "utf-16-be"),
        # declared in HTTP; latin-1 and ascii are read as windows-1252, as browsers do
        ("café".encode("cp1252"), "ISO-8859-1", "café", "cp1252"),
        (b"\x93quoted\x94", "us-ascii", "“quoted”", "cp1252"),
        ("Grüße".encode("iso8859-15"), "iso-8859-15", "Grüße", "iso8859-15"),
        ("Grüße".encode("iso8859-15"), '"iso-8859-15"', "Grüße", "iso8859-15"),
        # declared in <meta>, nothing in HTTP
        (META.encode() + b"<p>caf\xe9</p>", None, META + "<p>café</p>", "cp1252"),
        (
            b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">\x93q\x94',
            None,
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">“q”',
            "cp1252",
        ),
        # declared in an XML declaration
        (b'<?xml version="1.0" encoding="koi8-r"?><p>\xee\xcf\xd7</p>', None,
         '<?xml version="1.0" encoding="koi8-r"?><p>Нов</p>', "koi8-r"),
        # gb2312 is read as gb18030, its superset (what browsers do)
        ('<meta charset="gb2312">新闻'.encode("gb18030"), None, '<meta charset="gb2312">新闻',
         "gb18030"),
        # ours: a Latin-1 declaration over bytes that are really UTF-8 (a re-saved page)
        (META.encode() + "geschützt".encode(), None, META + "geschützt", "utf-8"),
        ("geschützt".encode(), "iso-8859-1", "geschützt", "utf-8"),
        # ours: nothing declared, not UTF-8: windows-1252 (w3lib: UTF-8 with U+FFFD)
        (b"caf\xe9", None, "café", "cp1252"),
        # declared UTF-8 is trusted even when bytes are broken
        (b"<meta charset=utf-8>caf\xe9", None, "<meta charset=utf-8>caf\ufffd", "utf-8"),
        # an unknown declared charset is ignored
        (TEXT.encode("utf-8"), "x-made-up", TEXT, "utf-8"),
        # an unknown HTTP charset lets the <meta> speak
        (META.encode() + b"caf\xe9", "x-made-up", META + "café", "cp1252"),
        # a declaration inside a comment, or a content= without http-equiv, declares nothing
        (b'<!-- <meta charset="koi8-r"> -->caf\xe9', None, '<!-- <meta charset="koi8-r"> -->café',
         "cp1252"),
        (b'<meta name="x" content="charset=koi8-r">caf\xe9', None,
         '<meta name="x" content="charset=koi8-r">café', "cp1252"),
    ],
)  # fmt: skip
def test_decode(data: bytes, http_charset: str | None, text: str, encoding: str) -> None:
    assert decode(data, http_charset=http_charset) == (text, encoding)


def test_a_meta_declaration_is_only_looked_for_at_the_top() -> None:
    data = b" " * 5000 + b'<meta charset="koi8-r">\xee\xcf\xd7'
    assert decode(data) == (data.decode("cp1252"), "cp1252")
    assert decode(b'<meta charset="koi8-r">\xee\xcf\xd7') == (
        '<meta charset="koi8-r">Нов',
        "koi8-r",
    )


# ours: names Python knows but that are no encoding a page can be written in. w3lib hands
# them back (and bytes.decode raises LookupError or UnicodeError with them); they are
# ignored as if nothing were declared, so the text is the same as with no declaration.
NOT_PAGE_ENCODINGS = ["base64", "rot13", "hex", "zlib", "bz2", "uu", "quopri", "undefined",
                      "idna", "punycode", "unicode_escape", "raw_unicode_escape", "utf-7",
                      "cp037", "utf-32", "\u00e9"]  # fmt: skip


@pytest.mark.parametrize("label", NOT_PAGE_ENCODINGS)
def test_a_charset_that_is_no_page_encoding_is_ignored(label: str) -> None:
    utf8 = "Grüße \\u00e9 1+2 ".encode()
    latin = "Grüße \\u00e9 1+2 ".encode("cp1252")
    assert decode(utf8, http_charset=label) == ("Grüße \\u00e9 1+2 ", "utf-8")
    assert decode(latin, http_charset=label) == ("Grüße \\u00e9 1+2 ", "cp1252")
    meta = f"<meta charset={label}>".encode("utf-8", "replace")
    assert decode(meta + utf8) == (meta.decode() + "Grüße \\u00e9 1+2 ", "utf-8")
    assert decode(meta + latin)[1] == "cp1252"


def test_utf16_is_taken_from_http_only_and_little_endian_without_a_bom() -> None:
    """ours: the WHATWG rules (w3lib reads a bare utf-16 as big-endian)."""
    assert decode("Новости".encode("utf-16-le"), http_charset="utf-16") == ("Новости", "utf-16-le")
    assert decode("Новости".encode("utf-16-be"), http_charset="UTF-16BE") == (
        "Новости",
        "utf-16-be",
    )
    # a <meta> read as ASCII cannot be in UTF-16: the declaration is a leftover
    assert decode(b'<meta charset="utf-16">caf\xc3\xa9') == ('<meta charset="utf-16">café', "utf-8")


@given(
    st.binary(max_size=200),
    st.one_of(
        st.none(),
        st.sampled_from(["utf-8", "iso-8859-1", "shift_jis", "utf-16", *NOT_PAGE_ENCODINGS]),
        st.text(max_size=20),
    ),
    st.one_of(st.none(), st.text(max_size=20)),
)
def test_any_bytes_and_any_declaration_decode(
    data: bytes, http_charset: str | None, meta: str | None
) -> None:
    if meta is not None:
        data = f"<meta charset={meta}>".encode("utf-8", "replace") + data
    text, encoding = decode(data, http_charset=http_charset)
    assert isinstance(text, str)
    codecs.lookup(encoding)


@pytest.mark.slow
def test_a_page_served_with_charset_base64_is_read_through_fetch(serve) -> None:
    """Through the normal fetch path: a server that names no text encoding in the header
    or the page gets its page read as UTF-8 (or windows-1252), not a traceback."""
    body = "<html><head><meta charset=rot13></head><body><p>Grüße</p></body></html>".encode()
    headers = (("Content-Type", "text/html; charset=base64"),)
    server = serve({"/news": Reply(body=body, headers=headers)})
    url = server.url("/news")
    src = Source(id="s", url=url, title="S", home=url, min_delay=0.0, retries=0, allow_private=True,
                 respect_robots=False, timeout=Timeout(connect=2.0, read=2.0))  # fmt: skip
    with make_session() as session:
        page = fetch_page(src, session=session, env={})
    assert page.status == 200
    assert page.text == body.decode()
