"""The feeds every realworld page, the seed and the examples give, as digests of bytes.

Run as a script (``python -m tests.golden_feeds OUT.json``) it writes the digests; the
test in tests/test_golden_feeds.py compares them with tests/data/golden/feeds.json, so a
change of architecture that changes any id, date or byte of a feed is seen. It uses only
``load_config``, ``run_once``, ``Store`` and ``make_session``, so the same script runs on
older versions of the code to make the reference. Only digests are kept: the pages' text
stays in ../shared.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from datetime import timedelta
from pathlib import Path

from publisher.config import load_config
from publisher.fetch import make_session
from publisher.pipeline import run_once
from publisher.store import Store

from .support import NOW

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SELECT_KEYS = {
    "item": "item", "title": "title", "link": "link", "date": "date",
    "date_regex": "date_regex", "date_format": "date_format", "type": "category",
}  # fmt: skip


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _sources(folder: Path) -> list[str]:
    """sources.yaml lines for every realworld page with selectors, and the seed."""
    lines = []
    for path in sorted((SHARED / "realworld" / "pages").glob("*.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))
        select = truth["selectors"]
        if not select.get("title"):
            continue
        page = folder / f"{truth['id']}.html"
        shutil.copy(path.with_suffix(".html"), page)
        lines += [f"  - id: {truth['id']}", f"    url: {_quoted(page.as_uri())}",
                  f"    home: {_quoted(truth['page_url'])}", "    select:"]  # fmt: skip
        for key, name in SELECT_KEYS.items():
            if select.get(key) and not (key == "type" and select.get("type_regex")):
                lines.append(f"      {name}: {_quoted(select[key])}")
    seed = SHARED / "seeds" / "amnesty-usa-north-korea.txt"
    shutil.copy(seed, folder / "seed.txt")
    lines += ["  - id: seed", f"    url: {_quoted((folder / 'seed.txt').as_uri())}",
              "    home: https://www.amnestyusa.org/countries/north-korea/",
              "    format: text", "    timezone: America/New_York"]  # fmt: skip
    return lines


def digests(folder: Path) -> dict[str, str]:
    """Run the examples' sources.yaml and the realworld pages twice (a day apart) and
    return ``{round/file: sha256}`` of every feed file written."""
    shutil.copytree(ROOT / "examples", folder / "examples")
    example = (ROOT / "sources.yaml").read_text(encoding="utf-8")
    (folder / "sources.yaml").write_text(example, encoding="utf-8")
    (folder / "pages").mkdir()
    real = ["site:", "  base_url: https://feeds.example.org/", "  output: real-feeds",
            "  state: real.db", "sources:", *_sources(folder / "pages")]  # fmt: skip
    (folder / "real.yaml").write_text("\n".join(real) + "\n", encoding="utf-8")
    result: dict[str, str] = {}
    for name in ("sources.yaml", "real.yaml"):
        config = load_config(folder / name)
        for round_number, now in enumerate((NOW, NOW + timedelta(days=1))):
            with Store(config.site.state) as store, make_session() as session:
                report = run_once(
                    [s for s in config.sources if s.enabled],
                    site=config.site,
                    session=session,
                    store=store,
                    now=now,
                )
            assert all(r.ok for r in report.sources), [r.error for r in report.failed]
            for path in sorted(config.site.output.iterdir()):
                if not path.name.startswith("."):
                    digest = hashlib.sha256(path.read_bytes()).hexdigest()
                    result[f"{round_number}/{path.name}"] = digest
    return result


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        found = digests(Path(tmp))
    Path(sys.argv[1]).write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    print(f"{len(found)} feed files", file=sys.stderr)
