"""A stress mix, kills included, never touches the caller's HOME and leaves no temp dirs."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from stress_helpers import Resolve

from harness.stress.engine import run_mix
from harness.stress.plan import StressOptions, WriterGroup

SENTINEL = b'{"version": 1, "tokens": {"canary": {"access_token": "do-not-touch"}}}'


def _snapshot(root: Path) -> dict[str, bytes | None]:
    out: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            out[str(p.relative_to(root))] = p.read_bytes() if p.is_file() else None
    return out


@pytest.mark.slow
def test_stress_stays_in_its_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, resolve: Resolve
) -> None:
    """HOME holds a sentinel cache: after a killing mix it is byte-identical; the scratch
    temp dir (sandbox, writer homes) is empty again."""
    home = tmp_path / "canary-home"
    (home / ".databricks").mkdir(parents=True)
    (home / ".databricks" / "token-cache.json").write_bytes(SENTINEL)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    before = _snapshot(home)
    impls = resolve("reference", "reference+lock")
    result = run_mix(impls=impls, groups=[WriterGroup(impl="reference", count=1),
                                          WriterGroup(impl="reference+lock", count=1)],
                     options=StressOptions(stores=6, kill_rate=0.3, seed=1))
    assert result.stores_attempted == 12 and result.final_file_parses
    assert _snapshot(home) == before
    assert list(scratch.iterdir()) == []
