"""The JSON Schema of sources.yaml: made from the records, it accepts what the loader
accepts and refuses what it refuses (unknown keys, wrong types)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from publisher.config.build import DEFAULT_KEYS, SELECT_KEYS, SITE_KEYS, SOURCE_KEYS
from publisher.schema import config_schema

ROOT = Path(__file__).resolve().parent.parent


def _check(document: Any) -> None:
    jsonschema.validate(document, config_schema(), cls=jsonschema.Draft202012Validator)


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(config_schema())


def test_the_default_sources_yaml_passes() -> None:
    _check(yaml.safe_load((ROOT / "sources.yaml").read_text(encoding="utf-8")))


def test_every_key_the_loader_accepts_is_in_the_schema() -> None:
    properties = config_schema()["properties"]
    source = properties["sources"]["items"]["properties"]
    assert tuple(properties["site"]["properties"]) == SITE_KEYS
    assert tuple(source) == SOURCE_KEYS
    assert tuple(properties["defaults"]["properties"]) == DEFAULT_KEYS
    assert tuple(source["select"]["properties"]) == SELECT_KEYS


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"max_entreis": 5}, "max_entreis"),
        ({"max_entries": "many"}, "many"),
        ({"max_entries": 0}, "0"),
        ({"format": "pdf"}, "pdf"),
        ({"select": {"title": "h2"}}, "item"),
        ({"timeout": {"connect": 1, "wait": 5}}, "wait"),
    ],
)
def test_mistakes_are_refused(change: dict[str, Any], problem: str) -> None:
    source = {"id": "a", "url": "https://example.org/", "select": {"item": "li"}, **change}
    with pytest.raises(jsonschema.ValidationError, match=problem):
        _check({"site": {"base_url": "https://feeds.example.org/"}, "sources": [source]})


@pytest.mark.slow
def test_the_command_prints_the_schema() -> None:
    command = [sys.executable, "-m", "publisher", "schema"]
    printed = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(printed.stdout) == config_schema()


@pytest.mark.slow
def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """``publisher status | head -1`` with more output than a pipe holds (64 KiB)."""
    lines = ["site:", "  base_url: https://feeds.example.org/", "sources:"]
    for number in range(1500):
        lines += [f"  - id: source-{number}", f"    url: https://example.org/{number}",
                  "    select: {item: li}"]  # fmt: skip
    (tmp_path / "sources.yaml").write_text("\n".join(lines) + "\n")
    command = [sys.executable, "-m", "publisher", "status", "-c", "sources.yaml"]
    with subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline().startswith(b"SOURCE")
        process.stdout.close()  # as `| head -1` does
        errors = process.stderr.read()
        code = process.wait(timeout=60)
    assert b"Traceback" not in errors and b"BrokenPipe" not in errors, errors
    assert code == 141
