"""The `every`, `cron` and `jitter` keys in sources.yaml: defaults, overrides, messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.config import parse_config
from publisher.errors import ConfigError
from publisher.triggers import DEFAULT_EVERY, Timing

HEAD = "site:\n  base_url: https://feeds.example.org/\n"


def _config(text: str):
    return parse_config(HEAD + text, path=Path("/srv/feeds/sources.yaml"))


def test_defaults_and_overrides():
    config = _config(
        "defaults:\n"
        "  every: 30m\n"
        "  jitter: 1m\n"
        "sources:\n"
        "  - {id: a, url: a.txt, format: text}\n"
        "  - {id: b, url: b.txt, format: text, cron: '*/15 * * * 1-5', timezone: Europe/Lisbon}\n"
        "  - {id: c, url: c.txt, format: text, every: 2h, jitter: 0}\n"
    )
    a, b, c = config.sources
    assert (a.every, a.cron, a.jitter) == (1800, None, 60)
    assert (b.every, b.cron, b.jitter) == (None, "*/15 * * * 1-5", 60)  # cron replaces every
    assert (c.every, c.cron, c.jitter) == (7200, None, 0)
    assert Timing.of(b).timezone == "Europe/Lisbon"


def test_cron_in_defaults_replaced_by_a_source_every():
    config = _config(
        "defaults:\n  cron: '0 * * * *'\n"
        "sources:\n  - {id: a, url: a.txt, format: text, every: 5m}\n"
    )
    assert (config.sources[0].every, config.sources[0].cron) == (300, None)


def test_no_timing_means_hourly():
    config = _config("sources:\n  - {id: a, url: a.txt, format: text}\n")
    assert config.sources[0].every is None
    assert Timing.of(config.sources[0]).every == DEFAULT_EVERY


@pytest.mark.parametrize(
    ("lines", "line", "message"),
    [
        ("    every: 30", 7, "'every' needs a unit: write '30m' or '30s'"),
        ("    every: soon", 7, "'soon' is not a duration"),
        ("    cron: '*/15 * * *'", 7, "not a valid crontab expression: '*/15 * * *' has 4 fields"),
        ("    cron: '0 25 * * *'", 7, "not a valid crontab expression"),
        ("    cron: 15", 7, "'cron' must be a string"),
        ("    every: 1m\n    cron: '* * * * *'", 8, "use either 'every' or 'cron', not both"),
        ("    jitter: -5", 7, "'jitter' must be 0 or more"),
        ("    jitter: lots", 7, "'jitter': 'lots' is not a duration"),
        ("    evry: 5m", 7, "did you mean 'every'?"),
    ],
)
def test_invalid_timing_names_file_and_line(lines: str, line: int, message: str):
    text = f"sources:\n  - id: a\n    url: a.txt\n    format: text\n{lines}\n"
    with pytest.raises(ConfigError) as caught:
        _config(text)
    assert str(caught.value).startswith(f"/srv/feeds/sources.yaml:{line}: ")
    assert message in str(caught.value)


def test_invalid_cron_in_defaults():
    with pytest.raises(ConfigError, match=r"sources.yaml:4: defaults: 'cron' is not a valid"):
        _config("defaults:\n  cron: 'every day'\nsources:\n  - {id: a, url: a.txt, format: text}\n")
