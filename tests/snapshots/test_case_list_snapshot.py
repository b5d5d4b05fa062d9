"""The full list of spec case ids, levels and tags: any added or removed case is a diff."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from harness.paths import find_repo_root
from harness.spec import load_cases


def case_listing(*, cases_dir: Path) -> str:
    """One line per case: id, level and sorted tags; load errors at the end."""
    loaded = load_cases(cases_dir=cases_dir)
    lines = [
        f"{c.id}  {c.level}  [{','.join(sorted(c.tags))}]"
        for c in sorted(loaded.cases, key=lambda c: c.id)
    ]
    lines += [f"ERROR {e}" for e in loaded.errors]
    return "\n".join(lines) + "\n"


def test_case_ids_levels_and_tags(snapshot: SnapshotAssertion) -> None:
    """The suite checks exactly the snapshotted cases (update with --snapshot-update)."""
    listing = case_listing(cases_dir=find_repo_root() / "golden" / "cases")
    assert "ERROR" not in listing
    assert listing == snapshot


@pytest.mark.slow
def test_an_added_case_fails_the_snapshot(tmp_path: Path) -> None:
    """With one extra case in the suite, the snapshot test above fails."""
    repo = Path(__file__).resolve().parents[2]
    root = tmp_path / "proj"
    shutil.copytree(repo / "golden" / "cases", root / "golden" / "cases")
    (root / "pyproject.toml").write_text("")
    (root / "golden" / "cases" / "zz-extra.json").write_text(
        '{"cases": [{"id": "zz.extra", "description": "An extra case.", '
        '"steps": [{"op": "open"}]}]}'
    )
    env = {**os.environ, "TOKENCACHE_COMPAT_ROOT": str(root)}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         f"{__file__}::test_case_ids_levels_and_tags"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert "zz.extra" in proc.stdout
