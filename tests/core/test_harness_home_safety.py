"""The real HOME is never read or written, and no temp dirs leak."""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from tcc_fake_testee import FakeSession
from tcc_helpers import OPEN, REFERENCE_NAMES, case, fake_command, store

from harness.data import Outcome
from harness.impls import select_impls
from harness.options import require_go_default
from harness.runner import RunOptions
from harness.session import Execution
from harness.spec import load_cases
from harness.testee import HOME_PREFIX, InProcessTestee, SubprocessTestee, Testee

SENTINEL = b'{"version": 1, "tokens": {"canary": {"access_token": "do-not-touch"}}}'
LOOKUP: dict[str, Any] = {"op": "lookup", "key": "k",
                          "expect": {"ok": {"token": {"access_token": "a"}}}}


def _snapshot(root: Path) -> dict[str, bytes | None]:
    out: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            out[str(p.relative_to(root))] = p.read_bytes() if p.is_file() else None
    return out


@pytest.fixture
def canary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """HOME points at a canary holding a sentinel cache; temp dirs go to a scratch dir."""
    home = tmp_path / "canary-home"
    (home / ".databricks").mkdir(parents=True)
    (home / ".databricks" / "token-cache.json").write_bytes(SENTINEL)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return home, scratch


def _safety_cases(write_cases) -> None:  # type: ignore[no-untyped-def]
    write_cases("safe", [
        case("safe.default-location", OPEN, store("k"), LOOKUP,
             final={"file_type": "regular", "file_mode": "0600"}),
        case("safe.explicit-path", {"op": "open", "path": "elsewhere/c.json"}, store("k"), LOOKUP,
             final={"file_type": "regular"}),
        case("safe.other-home", OPEN, store("k"), LOOKUP, env={"HOME": "h2"},
             sandbox={"dirs": [{"path": "h2", "mode": "0755"}]},
             final={"file": "h2/.databricks/token-cache.json", "file_type": "regular"}),
    ])


def _run_and_check(project: Path, canary: tuple[Path, Path], testees: list[Testee]) -> None:
    home, scratch = canary
    before = _snapshot(home)
    loaded = load_cases(cases_dir=project / "golden" / "cases")
    run = Execution(cases=loaded.cases, testees=testees,
                     options=RunOptions(golden_dir=project / "golden" / "files")).run_all()
    bad = [r for r in run.results if r.outcome is not Outcome.PASS]
    assert not bad, bad
    assert len(run.results) == len(loaded.cases) * len(testees)
    assert _snapshot(home) == before
    assert (home / ".databricks" / "token-cache.json").read_bytes() == SENTINEL
    assert list(scratch.iterdir()) == []


def test_fake_testees_never_touch_home_and_leave_no_temp_dirs(
    project: Path, write_cases, canary: tuple[Path, Path]
) -> None:
    """In-process and subprocess testees work only inside sandboxes; HOME stays byte-identical."""
    _safety_cases(write_cases)
    testees: list[Testee] = [
        InProcessTestee(name="inproc", session_factory=FakeSession),
        SubprocessTestee(name="sub", command=fake_command()),
    ]
    _run_and_check(project, canary, testees)


def test_subprocess_testee_runs_with_a_private_temp_home(canary: tuple[Path, Path]) -> None:
    """A subprocess testee sees a fresh temp HOME made by the harness, never the caller's."""
    home, scratch = canary
    testee = SubprocessTestee(name="sub", command=fake_command())
    try:
        testee.start()
        seen = Path(testee.hello.details["home"])
        assert seen != home
        assert seen.parent == scratch and seen.name.startswith(HOME_PREFIX)
        assert seen.is_dir()
    finally:
        testee.close()
    assert not seen.exists()  # the private home goes away with the process


@pytest.mark.skipif(importlib.util.find_spec("reference_impl.protocol") is None,
                    reason="reference_impl.protocol is not importable in this install")
def test_reference_never_touches_home(
    project: Path, write_cases, canary: tuple[Path, Path]
) -> None:
    """The real in-process reference, too, only ever writes inside the sandbox."""
    _safety_cases(write_cases)
    _run_and_check(project, canary, [InProcessTestee()])


@pytest.mark.go
def test_go_testees_never_touch_home(
    project: Path, write_cases, canary: tuple[Path, Path]
) -> None:
    """Every available Go testee only ever writes inside the sandbox."""
    selection = select_impls(repo_root=Path(__file__).resolve().parents[2],
                             skip=REFERENCE_NAMES)
    testees = list(selection.testees)
    if not testees:
        why = f"no Go testee available: {[u.unavailable for u in selection.unavailable]}"
        if require_go_default():
            pytest.fail(why + " (TOKENCACHE_COMPAT_REQUIRE_GO is set)")
        pytest.skip(why)
    _safety_cases(write_cases)
    _run_and_check(project, canary, testees)
