"""The find benchmark's worker runs against this checkout's harness (and an older flat layout).

benchmarks/findspeed.py imports the differential modules by name so that it can time
another checkout (--compare-root); a move of those modules must not leave it broken.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_the_find_worker_finds_a_planted_bug_with_this_harness(jobs: int, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "findspeed.py"), "--worker",
         "null-tokens", "1", str(jobs), "200"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    doc = json.loads(done.stdout.strip().splitlines()[-1])
    assert doc["found"] is True
    assert doc["signature"] == "delete: file bytes at tokens (structure)"
    assert doc["found_after"] <= doc["reported_after"]
