"""Faults injected for real while a step runs: limits sent, disks filled, attributes cleared."""

from __future__ import annotations

import errno
import os
import resource
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest
from tcc_fake_testee import FakeSession
from tcc_helpers import OPEN, case, fake_command, store

from harness import faults
from harness.data import CaseResult, Outcome
from harness.exceptions import FaultUnavailable
from harness.faults import CaseFaults, fill_filesystem, mount_tmpfs, set_immutable, unmount
from harness.runner import RunOptions, run_case
from harness.spec import Case, load_cases
from harness.testee import InProcessTestee, SubprocessTestee

CF = "home/.databricks/token-cache.json"
EXISTING = {"dirs": [{"path": "home/.databricks", "mode": "0700"}],
            "files": [{"path": CF, "mode": "0600", "text": '{"version":1,"tokens":{}}'}]}


class LimitedFake(FakeSession):
    """The fake testee announcing `file_size` limits and recording every request."""

    requests: ClassVar[list[dict[str, Any]]] = []

    def handle(self, req: dict[str, Any]) -> dict[str, Any]:
        LimitedFake.requests.append(req)
        resp = super().handle(req)
        if req["op"] == "hello":
            resp["result"]["limits"] = ["file_size"]
        return resp


def _case(project: Path, write_cases: Any, *steps: dict[str, Any], **extra: Any) -> Case:
    write_cases("c", [case("c.one", *steps, **extra)])
    loaded = load_cases(cases_dir=project / "golden" / "cases")
    assert loaded.errors == ()
    return loaded.cases[0]


def _run(c: Case, testee: Any, project: Path, parent: Path | None = None) -> CaseResult:
    options = RunOptions(golden_dir=project / "golden" / "files", sandbox_parent=parent)
    return run_case(case=c, testee=testee, options=options)


def _skip_unless_injectable(result: CaseResult) -> None:
    if result.outcome is Outcome.SKIPPED and "fault unavailable" in result.message:
        pytest.skip(f"this machine cannot inject the fault: {result.message}")


def test_file_size_limit_is_sent_with_its_step_only(project: Path, write_cases) -> None:
    """The faulted step's request carries limits.file_size; the other requests carry nothing."""
    c = _case(project, write_cases, OPEN,
              store("k", fault={"kind": "file_size_limit", "bytes": 16}), store("j"))
    LimitedFake.requests = []
    r = _run(c, InProcessTestee(name="fake", session_factory=LimitedFake), project)
    assert r.outcome is Outcome.PASS, r
    sent = [q for q in LimitedFake.requests if q["op"] != "hello"]
    assert [q.get("limits") for q in sent] == [None, {"file_size": 16}, None]


def test_a_testee_that_applies_no_limits_is_skipped_with_the_reason(
    project: Path, write_cases
) -> None:
    """Without `file_size` in hello's limits the case is skipped, never run unlimited."""
    c = _case(project, write_cases, OPEN,
              store("k", fault={"kind": "file_size_limit", "bytes": 0}))
    r = _run(c, InProcessTestee(name="fake", session_factory=FakeSession), project)
    assert r.outcome is Outcome.SKIPPED
    assert "hello limits lacks 'file_size'" in r.message


def test_the_reference_fails_under_a_real_limit_and_gets_its_limit_back(
    project: Path, write_cases
) -> None:
    """In-process, the kernel refuses the write (EFBIG) and the harness's own limit returns."""
    before = resource.getrlimit(resource.RLIMIT_FSIZE)
    c = _case(project, write_cases, OPEN,
              store("k", fault={"kind": "file_size_limit", "bytes": 16},
                    expect={"error": "error", "message": "error storing token in local cache: "
                            "write {sandbox}/home/.databricks/.token-cache-*.tmp: file too large"}),
              final={"listing": [".token-cache-*.tmp", "token-cache.json"]})
    r = _run(c, InProcessTestee(), project)
    assert r.outcome is Outcome.PASS, r
    assert resource.getrlimit(resource.RLIMIT_FSIZE) == before


def test_disk_full_fails_the_write_and_leaves_no_mount(
    project: Path, write_cases, tmp_path: Path
) -> None:
    """The sandbox sits on a tmpfs filled for the step; the store fails with ENOSPC, then the
    tmpfs is unmounted and removed."""
    c = _case(project, write_cases, OPEN,
              store("k", fault={"kind": "disk_full"},
                    expect={"error": "error", "message": "error storing token in local cache: "
                            "write {sandbox}/home/.databricks/.token-cache-*.tmp: "
                            "no space left on device"}),
              store("k", expect={"ok": {}}))
    parent = tmp_path / "parent"
    parent.mkdir()
    r = _run(c, InProcessTestee(), project, parent=parent)
    _skip_unless_injectable(r)
    assert r.outcome is Outcome.PASS, r
    assert list(parent.iterdir()) == []
    assert str(parent) not in Path("/proc/self/mounts").read_text()


def test_fill_filesystem_leaves_no_block_and_frees_it(tmp_path: Path) -> None:
    """After filling, even one byte cannot be written; removing the filler frees the space."""
    target = tmp_path / "fs"
    target.mkdir()
    try:
        mount_tmpfs(target=target, size=64 * 1024)
    except FaultUnavailable as exc:
        pytest.skip(f"no mount privilege here: {exc}")
    try:
        filler = fill_filesystem(directory=target)
        with pytest.raises(OSError) as info:
            (target / "one").write_bytes(b"x")
        assert info.value.errno == errno.ENOSPC
        filler.unlink()
        (target / "two").write_bytes(b"x" * 4096)
    finally:
        unmount(target=target)


def test_immutable_file_fails_the_rename_and_is_cleared(
    project: Path, write_cases, tmp_path: Path
) -> None:
    """An immutable cache file fails the reference's rename (EPERM, root too) and is mutable
    again afterwards: the sandbox is removed."""
    c = _case(project, write_cases, OPEN,
              store("k", fault={"kind": "immutable", "path": CF},
                    expect={"error": "error", "message": "error storing token in local cache: "
                            "rename {sandbox}/home/.databricks/.token-cache-*.tmp "
                            "{sandbox}/home/.databricks/token-cache.json: "
                            "operation not permitted"}),
              store("k", expect={"ok": {}}), sandbox=EXISTING,
              final={"listing": ["token-cache.json"]})
    parent = tmp_path / "parent"
    parent.mkdir()
    r = _run(c, InProcessTestee(), project, parent=parent)
    _skip_unless_injectable(r)
    assert r.outcome is Outcome.PASS, r
    assert list(parent.iterdir()) == []


def test_immutable_is_cleared_when_the_testee_crashes_mid_step(
    project: Path, write_cases, tmp_path: Path
) -> None:
    """A testee dying under the fault still gets a crash outcome and a removable sandbox."""
    probe = tmp_path / "probe"
    probe.write_text("x")
    try:
        set_immutable(path=probe, on=True)
        set_immutable(path=probe, on=False)
    except FaultUnavailable as exc:
        pytest.skip(f"no immutable attribute here: {exc}")
    c = _case(project, write_cases, OPEN, store("crash", fault={"kind": "immutable", "path": CF}),
              sandbox=EXISTING)
    parent = tmp_path / "parent"
    parent.mkdir()
    testee = SubprocessTestee(name="fake", command=fake_command(), timeout=5.0)
    try:
        r = _run(c, testee, project, parent=parent)
    finally:
        testee.close()
    assert r.outcome is Outcome.CRASH, r
    assert list(parent.iterdir()) == []


def test_a_fault_this_machine_cannot_inject_skips_with_its_reason(
    project: Path, write_cases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No mount privilege: the case is skipped naming why, never passed, nothing left behind."""

    def refuse(*, target: Path, size: int) -> None:
        raise FaultUnavailable(f"mounting on {target}: Operation not permitted")

    monkeypatch.setattr(faults, "mount_tmpfs", refuse)
    c = _case(project, write_cases, OPEN, store("k", fault={"kind": "disk_full"}))
    parent = tmp_path / "parent"
    parent.mkdir()
    r = _run(c, InProcessTestee(), project, parent=parent)
    assert r.outcome is Outcome.SKIPPED
    assert "fault unavailable here" in r.message and "Operation not permitted" in r.message
    assert list(parent.iterdir()) == []


class LinkingFake(FakeSession):
    """A hostile testee: a store of key `evil` plants home/link pointing out of the sandbox."""

    outside = ""

    def handle(self, req: dict[str, Any]) -> dict[str, Any]:
        if req.get("op") == "store" and req.get("key") == "evil" and self.path:
            home = os.path.dirname(os.path.dirname(self.path))
            os.symlink(LinkingFake.outside, os.path.join(home, "link"))
        return super().handle(req)


def test_an_immutable_path_through_a_link_the_testee_made_is_refused(
    project: Path, write_cases, tmp_path: Path
) -> None:
    """The fault path is resolved as the links are when the step runs: one leading out of the
    sandbox refuses the case, and nothing outside is touched."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "f").write_text("mine")
    LinkingFake.outside = str(outside)
    c = _case(project, write_cases, OPEN, store("evil"),
              {"op": "lookup", "key": "evil",
               "fault": {"kind": "immutable", "path": "home/link/f"}})
    with CaseFaults(case=c) as cf:
        assert cf.sandbox_parent is None  # no tmpfs for a case without disk_full
    r = _run(c, InProcessTestee(name="fake", session_factory=LinkingFake), project)
    assert r.outcome is Outcome.ERROR and "outside the sandbox" in r.message, r
    (outside / "f").write_text("still writable")  # never made immutable


def test_a_confined_testee_is_restarted_to_see_the_cases_tmpfs(
    project: Path, write_cases, tmp_path: Path
) -> None:
    """bwrap gives a testee the mounts of its start; a running confined testee is restarted
    once so that its writes land on the case's full tmpfs (ENOSPC), not beneath it."""
    from harness import confine

    bwrap = confine.bwrap_path()
    if bwrap is None or confine.probe(bwrap=bwrap) is not None:
        pytest.skip("bwrap cannot confine a process here")
    probe = tmp_path / "m"
    probe.mkdir()
    try:
        mount_tmpfs(target=probe, size=64 * 1024)
        unmount(target=probe)
    except FaultUnavailable as exc:
        pytest.skip(f"no mount privilege here: {exc}")
    write_cases("c", [
        case("c.warm", OPEN),
        case("c.full", OPEN, store("k", fault={"kind": "disk_full"},
                                   expect={"error": "error", "message": (
                                       "error storing token in local cache: write "
                                       "{sandbox}/home/.databricks/.token-cache-*.tmp: "
                                       "no space left on device")})),
    ])
    cases = {c.id: c for c in load_cases(cases_dir=project / "golden" / "cases").cases}
    testee = SubprocessTestee(name="ref", command=(sys.executable, "-m", "reference_impl"),
                              confine_mode="on")
    options = RunOptions(golden_dir=project / "golden" / "files")
    try:
        assert run_case(case=cases["c.warm"], testee=testee, options=options).outcome is (
            Outcome.PASS)
        assert testee.starts == 1 and testee.confinement == confine.CONFINED_NOTE
        r = run_case(case=cases["c.full"], testee=testee, options=options)
        assert r.outcome is Outcome.PASS, r
        assert testee.starts == 2  # restarted once, after the tmpfs was mounted
    finally:
        testee.close()
