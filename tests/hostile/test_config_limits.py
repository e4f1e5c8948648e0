"""Every configuration value has a range; YAML bombs and broken URLs are config errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.cli import EXIT_CONFIG, main
from publisher.config import parse_config
from publisher.errors import ConfigError

HEAD = "site:\n  base_url: https://feeds.example.org/\n"
SOURCE = "sources:\n  - id: s\n    url: https://example.org/news\n    format: text\n"


def _load(text: str) -> object:
    return parse_config(text, path=Path("/srv/sources.yaml"))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("    max_entries: 1e29", "'max_entries' must be a whole number"),
        ("    max_entries: 100000000", "'max_entries' must be at most 10,000"),
        ("    max_age_days: 1000000000", "'max_age_days' must be at most 36,500"),
        ("    timeout: .inf", "7: source 's': 'timeout' must be a finite number"),
        ("    timeout: 601", "'timeout' must be at most 600"),
        ("    timeout: {total: .inf}", "'total' must be a finite number"),
        ("    timeout: {connect: -1}", "'connect' must be greater than 0"),
        ("    timeout: {total: 100000}", "'total' must be at most 3,600"),
        ("    min_delay: .nan", "'min_delay' must be a finite number"),
        ("    min_delay: -1", "'min_delay' must be 0 or more"),
        ("    min_delay: 1.0e+300", "'min_delay' must be at most 3,600"),
        ("    retries: 100000000000", "'retries' must be at most 10"),
        ("    retries: -1", "'retries' must be 0 or more"),
        ("    max_bytes: 99999999999999", "'max_bytes' must be at most"),
        ("    ttl: 10000000", "'ttl' must be at most"),
        ("    broken_after: 1000000", "'broken_after' must be at most"),
        ("    min_entries_ratio: .nan", "'min_entries_ratio' must be a finite number"),
        ("    every: 100000000d", "'every' must be between"),
        ("    jitter: 99999999", "'jitter' must be at most"),
        ('    user_agent: "bot\\r\\nX-Evil: 1"', "'user_agent' holds a control character"),
        ('    title: "a\\u0000b"', "'title' holds a control character"),
        ("    title: " + "x" * 1001, "'title' is 1001 characters long"),
        ('    author: "a\\nb"', "'author' holds a control character"),
        ('    headers: {"X-A\\r\\nB": v}', "header X-A"),
        ('    headers: {"X A": v}', "has characters that are not allowed"),
        ('    headers: {X-A: "v\\r\\nInjected: 1"}', "holds a control character"),
    ],
)
def test_out_of_range_values_name_file_line_and_key(extra: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(HEAD + SOURCE + extra + "\n")
    assert str(caught.value).startswith("/srv/sources.yaml:")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("site", "message"),
    [
        ("  workers: 100000", "'workers' must be at most 256"),
        ('  contact: "me\\r\\nX: 1"', "'contact' holds a control character"),
        ("  allow_addresses: [not-a-net]", "is not an address or network"),
        ("  allow_private: yes please", "'allow_private' must be true or false"),
    ],
)
def test_site_values_have_ranges(site: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _load(HEAD + site + "\n" + SOURCE)


def test_an_id_longer_than_64_characters_is_refused() -> None:
    with pytest.raises(ConfigError, match="at most 64"):
        _load(HEAD + SOURCE.replace("id: s", "id: " + "a" * 300))


@pytest.mark.parametrize(
    "url", ["http://[::1/x", "http://example.org:99999/", "http://exa mple.org/", "http://[zz]/"]
)
def test_a_url_that_does_not_parse_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError, match="is not a valid URL"):
        _load(HEAD + SOURCE.replace("https://example.org/news", f"'{url}'"))


def test_yaml_nested_5000_deep_is_refused() -> None:
    with pytest.raises(ConfigError, match="nested more than"):
        _load(HEAD + "x: " + "[" * 5000 + "]" * 5000 + "\n" + SOURCE)


def test_an_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 10)]
    with pytest.raises(ConfigError, match="alias bomb"):
        _load("\n".join(lines) + "\n" + HEAD + SOURCE)


def test_credentials_in_the_url_become_a_header() -> None:
    config = _load(
        HEAD + SOURCE.replace("https://example.org", "https://user:s%40cret@example.org")
    )
    source = config.sources[0]  # type: ignore[attr-defined]
    assert source.url == "https://example.org/news"
    assert source.home == "https://example.org/news"
    assert source.headers == (("Authorization", "Basic dXNlcjpzQGNyZXQ="),)


def test_allow_private_comes_from_the_site_unless_the_source_says() -> None:
    config = _load(HEAD + "  allow_private: true\n" + SOURCE)
    assert config.sources[0].allow_private is True  # type: ignore[attr-defined]
    config = _load(HEAD + "  allow_private: true\n" + SOURCE + "    allow_private: false\n")
    assert config.sources[0].allow_private is False  # type: ignore[attr-defined]


def test_validate_exits_2_with_file_line_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(HEAD + SOURCE + "    min_delay: .nan\n", encoding="utf-8")
    assert main(["validate", "-c", str(path)]) == EXIT_CONFIG
    assert f"{path}:7: source 's': 'min_delay'" in capsys.readouterr().err
    assert main(["run", "-c", str(path)]) == EXIT_CONFIG
