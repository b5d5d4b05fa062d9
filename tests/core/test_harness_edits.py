"""Edit steps: the harness changes the sandbox between operations, inside the sandbox only."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any, ClassVar

import pytest
from tcc_fake_testee import FakeSession
from tcc_helpers import OPEN, case, store

from harness.data import Outcome
from harness.edits import apply_edit
from harness.exceptions import EditFailed, SandboxEscape
from harness.runner import RunOptions, run_case
from harness.spec import load_cases
from harness.stepspec import Edit
from harness.testee import InProcessTestee

CF = "home/.databricks/token-cache.json"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A sandbox-like root with the cache directory and a cache file."""
    r = tmp_path / "root"
    (r / "home/.databricks").mkdir(parents=True)
    (r / CF).write_text("old")
    return r


def _mode(p: Path) -> int:
    return stat.S_IMODE(os.lstat(p).st_mode)


def test_write_replaces_a_symlink_without_writing_through_it(root: Path) -> None:
    """Writing over a link removes the link; its target keeps its bytes."""
    (root / "home/target").write_text("target")
    os.unlink(root / CF)
    os.symlink("../target", root / CF)
    apply_edit(edit=Edit(path=CF, action="write", content=b"new", mode=0o640), root=root)
    assert not (root / CF).is_symlink() and (root / CF).read_bytes() == b"new"
    assert _mode(root / CF) == 0o640 and (root / "home/target").read_text() == "target"


def test_chmod_symlink_remove_and_directory(root: Path) -> None:
    """Each action leaves the path as described."""
    apply_edit(edit=Edit(path=CF, action="chmod", mode=0o644), root=root)
    assert _mode(root / CF) == 0o644 and (root / CF).read_text() == "old"
    apply_edit(edit=Edit(path=CF, action="symlink", target="missing.json"), root=root)
    assert os.readlink(root / CF) == "missing.json"
    apply_edit(edit=Edit(path=CF, action="directory", mode=0o750), root=root)
    assert (root / CF).is_dir() and _mode(root / CF) == 0o750
    apply_edit(edit=Edit(path=f"{CF}/inner", action="write", content=b"{}", mode=0o600),
               root=root)
    apply_edit(edit=Edit(path=CF, action="remove"), root=root)
    assert not os.path.lexists(root / CF)
    apply_edit(edit=Edit(path=CF, action="remove"), root=root)  # nothing there is fine


def test_an_edit_through_a_link_leading_out_is_refused(root: Path, tmp_path: Path) -> None:
    """A parent that resolves outside the root (a link a testee made) is refused untouched."""
    outside = tmp_path / "outside"
    outside.mkdir(mode=0o755)
    os.chmod(outside, 0o755)
    os.symlink(outside, root / "home/out")
    for edit in (Edit(path="home/out/f", action="write", content=b"x", mode=0o600),
                 Edit(path="home/out/d", action="directory", mode=0o700),
                 Edit(path="home/out", action="chmod", mode=0o700)):
        with pytest.raises(SandboxEscape):
            apply_edit(edit=edit, root=root)
    assert list(outside.iterdir()) == [] and _mode(outside) == 0o755


def test_a_new_symlink_that_resolves_outside_is_removed_and_refused(
    root: Path, tmp_path: Path
) -> None:
    """A target harmless as text but leading out through an existing link is refused."""
    os.symlink(tmp_path, root / "home/up")
    with pytest.raises(SandboxEscape):
        apply_edit(edit=Edit(path=CF, action="symlink", target="../up/x"), root=root)
    assert not os.path.lexists(root / CF)


def test_a_failing_edit_names_itself(root: Path) -> None:
    """chmod of a path that does not exist is an EditFailed naming the edit."""
    with pytest.raises(EditFailed) as info:
        apply_edit(edit=Edit(path="home/nope", action="chmod", mode=0o600), root=root)
    assert "chmod 0600 home/nope" in str(info.value)


class Recording(FakeSession):
    """The fake testee, recording every op it is asked."""

    ops: ClassVar[list[str]] = []

    def handle(self, req: dict[str, Any]) -> dict[str, Any]:
        Recording.ops.append(req["op"])
        return super().handle(req)


def test_edit_steps_run_in_the_harness_and_the_next_op_meets_them(
    project: Path, write_cases
) -> None:
    """The testee never sees an edit; the reference's next lookup fails on the edited bytes."""
    write_cases("e", [
        case("e.rec", OPEN, store("k"),
             {"op": "edit", "path": CF, "text": '{"version": 1, "tokens": {}}'},
             {"op": "lookup", "key": "k", "expect": {"error": "not_found"}}),
        case("e.ref", OPEN, store("k"), {"op": "edit", "path": CF, "text": "[1]"},
             {"op": "lookup", "key": "k", "expect": {"error": "error", "message": (
                 "load: parse: json: cannot unmarshal array into Go value of type "
                 "cache.tokenCacheFile")}}, final={"listing": ["token-cache.json"]}),
        case("e.bad", OPEN, {"op": "edit", "path": "home/missing", "mode": "0600"}),
    ])
    cases = {c.id: c for c in load_cases(cases_dir=project / "golden" / "cases").cases}
    options = RunOptions(golden_dir=project / "golden" / "files")
    Recording.ops = []
    r = run_case(case=cases["e.rec"], testee=InProcessTestee(
        name="fake", session_factory=Recording), options=options)
    assert r.outcome is Outcome.PASS, r
    assert [op for op in Recording.ops if op != "hello"] == ["open", "store", "lookup"]
    r = run_case(case=cases["e.ref"], testee=InProcessTestee(), options=options)
    assert r.outcome is Outcome.PASS, r
    r = run_case(case=cases["e.bad"], testee=InProcessTestee(), options=options)
    assert r.outcome is Outcome.ERROR and "chmod 0600 home/missing" in r.message, r
