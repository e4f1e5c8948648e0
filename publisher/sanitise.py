"""A summary's HTML made safe: allowed tags and attributes only, links absolute. Pure."""

from __future__ import annotations

import functools

import nh3

from .links import URL_SCHEMES, clean_link
from .text import CONTROL

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


def sanitise_summary(fragment: str, *, base_url: str) -> str:
    """Keep allowed tags and attributes only; make ``href``/``src`` absolute."""
    cleaned = _cleaner(base_url).clean(CONTROL.sub("", fragment))
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
