"""Golden files: update writes/changes/removes; check writes .obtained sidecars."""

from __future__ import annotations

from pathlib import Path

from tcc_fake_testee import FakeSession
from tcc_helpers import OPEN, case, store

from harness.golden import sync_golden
from harness.runner import RunOptions
from harness.spec import load_cases
from harness.testee import InProcessTestee


def _sync(project: Path, *, update: bool):  # type: ignore[no-untyped-def]
    loaded = load_cases(cases_dir=project / "golden" / "cases")
    return sync_golden(
        cases=loaded.cases, testee=InProcessTestee(session_factory=FakeSession),
        options=RunOptions(golden_dir=project / "golden" / "files"), update=update,
        load_errors=loaded.errors,
    )


def test_update_adds_then_check_passes(project: Path, write_cases) -> None:
    """--update writes the reference's bytes; a following --check is clean."""
    write_cases("g", [case("g.one", OPEN, store("k"), final={"golden": True})])
    first = _sync(project, update=True)
    assert [(e.case_id, e.status) for e in first.entries] == [("g.one", "added")]
    gfile = project / "golden" / "files" / "g.one.json"
    assert b'"access_token": "a"' in gfile.read_bytes()
    assert _sync(project, update=False).ok


def test_check_mismatch_writes_obtained_and_shows_both_paths(project: Path, write_cases) -> None:
    """A mismatch fails, writes <file>.obtained with the new bytes and names both files."""
    write_cases("g", [case("g.one", OPEN, store("k"), final={"golden": True})])
    gfile = project / "golden" / "files" / "g.one.json"
    gfile.write_bytes(b'{"old": true}')
    report = _sync(project, update=False)
    assert not report.ok
    sidecar = gfile.with_name("g.one.json.obtained")
    assert b'"access_token": "a"' in sidecar.read_bytes()
    assert gfile.read_bytes() == b'{"old": true}'  # never changed without --update
    text = report.render()
    assert f"expected: {gfile}" in text and f"obtained: {sidecar}" in text
    assert "bytes differ at offset" in text
    fixed = _sync(project, update=True)
    assert [e.status for e in fixed.entries] == ["changed"] and not sidecar.exists()


def test_stale_golden_and_missing_golden_fail(project: Path, write_cases) -> None:
    """A golden file without a case is stale, and a golden case without a file is missing."""
    write_cases("g", [case("g.one", OPEN, store("k"), final={"golden": True})])
    stale = project / "golden" / "files" / "g.removed.json"
    stale.write_text("{}")
    report = _sync(project, update=False)
    statuses = {e.case_id: e.status for e in report.entries}
    assert statuses == {"g.one": "missing", "g.removed": "stale"} and not report.ok
    updated = _sync(project, update=True)
    assert {e.case_id: e.status for e in updated.entries} == {
        "g.one": "added", "g.removed": "removed"}
    assert not stale.exists() and updated.ok


def test_update_labels_old_and_new_bytes(project: Path, write_cases) -> None:
    """--update labels the two sides old golden and new (reference), not expected/obtained."""
    write_cases("g", [case("g.one", OPEN, store("k"), final={"golden": True})])
    (project / "golden" / "files" / "g.one.json").write_bytes(b'{"old": true}')
    (entry,) = _sync(project, update=True).entries
    assert entry.status == "changed"
    lines = entry.detail.split("\n")
    assert lines[0].startswith("bytes differ at offset 1 (old golden 13 bytes, new (reference) ")
    assert lines[1] == '  old golden:      {"old": true}'
    assert lines[2].startswith("  new (reference): {")
    assert "expected" not in entry.detail and "obtained" not in entry.detail
