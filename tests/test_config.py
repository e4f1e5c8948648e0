"""config: YAML strings in, Config or a ConfigError naming file, line and key out."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from publisher.config import load_config, parse_config
from publisher.config.document import _FastLoader, _Loader, _read
from publisher.errors import ConfigError
from publisher.model import Timeout

VALID = """\
site:
  base_url: https://feeds.example.org
  output: out
  state: state/db.sqlite
defaults:
  timezone: Europe/Berlin
  max_entries: 20
  timeout: 5
sources:
  - id: amnesty-usa-north-korea
    title: "Amnesty International USA: North Korea"
    url: https://www.amnestyusa.org/countries/north-korea/
    format: text
    timezone: America/New_York
    author: Amnesty International USA
  - id: example-newsroom
    url: examples/newsroom.html
    home: https://www.example.org/news/
    max_entries: 5
    timeout: {connect: 2, read: 7}
    select:
      item: "article.news-item"
      title: "h3 a::text"
      link: "h3 a::attr(href)"
      date: "time::attr(datetime)"
      summary: "p.summary"
      category: ".type::text"
"""


def parse(text: str, tmp_path: Path):
    return parse_config(text, path=tmp_path / "sources.yaml")


def test_valid_configuration(tmp_path: Path) -> None:
    config = parse(VALID, tmp_path)
    assert config.site.base_url == "https://feeds.example.org/"
    assert config.site.output == tmp_path / "out"
    assert config.site.state == tmp_path / "state/db.sqlite"
    amnesty, example = config.sources
    assert amnesty.format == "text"
    assert amnesty.timezone == "America/New_York"  # its own beats the default
    assert amnesty.max_entries == 20  # from defaults
    assert amnesty.home == amnesty.url  # home defaults to url
    assert amnesty.timeout == Timeout(connect=5.0, read=5.0)
    assert amnesty.line == 10
    assert example.url == (tmp_path / "examples/newsroom.html").as_uri()
    assert example.timezone == "Europe/Berlin"
    assert example.max_entries == 5
    assert example.timeout == Timeout(connect=2.0, read=7.0)
    assert example.select is not None and example.select.item == "article.news-item"
    assert example.title == "example-newsroom"  # title defaults to the id


def test_anchors_merge_keys_and_typed_values(tmp_path: Path) -> None:
    """YAML's own sharing (anchors, aliases, ``<<`` merge keys) works, a mapping's own keys
    override merged ones, values keep their types and every line is right."""
    text = """\
site:
  base_url: https://feeds.example.org
  workers: 3
defaults:
  retries: 0
sources:
  - id: one
    url: https://one.example.org/news/
    format: text
    <<: &common {timezone: Europe/Berlin, max_entries: 7, respect_robots: false}
  - id: two
    url: https://two.example.org/news/
    format: text
    title: "2024"
    min_delay: 1
    max_entries: 9
    <<: *common
    author: &who Jo
  - id: three
    url: https://three.example.org/news/
    format: text
    author: *who
"""
    one, two, three = parse(text, tmp_path).sources
    assert (one.timezone, one.max_entries, one.respect_robots) == ("Europe/Berlin", 7, False)
    assert (two.timezone, two.max_entries, two.title, two.min_delay) == (
        "Europe/Berlin", 9, "2024", 1.0,
    )  # fmt: skip
    assert two.author == three.author == "Jo"
    assert (one.line, two.line, three.line) == (7, 11, 19)
    with pytest.raises(ConfigError, match=r":17: duplicate key 'max_entries' \(first on line 16\)"):
        parse(text.replace("    <<: *common\n", "    max_entries: 8\n"), tmp_path)


def test_repository_sources_yaml_is_valid() -> None:
    config = load_config(Path(__file__).parent.parent / "sources.yaml")
    assert any(source.enabled for source in config.sources)
    for source in config.sources:
        if source.enabled:  # `make run` must work offline
            assert source.url.startswith("file:"), source.id


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found; pass the configuration with -c"):
        load_config(tmp_path / "nope.yaml")


def _replace(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new, 1)


INVALID = [
    pytest.param(
        _replace("    format: text\n", "    format: text\n   bad: [\n"),
        r"sources\.yaml:\d+: YAML syntax error",
        id="yaml-syntax",
    ),
    pytest.param(
        _replace("    timezone: America/New_York", "    timezone: America/New_Yrok"),
        r"sources\.yaml:14: source 'amnesty-usa-north-korea': unknown timezone "
        r"'America/New_Yrok'; did you mean 'America/New_York'\?",
        id="bad-timezone",
    ),
    pytest.param(
        _replace("    author: Amnesty", "    autor: Amnesty"),
        r"sources\.yaml:15: source 'amnesty-usa-north-korea': unknown key 'autor'; "
        r"did you mean 'author'\?",
        id="unknown-key",
    ),
    pytest.param(
        _replace('      title: "h3 a::text"', '      titel: "h3 a::text"'),
        r":23: source 'example-newsroom'\.select: unknown key 'titel'; did you mean 'title'\?",
        id="unknown-select-key",
    ),
    pytest.param(
        _replace("  - id: example-newsroom", "  - id: Example_Newsroom"),
        r":16: source 'Example_Newsroom': id 'Example_Newsroom' must be a slug",
        id="bad-id",
    ),
    pytest.param(
        _replace("  - id: example-newsroom", "  - id: amnesty-usa-north-korea"),
        r":16: sources\[1\]\.id: duplicate id 'amnesty-usa-north-korea' \(first used on line 10\)",
        id="duplicate-id",
    ),
    pytest.param(
        _replace("    url: https://www.amnestyusa.org/countries/north-korea/\n", ""),
        r":10: source 'amnesty-usa-north-korea': missing required key 'url'",
        id="missing-url",
    ),
    pytest.param(
        _replace("url: https://www.amnestyusa.org", "url: ftp://www.amnestyusa.org"),
        r":12: source 'amnesty-usa-north-korea': 'url' 'ftp://.*': unsupported scheme 'ftp'",
        id="bad-url-scheme",
    ),
    pytest.param(
        _replace("url: https://www.amnestyusa.org/countries/north-korea/", "url: https://"),
        r":12: .*has no host",
        id="url-without-host",
    ),
    pytest.param(
        _replace("  max_entries: 20", "  max_entries: many"),
        r":7: defaults: 'max_entries' must be a whole number, not 'many'",
        id="wrong-type",
    ),
    pytest.param(
        _replace("  max_entries: 20", "  max_entries: 0"),
        r":7: defaults: 'max_entries' must be greater than 0",
        id="zero-max-entries",
    ),
    pytest.param(
        _replace("    format: text", "    format: pdf"),
        r":13: .*format must be one of html, text, feed, json, sitemap, auto, not 'pdf'",
        id="bad-format",
    ),
    pytest.param(
        _replace('      item: "article.news-item"', '      item: "article[[["'),
        r":22: .*'item' selector 'article\[\[\[' is not valid",
        id="bad-selector",
    ),
    pytest.param(
        _replace("  base_url: https://feeds.example.org", "  base_url: feeds"),
        r":2: site: 'base_url' must be the http\(s\) address",
        id="bad-base-url",
    ),
    pytest.param(
        "site:\n  base_url: https://x.org/\nsources: []\n",
        r":3: top level: 'sources' is empty",
        id="no-sources",
    ),
    pytest.param(
        "sources:\n  - id: a\n    url: a.html\n",
        r"missing required key 'site'",
        id="no-site",
    ),
    pytest.param(
        "site:\n  base_url: https://x.org/\nsources:\n  - id: a\n    url: a.html\n"
        "    format: auto\n    select:\n      item: li\n",
        r":7: source 'a': 'select' does not apply to format: auto; remove it",
        id="auto-with-select",
    ),
    pytest.param("", r"the file is empty", id="empty"),
    pytest.param(
        "site:\n  base_url: https://x.org/\n  base_url: https://y.org/\nsources: []\n",
        r":3: duplicate key 'base_url' \(first on line 2\)",
        id="duplicate-key",
    ),
    pytest.param(
        "site: &site\n  base_url: https://x.org/\n  again: *site\nsources: []\n",
        r":3: the alias \*site refers to a mapping or list that contains it",
        id="recursive-alias",
    ),
    pytest.param(
        "site:\n  base_url: *nowhere\nsources: []\n",
        r":2: the alias \*nowhere has no anchor &nowhere before it",
        id="undefined-alias",
    ),
    pytest.param(
        "site:\n  base_url: https://x.org/\nsources: []\n---\nsources: []\n",
        r":4: a second YAML document",
        id="two-documents",
    ),
    pytest.param(
        "site: !!set {base_url}\nsources: []\n",
        r":1: the YAML tag tag:yaml.org,2002:set is not used here",
        id="explicit-tag",
    ),
    pytest.param(
        "site:\n  base_url: https://x.org/\n  ? [a, b]\n  : 1\nsources: []\n",
        r":3: a key must be a plain value",
        id="list-as-key",
    ),
]


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_invalid_configuration(text: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        parse(text, tmp_path)
    assert str(info.value).startswith(str(tmp_path / "sources.yaml"))


def _lines(value: object) -> object:
    """``value`` with the line of every mapping and key, to compare two readers."""
    if isinstance(value, dict):
        return (
            getattr(value, "line", None),
            {
                key: (getattr(value, "lines", {}).get(key), _lines(item))
                for key, item in value.items()
            },
        )
    if isinstance(value, list):
        return [_lines(item) for item in value]
    return value


def test_libyaml_and_the_pure_python_parser_build_the_same_document() -> None:
    """sources.yaml is built from the parser's events (no node tree, so memory stays flat)
    by one builder; with libyaml (fast) and with PyYAML's own parser (which words the
    errors) it gives the same document, lines included, merge keys and aliases too."""
    assert not yaml.__with_libyaml__ or issubclass(_FastLoader, yaml.CSafeLoader)
    aliases = VALID + "  - id: copy\n    url: https://c.example.org/\n    format: &f text\n" \
        "    author: &who 'Jo'\n  - id: copy2\n    url: https://d.example.org/\n" \
        "    format: *f\n    author: *who\n    enabled: no\n    min_delay: 1.5\n"  # fmt: skip
    merges = "a: &x {b: 1, c: 2}\nd: &y {c: 3, e: 4}\nf:\n  <<: [*x, *y]\n  b: 5\n"
    repository = (Path(__file__).parent.parent / "sources.yaml").read_text(encoding="utf-8")
    for text in (VALID, aliases, merges, repository, ""):
        fast = _read(_FastLoader, text, "sources.yaml")
        assert _lines(fast) == _lines(_read(_Loader, text, "sources.yaml"))
    merged = _read(_FastLoader, merges, "sources.yaml")["f"]
    assert merged == {"b": 5, "c": 2, "e": 4}  # its own key, then the first merged mapping
    assert merged.lines == {"b": 5, "c": 1, "e": 2}


SCALARS = """\
plain: newsroom-0001
url: https://www.example.org/news/?page=1
quoted_number: '42'
quoted_bool: "yes"
number: 42
negative: -7
float: 1.5
exponent: 1e3
hex: 0x1F
yes_word: yes
off_word: Off
true_word: true
null_word: null
tilde: ~
empty:
date: 2026-11-26
stamp: 2026-11-26 12:00:00
title: Newsroom 2026
number_first: 2026 report
'<<': quoted merge key
colon: "a: b"
dot: .5
nan: .nan
inf: -.inf
n_word: no
N: N
tagged: !!str 12
"""


def test_scalars_are_typed_as_pyyaml_types_them() -> None:
    """The builder's shortcut for plain strings (no resolver asked when no implicit tag
    can claim the first character) gives what PyYAML's own loader gives, key by key."""
    expected = yaml.safe_load(SCALARS)
    for loader in (_FastLoader, _Loader):
        built = dict(_read(loader, SCALARS, "sources.yaml"))
        assert built.keys() == expected.keys()
        for key, value in expected.items():
            if value != value:  # NaN
                assert built[key] != built[key], key
                continue
            assert (type(built[key]), built[key]) == (type(value), value), key


OUTPUTS_CONFIG = """
site:
  base_url: https://feeds.example.org/
  {site}
sources:
  - id: a
    url: a.html
    {source}
    select: {{item: li, author: ".by"}}
"""


def test_outputs_digest_and_author_selector(tmp_path: Path) -> None:
    default = parse(OUTPUTS_CONFIG.format(site="", source=""), tmp_path)
    assert default.site.outputs == ("atom", "rss", "json")
    assert default.site.digest is None and default.sources[0].digest is None
    assert default.sources[0].select is not None
    assert default.sources[0].select.author == ".by"
    chosen = parse(
        OUTPUTS_CONFIG.format(
            site="outputs: [rss, atom]\n  digest: weekly", source="digest: daily"
        ),
        tmp_path,
    )
    assert chosen.site.outputs == ("rss", "atom")
    assert chosen.site.digest == "weekly" and chosen.sources[0].digest == "daily"


@pytest.mark.parametrize(
    ("site", "source", "message"),
    [
        (
            "outputs: [atom, xml]",
            "",
            "'outputs' lists the files to write, some of atom, rss, json; not 'xml'",
        ),
        ("outputs: []", "", "'outputs' lists the files to write"),
        ("digest: hourly", "", "'digest' must be one of daily, weekly, not 'hourly'"),
        ("", "digest: monthly", "'digest' must be one of daily, weekly, not 'monthly'"),
    ],
)
def test_bad_outputs_or_digest(tmp_path: Path, site: str, source: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse(OUTPUTS_CONFIG.format(site=site, source=source), tmp_path)
    assert message in str(info.value)
