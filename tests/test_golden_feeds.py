"""Every feed the examples, the seed and the realworld pages give is byte for byte what
the reference says (tests/data/golden/feeds.json, made by ``python -m tests.golden_feeds``).

The reference was first made with the code before the architecture of issue 12, so ids,
dates and bytes are proven unchanged by it. A change that means to change feed bytes
regenerates the reference on purpose and says why in its commit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .golden_feeds import SHARED, digests

REFERENCE = Path(__file__).resolve().parent / "data" / "golden" / "feeds.json"


@pytest.mark.skipif(not SHARED.exists(), reason=f"{SHARED} is not there (../shared is missing)")
def test_feeds_are_byte_for_byte_the_reference(tmp_path: Path) -> None:
    expected = json.loads(REFERENCE.read_text())
    found = digests(tmp_path)
    assert sorted(found) == sorted(expected)
    changed = [name for name in expected if found[name] != expected[name]]
    assert not changed, f"feed bytes changed: {changed}; regenerate the reference on purpose"
