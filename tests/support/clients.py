"""Real feed clients for the tests: rss2email driven through its command line, and
checks of what readers and mail services need from an RSS or Atom file
(../shared/CONSUMERS.md)."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from datetime import datetime
from email import message_from_bytes
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

ATOM = "{http://www.w3.org/2005/Atom}"


class Rss2Email:
    """rss2email 3 driven through its command line, mail captured by a fake sendmail."""

    def __init__(self, root: Path, feeds: dict[str, str]):
        self.root = root
        self.mail = root / "mail"
        self.mail.mkdir()
        capture = root / "sendmail"
        capture.write_text(
            f"#!{sys.executable}\n"
            "import sys, time, uuid, pathlib\n"
            f"folder = pathlib.Path({str(self.mail)!r})\n"
            "data = sys.stdin.buffer.read()\n"
            "(folder / f'{time.time_ns()}-{uuid.uuid4().hex}.eml').write_bytes(data)\n",
            encoding="utf-8",
        )
        capture.chmod(capture.stat().st_mode | stat.S_IXUSR)
        self.config = root / "rss2email.cfg"
        self.data = root / "rss2email.json"
        sections = "".join(f"\n[feed.{name}]\nurl = {url}\n" for name, url in feeds.items())
        self.config.write_text(
            textwrap.dedent(
                f"""\
                [DEFAULT]
                from = publisher-test@example.org
                to = subscriber@example.org
                email-protocol = sendmail
                sendmail = {capture}
                same-server-fetch-interval = 0
                feed-timeout = 30
                """
            )
            + sections,
            encoding="utf-8",
        )
        self.seen: set[Path] = set()

    def run(self) -> list[tuple[str, str, str]]:
        """Run ``r2e run``; the mails it sent: (feed URL, X-RSS-ID, subject)."""
        r2e = Path(sys.executable).with_name("r2e")
        result = subprocess.run(
            [str(r2e), "-c", str(self.config), "-d", str(self.data), "run"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "error" not in result.stderr.lower(), result.stderr
        mails = []
        for path in sorted(set(self.mail.glob("*.eml")) - self.seen):
            self.seen.add(path)
            message = message_from_bytes(path.read_bytes())
            mails.append((str(message["X-RSS-Feed"]), str(message["X-RSS-ID"]), message["Subject"]))
        return mails


# -- what every file must hold (CONSUMERS.md, "In every file") ------------------------------

RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d{2}:\d{2}:\d{2} ([+-]\d{4}|GMT)$"
)
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _absolute(url: str | None) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def check_rss(data: bytes, *, self_url: str, home: str) -> list[str]:
    """The RSS rules of CONSUMERS.md; returns the item guids, in file order."""
    assert data.startswith(b"<?xml")
    assert b"UTF-8" in data.split(b"\n", 1)[0]
    assert not CONTROL.search(data)
    assert len(data) < 5 * 1024 * 1024
    channel = ET.fromstring(data).find("channel")
    assert channel is not None
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), f"channel has no {name}"
    assert channel.findtext("link") == home  # the newsroom page, never the feed
    selfs = [
        link.get("href") for link in channel.findall(f"{ATOM}link") if link.get("rel") == "self"
    ]
    assert selfs == [self_url]
    guids, dates = [], []
    for item in channel.findall("item"):
        assert (item.findtext("title") or "").strip()
        assert (item.findtext("description") or "").strip()
        assert _absolute(item.findtext("link"))
        guid = item.find("guid")
        assert guid is not None
        assert guid.text
        if not _absolute(guid.text):
            assert guid.get("isPermaLink") == "false", guid.text
        guids.append(guid.text)
        pub = item.findtext("pubDate") or ""
        assert RFC822.match(pub), pub
        when = parsedate_to_datetime(pub)
        assert when.strftime("%a") == pub[:3]  # the weekday is right
        dates.append(when)
    assert len(guids) == len(set(guids)), "duplicate guid"
    assert dates == sorted(dates, reverse=True), "not newest first"
    return guids


def check_atom(data: bytes, *, self_url: str, home: str) -> list[str]:
    """The Atom rules of CONSUMERS.md; returns the entry ids, in file order."""
    assert data.startswith(b"<?xml")
    assert b"UTF-8" in data.split(b"\n", 1)[0]
    assert not CONTROL.search(data)
    feed = ET.fromstring(data)
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1, name
    assert RFC3339.match(feed.findtext(f"{ATOM}updated") or "")
    links = {
        (link.get("rel") or "alternate"): link.get("href") for link in feed.findall(f"{ATOM}link")
    }
    assert links["self"] == self_url
    assert links["alternate"] == home
    feed_author = feed.find(f"{ATOM}author") is not None
    ids, dates = [], []
    for entry in feed.findall(f"{ATOM}entry"):
        assert feed_author or entry.find(f"{ATOM}author") is not None
        ids.append(entry.findtext(f"{ATOM}id"))
        assert (entry.findtext(f"{ATOM}title") or "").strip()
        updated = entry.findtext(f"{ATOM}updated") or ""
        published = entry.findtext(f"{ATOM}published") or ""
        assert RFC3339.match(updated)
        assert RFC3339.match(published)
        alternates = [
            link.get("href")
            for link in entry.findall(f"{ATOM}link")
            if (link.get("rel") or "alternate") == "alternate"
        ]
        assert len(alternates) == 1
        assert _absolute(alternates[0])
        summary = entry.find(f"{ATOM}summary")
        assert summary is not None
        assert summary.get("type") == "html"
        dates.append(datetime.fromisoformat(published))
    assert all(ids), "an entry without an id"
    assert len(ids) == len(set(ids)), "duplicate id"
    assert dates == sorted(dates, reverse=True), "not newest first"
    return [str(entry_id) for entry_id in ids]


# -- the scenario -----------------------------------------------------------------------------


def title_key(title: str) -> str:
    match = re.match(r"Entry (\d+):", title.strip())
    assert match, title
    return f"E{match.group(1)}"
