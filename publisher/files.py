"""The retriever of ``file:`` URLs: a page saved on disk (see :mod:`publisher.retrieve`)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from .decode import decode
from .errors import FetchError
from .model import Page, Source
from .retrieve import Context


def retrieve(source: Source, context: Context) -> Page:
    """The file named by the source's URL, decoded."""
    return read_file(source.url)


def read_file(url: str) -> Page:
    path = Path(unquote(urlsplit(url).path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FetchError(url, f"cannot read {path}: {exc.strerror or exc}; check 'url'") from exc
    text, _ = decode(data)
    return Page(url=url, text=text)
