"""Filters (pure), their configuration, and the merge of a collection (pure)."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from publisher.config import parse_config
from publisher.errors import ConfigError
from publisher.filters import describe, matches, verdict
from publisher.model import Collection, Rule, StoredEntry
from publisher.normalise import entry_id
from publisher.window import merge

from .support import NOW


def entry(
    title: str,
    *,
    summary: str = "",
    category: str | None = None,
    link: str = "https://example.org/a",
    source: str = "s",
    days: int = 0,
) -> StoredEntry:
    when = NOW - timedelta(days=days)
    return StoredEntry(
        source=source, id=entry_id(source_id=source, link=link, title=title, date_key=None),
        title=title, link=link, summary=summary, category=category, published=when,
        updated=when, first_seen=when, last_seen=when, fingerprint="f", seq=1,
    )  # fmt: skip


def rule(field: str, *patterns: str, where: str = "include[0]") -> Rule:
    return Rule(field=field, patterns=patterns, where=where)


@pytest.mark.parametrize(
    ("pattern", "title", "expected"),
    [
        ("climate", "Climate report published", True),
        ("climate", "CLIMATE", True),
        ("climate", "Climatic conditions", False),  # whole words only
        ("report", "Reports on the harbour", False),
        ("climate change", "Climate   change is here", True),  # a phrase, any whitespace
        ("Straße", "DIE STRASSE IST GESPERRT", True),  # full case folding
        ("климат", "Изменение КЛИМАТ в регионе", True),  # Cyrillic
        ("климат", "Изменение климата", False),  # another word form is another word
        ("Ελλάδα", "ΕΛΛΆΔΑ: νέα έκθεση", True),  # Greek, accents folded with case
        ("气候", "全球气候变化报告", True),  # Chinese: no spaces between words
        ("気候", "世界の気候変動について", True),  # Japanese
        ("المناخ", "تقرير عن تغير المناخ في المنطقة", True),  # Arabic
        ("ภูมิอากาศ", "การเปลี่ยนแปลงภูมิอากาศโลก", True),  # Thai
        ("c++", "Notes on C++ compilers", True),  # punctuation in a word
        ("/^Report:/", "Report: the harbour", True),
        ("/^Report:/", "A Report: the harbour", False),
        ("/^report:/", "Report: the harbour", False),  # regexes are case-sensitive ...
        ("/^report:/i", "Report: the harbour", True),  # ... unless /i
        (r"/\d{4}-\d{2}/", "Budget 2026-27", True),
        ("/вод[аы]/", "Качество воды", True),
    ],
)
def test_word_and_regex_rules(pattern: str, title: str, expected: bool) -> None:
    assert matches(rule("title", pattern), entry(title)) is expected


def test_fields_and_any() -> None:
    e = entry("Harbour news", summary="<p>On <b>climate</b> &amp; water</p>",
              category="Draft", link="https://example.org/energy/wind")  # fmt: skip
    assert matches(rule("summary", "climate"), e)
    assert matches(rule("summary", "water"), e)  # entities and tags do not stick to words
    assert not matches(rule("summary", "b"), e)  # markup is not text
    assert matches(rule("category", "draft"), e)
    assert matches(rule("link", "energy"), e)
    assert not matches(rule("title", "climate"), e)
    assert matches(rule("any", "climate"), e)
    assert matches(rule("any", "wind"), e)
    assert matches(rule("title", "nothing", "harbour"), e)  # a list: any of them


def test_verdict_names_the_rule() -> None:
    include = (rule("any", "climate"), rule("title", "/^Report:/", where="include[1]"))
    exclude = (rule("category", "Draft", where="exclude[0]"),)
    kept = entry("Report: harbour")
    assert verdict(kept, include=include, exclude=exclude).published
    draft = entry("Climate plan", category="Draft")
    dropped = verdict(draft, include=include, exclude=exclude)
    assert not dropped.published
    assert dropped.reason == "exclude[0] category: Draft"
    other = verdict(entry("Harbour news"), include=include, exclude=exclude)
    assert other.reason == "no include rule matched"
    assert verdict(entry("anything"), include=(), exclude=()).published
    assert describe(rule("title", "a", "b")) == "include[0] title: [a, b]"


def _config(tmp_path: Path, body: str) -> str:
    text = textwrap.dedent(
        """\
        site: {base_url: https://feeds.example.org/}
        sources:
          - id: alpha
            url: https://alpha.example.org/
            format: text
          - id: beta
            url: https://beta.example.org/
            format: text
        """
    ) + textwrap.dedent(body)
    return text


def test_config_reads_rules_defaults_and_collections(tmp_path: Path) -> None:
    text = textwrap.dedent(
        """\
        site: {base_url: https://feeds.example.org/}
        defaults:
          exclude:
            - category: Draft
          full_text: true
          max_full_text_per_run: 5
        sources:
          - id: alpha
            url: https://alpha.example.org/
            format: text
            include:
              - any: climate
              - title: ["/^Report:/", water]
          - id: beta
            url: https://beta.example.org/
            format: text
            exclude: []
            full_text: false
        collections:
          - id: everything
            title: Everything
          - id: water
            title: Water
            sources: [alpha, beta, alpha]
            include:
              - any: water
        """
    )
    config = parse_config(text, path=tmp_path / "sources.yaml")
    alpha, beta = config.sources
    assert alpha.include == (
        Rule(field="any", patterns=("climate",), where="include[0]"),
        Rule(field="title", patterns=("/^Report:/", "water"), where="include[1]"),
    )
    assert alpha.exclude == (Rule(field="category", patterns=("Draft",), where="exclude[0]"),)
    assert alpha.full_text and alpha.max_full_text_per_run == 5
    assert beta.exclude == () and not beta.full_text
    everything, water = config.collections
    assert everything.sources == () and everything.title == "Everything"
    assert water.sources == ("alpha", "beta")
    assert water.include[0].patterns == ("water",)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("collections:\n  - id: alpha\n", "also the id of a source (line 3)"),
        ("collections:\n  - {id: c}\n  - {id: c}\n", "duplicate collection id 'c'"),
        ("collections:\n  - {id: c, sources: [alpah]}\n", "did you mean 'alpha'?"),
        ("collections:\n  - {id: C}\n", "must be a slug"),
        ("collections:\n  - {id: c, include: [{titel: x}]}\n", "did you mean 'title'?"),
        ("collections:\n  - {id: c, exclude: [{title: '/(/'}]}\n", "not a valid regular expr"),
        ("collections:\n  - {id: c, include: {title: x}}\n", "must be a list of rules"),
        ("collections:\n  - {id: c, include: [{title: x, link: y}]}\n", "a rule has one field"),
        ("collections:\n  - {id: c, include: [{title: []}]}\n", "empty list"),
        ("collections:\n  - {id: c, include: [{title: ''}]}\n", "empty pattern"),
        ("collections:\n  - {id: c, include: [title]}\n", "must be a rule like"),
        ("collections:\n  - {id: c, sorces: [alpha]}\n", "did you mean 'sources'?"),
    ],
)
def test_config_errors(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(_config(tmp_path, body), path=tmp_path / "sources.yaml")
    assert message in str(caught.value)
    assert "sources.yaml:" in str(caught.value)  # the line is named


def test_filter_key_on_a_source_is_refused_with_a_hint(tmp_path: Path) -> None:
    text = _config(tmp_path, "").replace("format: text\n", "format: text\n    filter: x\n", 1)
    with pytest.raises(ConfigError, match="unknown key 'filter'"):
        parse_config(text, path=tmp_path / "sources.yaml")


def test_merge_keeps_each_article_once_with_the_earliest_date() -> None:
    shared_a = entry("Joint statement", link="https://un.example.org/joint", source="a", days=1)
    shared_b = entry("Joint statement (copy)", link="http://www.un.example.org/joint#top",
                     source="b", days=3)  # fmt: skip
    only_c = entry("Local news", link="https://c.example.org/1", source="c", days=2)
    no_link = replace(
        entry("Bulletin", source="c", days=0), id="urn:uuid:text-c", link="https://c.example.org/"
    )
    collection = Collection(id="all", title="All")
    merged = merge([[shared_a], [shared_b], [only_c, no_link]], collection=collection)
    assert [e.title for e in merged] == ["Bulletin", "Local news", "Joint statement (copy)"]
    assert merged[2].source == "b"  # the copy published first, so the earliest date
    limited = merge([[shared_a], [only_c]], collection=replace(collection, max_entries=1))
    assert [e.title for e in limited] == ["Joint statement"]
    only_local = replace(collection, exclude=(rule("title", "joint", where="exclude[0]"),))
    assert [e.title for e in merge([[shared_a], [only_c]], collection=only_local)] == ["Local news"]
