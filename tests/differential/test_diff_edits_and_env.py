"""The differential edits files mid-case and varies umask, HOME and decoy variables."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from planted import (
    CliHomeSession,
    StaleReadSession,
    TightDirSession,
    UserProfileSession,
    planted_testee,
)

from harness.data import Outcome
from harness.differential.counterexample import Counterexample, TraceStep, counterexample_case
from harness.differential.decoys import DECOY_CACHE, DECOY_CONTENT
from harness.differential.engine import EDITED
from harness.differential.observe import CACHE_FILE, Answer, DiskState
from harness.differential.options import DiffOptions
from harness.differential.run import DiffResult, run_diff
from harness.differential.side import Side
from harness.paths import ProjectPaths
from harness.session import RunConfig, execute_run
from harness.spec import load_case_file
from harness.stepspec import Edit
from harness.testee import InProcessTestee

REPO = Path(__file__).resolve().parents[2]


def _diverge(tmp_path: Path, factory: Any, examples: int = 300) -> DiffResult:
    result = run_diff(
        a=InProcessTestee(name="reference"),
        b=planted_testee(name="planted", factory=factory),
        options=DiffOptions(examples=examples, out_dir=tmp_path),
    )
    assert not result.ok and result.counterexample is not None, result.render()
    return result


def _replays(tmp_path: Path, result: DiffResult, factory: Any) -> dict[str, Any]:
    """The written case loads, passes on the reference and fails on the planted bug."""
    assert result.written is not None
    cases, errors = load_case_file(path=result.written.case_file)
    assert not errors and len(cases) == 1, errors
    paths = ProjectPaths.at(root=REPO, cases_dir=tmp_path / "cases",
                            golden_dir=tmp_path / "files", xfail_dir=tmp_path / "no-xfail")
    run = execute_run(config=RunConfig(
        paths=paths, use_go=False, only_impls=("reference",),
        extra_testees=(planted_testee(name="planted", factory=factory),),
    ))
    outcomes = {r.impl: r.outcome for r in run.results}
    assert outcomes == {"reference": Outcome.PASS, "planted": Outcome.FAIL}, run.results
    doc: dict[str, Any] = json.loads(result.written.case_file.read_text())["cases"][0]
    return doc


def test_a_stale_in_memory_read_is_found_by_an_edit_without_reopen(tmp_path: Path) -> None:
    """Only a file changed behind an open cache shows a cache that does not re-read it."""
    result = _diverge(tmp_path, StaleReadSession)
    ops = [ts.step["op"] for ts in result.counterexample.steps]  # type: ignore[union-attr]
    assert "edit" in ops and ops.index("edit") < len(ops) - 1, ops
    assert ops.count("open") == 1 and ops[-1] in ("lookup", "store", "delete"), ops
    case = _replays(tmp_path, result, StaleReadSession)
    edit = next(s for s in case["steps"] if s["op"] == "edit")
    assert edit["path"] == CACHE_FILE and "expect" not in edit


def test_a_cache_that_honours_userprofile_is_found_with_the_decoy_laid_out(
    tmp_path: Path,
) -> None:
    """USERPROFILE set by the example moves a planted cache; the case carries the decoys."""
    result = _diverge(tmp_path, UserProfileSession)
    cx = result.counterexample
    assert cx is not None and cx.env is not None and cx.env.get("USERPROFILE"), cx.render()
    case = _replays(tmp_path, result, UserProfileSession)
    assert case["env"]["USERPROFILE"] == cx.env["USERPROFILE"]
    assert DECOY_CACHE in {f["path"] for f in case["sandbox"]["files"]}


def test_an_open_without_home_is_generated_as_its_own_step(tmp_path: Path) -> None:
    """The CLI's HOME wording differs only without HOME: an open step with HOME unset or
    empty, after which the example goes on."""
    result = _diverge(tmp_path, CliHomeSession)
    cx = result.counterexample
    assert cx is not None, result.render()
    last = cx.steps[-1].step
    assert last["op"] == "open" and last["env"]["HOME"] in (None, ""), cx.render()
    case = _replays(tmp_path, result, CliHomeSession)
    assert case["steps"][-1]["env"] == last["env"]


def test_a_dir_mode_that_ignores_the_umask_is_found_under_0277(tmp_path: Path) -> None:
    """0700 forced on .databricks agrees with Go under 022 and 077, not under 0277."""
    # Only an example that opens an empty sandbox under 0277 shows it (about 3 in 100);
    # the bound leaves room for how the loaded modules' constants shift the draws.
    result = _diverge(tmp_path, TightDirSession, examples=1500)
    cx = result.counterexample
    assert cx is not None and cx.umask == 0o277, cx.render()
    case = _replays(tmp_path, result, TightDirSession)
    assert case["sandbox"]["umask"] == "0277"


def test_edit_and_env_become_a_valid_case_without_expectations_on_edits() -> None:
    """A trace with an edit under a decoy env and umask 0007 is a loadable spec case."""
    ok = Answer(compared={"ok": {}})
    cx = Counterexample(
        names=("reference", "x"), file=None,
        steps=(TraceStep(step={"op": "open", "path": None}, answers=(ok, ok)),
               TraceStep(step={"op": "edit", "path": CACHE_FILE, "mode": "0644"},
                         answers=(EDITED, EDITED))),
        disks=(DiskState("regular", 0o644, b"{}", 0o700, ("token-cache.json",)),) * 2,
        diffs=("x",), expected_side=0,
        env={"HOME": "home", "TMPDIR": "decoy-file", "USERPROFILE": None}, umask=0o007,
    )
    case, _ = counterexample_case(cx=cx)
    assert case["env"] == {"HOME": "home", "TMPDIR": "decoy-file"}
    assert case["sandbox"]["umask"] == "0007"
    assert case["steps"][1] == {"op": "edit", "path": CACHE_FILE, "mode": "0644"}
    assert case["final"]["other_files"][DECOY_CACHE] == {"text": DECOY_CONTENT.decode()}


def test_side_snapshot_keeps_links_and_modes_and_notices_decoy_writes(tmp_path: Path) -> None:
    """restore() puts back a symlink and a 0644 file; a write into a decoy is reported."""
    side = Side(testee=InProcessTestee(), parent=tmp_path)
    try:
        side.reset(env={"HOME": "home"}, umask=0o022)
        side.cache_dir.mkdir(mode=0o700)
        (side.cache_dir / "a.json").write_bytes(b"a")
        os.chmod(side.cache_dir / "a.json", 0o644)
        side.edit(edit=Edit(path=CACHE_FILE, action="symlink", target="a.json"))
        snap = side.snapshot()
        (side.cache_dir / "a.json").unlink()
        os.unlink(side.root / CACHE_FILE)
        (side.cache_dir / "extra").write_bytes(b"x")
        side.restore(snapshot=snap)
        assert os.readlink(side.root / CACHE_FILE) == "a.json"
        assert os.stat(side.cache_dir / "a.json").st_mode & 0o777 == 0o644
        assert sorted(os.listdir(side.cache_dir)) == ["a.json", "token-cache.json"]
        assert side.disk().decoys == ()
        (side.root / DECOY_CACHE).write_bytes(b"written by a bug")
        assert side.disk().decoys == (DECOY_CACHE,)
        side.reset(env={"HOME": "home"}, umask=0o022)
        assert side.disk().decoys == () and (side.root / DECOY_CACHE).read_bytes() == DECOY_CONTENT
        (side.root / "decoy/.databricks/.token-cache-1.tmp").write_bytes(b"")
        assert side.disk().decoys == ("decoy/.databricks",)
    finally:
        side.close()


def test_a_hand_edited_file_replaces_whatever_an_edit_left(tmp_path: Path) -> None:
    """write-file-and-reopen after an edit replaces a link (not writing through it into the
    decoy) and a directory."""
    side = Side(testee=InProcessTestee(), parent=tmp_path)
    try:
        side.reset(env={"HOME": "home"}, umask=0o022)
        side.cache_dir.mkdir(mode=0o700)
        side.edit(edit=Edit(path=CACHE_FILE, action="symlink", target=f"../../{DECOY_CACHE}"))
        side.write_cache_file(data=b"{}")
        assert not (side.root / CACHE_FILE).is_symlink()
        assert (side.root / DECOY_CACHE).read_bytes() == DECOY_CONTENT
        assert side.disk().decoys == ()
        side.edit(edit=Edit(path=CACHE_FILE, action="directory", mode=0o700))
        side.write_cache_file(data=b"[]")
        assert (side.root / CACHE_FILE).read_bytes() == b"[]"
    finally:
        side.close()


def test_owner_taking_umasks_and_modes_are_left_out_between_privileges() -> None:
    """Between root in process and a capability-less confined testee, 0277 and 0000 would
    only show the privilege difference: the strategies can leave them out, and do not
    otherwise."""
    from hypothesis import find
    from hypothesis.errors import NoSuchExample

    from harness.confine import CONFINED_NOTE
    from harness.differential.engine import _ignores_permissions
    from harness.differential.strategies import edit_steps, umasks

    assert find(umasks(), lambda u: u & 0o700) == 0o277
    with pytest.raises(NoSuchExample):
        find(umasks(owner_rights_kept=True), lambda u: u & 0o700)
    edits = edit_steps(path=CACHE_FILE, link_targets=("x",))
    assert find(edits, lambda e: e.get("mode") == "0000")["mode"] == "0000"
    with pytest.raises(NoSuchExample):
        find(edit_steps(path=CACHE_FILE, link_targets=("x",), owner_rights_kept=True),
             lambda e: e.get("mode") == "0000")

    class Confined:
        confinement = CONFINED_NOTE

    root = os.geteuid() == 0
    assert _ignores_permissions(InProcessTestee()) is root
    assert _ignores_permissions(Confined()) is False  # type: ignore[arg-type]
