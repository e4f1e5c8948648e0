"""WebSub: the hub is announced in both feeds and told when a feed file changed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl
from xml.etree import ElementTree as ET

import feedparser
import pytest

from publisher.cli import main
from publisher.config import parse_config
from publisher.errors import ConfigError
from publisher.model import Site

from .support import NOW
from .support.records import ENTRIES, SOURCE, render_feeds
from .support.server import LocalServer, Reply

ATOM = "{http://www.w3.org/2005/Atom}"
HUB = "https://hub.example.net/"


def _site(hub: str | None) -> Site:
    return Site(base_url="https://feeds.example.org/", output=Path("f"), state=Path("s"),
                websub_hub=hub)  # fmt: skip


def test_both_feeds_announce_the_hub_beside_the_self_link() -> None:
    files = render_feeds(SOURCE, _site(HUB), ENTRIES, fallback_updated=NOW)
    atom = ET.fromstring(files.atom)
    assert {link.get("rel"): link.get("href") for link in atom.findall(f"{ATOM}link")} == {
        "self": "https://feeds.example.org/example-newsroom.atom",
        "hub": HUB,
        "alternate": SOURCE.home,
    }
    channel = ET.fromstring(files.rss).find("channel")
    assert channel is not None
    links = [(link.get("rel"), link.get("href")) for link in channel.findall(f"{ATOM}link")]
    assert links == [("self", "https://feeds.example.org/example-newsroom.rss"), ("hub", HUB)]
    assert channel.findtext("link") == SOURCE.home  # still the newsroom page
    for data in (files.atom, files.rss):
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0
        assert {link.rel: link.href for link in parsed.feed.links}["hub"] == HUB


def test_without_a_hub_nothing_changes() -> None:
    plain = render_feeds(SOURCE, _site(None), ENTRIES, fallback_updated=NOW)
    assert b"hub" not in plain.atom and b"hub" not in plain.rss


def test_websub_hub_must_be_a_url(tmp_path: Path) -> None:
    text = (
        "site:\n  base_url: https://x.org/\n  websub_hub: hub\n"
        "sources:\n  - id: a\n    url: a.txt\n    format: text\n"
    )
    with pytest.raises(ConfigError, match=r":3: site: 'websub_hub' must be the http\(s\) address"):
        parse_config(text, path=tmp_path / "sources.yaml")


def _project(folder: Path, hub: str) -> Path:
    (folder / "news.txt").write_text("March 7, 2016 • Report\n\nA title\n\nA summary.\n")
    config = folder / "sources.yaml"
    config.write_text(
        "site:\n  base_url: https://feeds.example.org/\n"
        f"  websub_hub: {hub}\n"
        "sources:\n  - id: news\n    url: news.txt\n    format: text\n"
    )
    return config


@pytest.mark.slow
def test_a_run_that_wrote_feeds_notifies_the_hub_once(
    tmp_path: Path, serve: Callable[..., LocalServer]
) -> None:
    hub = serve({"/hub": Reply(status=204)})
    config = _project(tmp_path, hub.url("/hub"))
    assert main(["run", "-q", "-c", str(config)]) == 0
    (ping,) = [seen for seen in hub.seen if seen.method == "POST"]
    assert parse_qsl(ping.body.decode()) == [
        ("hub.mode", "publish"),
        ("hub.url", "https://feeds.example.org/news.atom"),
        ("hub.url", "https://feeds.example.org/news.rss"),
        ("hub.url", "https://feeds.example.org/news.json"),
    ]
    assert main(["run", "-q", "-c", str(config)]) == 0  # nothing changed: no ping
    assert len([seen for seen in hub.seen if seen.method == "POST"]) == 1


@pytest.mark.slow
def test_a_failing_hub_is_a_warning_not_a_failure(
    tmp_path: Path, serve: Callable[..., LocalServer], capsys: pytest.CaptureFixture[str]
) -> None:
    hub = serve({"/hub": Reply(status=500, body=b"down")})
    config = _project(tmp_path, hub.url("/hub"))
    assert main(["run", "-c", str(config)]) == 0
    out = capsys.readouterr().out
    assert "1 warning(s)" in out
    assert (tmp_path / "feeds" / "news.atom").exists()
