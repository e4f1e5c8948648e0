"""``publisher init`` against a real HTTP server on 127.0.0.1, run as a real process:
standard output is only the YAML list item, loopback is refused unless the site allows
private addresses (``site.allow_private`` in the -c file, or ``--allow-private``), and
``--write`` keeps the file's comments and leaves a file that validates and previews."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from publisher.config import load_config

from .support import DATA
from .support.server import Files, LocalServer

pytestmark = pytest.mark.slow

CONFIG = """\
# feeds of the council (comments stay when init writes)
site:
  base_url: https://feeds.example.org/
  allow_private: true   # the newsroom runs on this machine
sources:
  # no sources yet
"""


def _publisher(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args], cwd=cwd, capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture
def newsroom(serve: Callable[..., LocalServer]) -> str:
    server = serve({"/press/": Files(DATA / "auto" / "newsroom.html")})
    return server.url("/press/")


def test_init_refuses_loopback_unless_allowed(tmp_path: Path, newsroom: str) -> None:
    done = _publisher("init", newsroom, "-c", str(tmp_path / "none.yaml"), cwd=tmp_path)
    assert done.returncode != 0
    assert done.stdout == ""
    assert "allow_private" in done.stderr and "Traceback" not in done.stderr


def test_init_with_allow_private_flag_prints_only_the_entry(tmp_path: Path, newsroom: str) -> None:
    done = _publisher("init", newsroom, "--id", "press", "--allow-private",
                      "-c", str(tmp_path / "none.yaml"), cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    items = yaml.safe_load(done.stdout)
    assert isinstance(items, list) and len(items) == 1
    item = items[0]
    assert set(item) >= {"id", "url", "format", "select"}
    assert (item["id"], item["url"], item["format"]) == ("press", newsroom, "html")
    assert item["select"]["item"] and item["select"]["title"]
    lines = done.stdout.splitlines()  # one list item, indented to paste under sources:
    assert lines[0] == "  - id: press" and all(line.startswith("    ") for line in lines[1:])
    assert "found 4 entries" in done.stderr  # what was found goes to standard error
    assert "Council approves the 2024 budget" in done.stderr
    assert "Council approves" not in done.stdout


def test_init_write_reads_allow_private_from_the_config(tmp_path: Path, newsroom: str) -> None:
    config = tmp_path / "sources.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    done = _publisher("init", newsroom, "--id", "press", "--write", "-c", str(config),
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    printed = yaml.safe_load(done.stdout)[0]
    text = config.read_text(encoding="utf-8")
    for comment in ("# feeds of the council", "# the newsroom runs on this machine",
                    "# no sources yet"):  # fmt: skip
        assert comment in text
    loaded = load_config(config)
    (source,) = loaded.sources
    assert source.id == "press" and source.url == newsroom and source.allow_private
    assert source.select is not None and source.select.item == printed["select"]["item"]
    assert _publisher("validate", "-c", str(config), cwd=tmp_path).returncode == 0
    shown = _publisher("preview", "press", "-c", str(config), cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "4 entries on" in shown.stdout and "Council approves the 2024 budget" in shown.stdout
    again = _publisher("init", newsroom, "--id", "press", "--write", "-c", str(config),
                       cwd=tmp_path)  # fmt: skip
    assert again.returncode != 0 and "already there" in again.stderr
    assert config.read_text(encoding="utf-8") == text  # a refused write leaves the file
