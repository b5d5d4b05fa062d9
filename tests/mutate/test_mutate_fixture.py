"""`tokencache-compat mutate` end to end on a tiny fixture module (tests/mutate/fixture), real Go.

The fixture's three mutants are known: the fs.mode.new-* cases must kill the two
mode changes and cannot see the changed version message, which must survive.
The tests that build and judge mutants take seconds each and are `slow` (the
full suite, which CI runs, has them; the fast lane keeps the ones that build
nothing but the operator program).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.gobuild import build_env

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "mutate" / "fixture"
MODULE = FIXTURE / "tinycache"
TESTEE = FIXTURE / "testee"
TARGET = "cache.go:dirMode,fileMode,versionMessage"
TOOL = REPO / "adapters" / "go" / "mutate"

pytestmark = pytest.mark.go


def _require_go() -> None:
    if shutil.which("go") is None:
        if os.environ.get("TOKENCACHE_COMPAT_REQUIRE_GO", "") not in ("", "0", "false"):
            pytest.fail("go is not on PATH but TOKENCACHE_COMPAT_REQUIRE_GO is set")
        pytest.skip("go toolchain not found on PATH")


def _tree_digest(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        digest.update(path.relative_to(directory).as_posix().encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _mutate(tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    report = tmp_path / "mutate.json"
    code = main(["mutate", "--root", str(REPO), "--module", str(MODULE), "--testee", str(TESTEE),
                 "--target", TARGET, "-k", "fs.mode.new", "--json", str(report), *extra])
    return code, json.loads(report.read_text()) if report.exists() else {}


@pytest.mark.slow
def test_mode_mutants_are_killed_and_the_unread_message_survives(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """dirMode and fileMode changes fail mode cases; versionMessage's survives with its patch."""
    _require_go()
    before = (_tree_digest(MODULE), _tree_digest(TESTEE))
    code, report = _mutate(tmp_path)
    assert code == 0
    by_func = {m["func"]: m for m in report["mutants"]}
    assert sorted(by_func) == ["dirMode", "fileMode", "versionMessage"]
    assert {f: (m["operator"], m["status"]) for f, m in by_func.items()} == {
        "dirMode": ("mode-const", "killed"),
        "fileMode": ("mode-const", "killed"),
        "versionMessage": ("string-lit", "survived"),
    }
    assert "fs.mode.new-default-location" in by_func["dirMode"]["killed_by"]
    assert by_func["fileMode"]["stage"] == "suite"
    assert report["summary"]["score"] == pytest.approx(2 / 3, abs=1e-3)
    assert report["baseline"]["outcomes"] == {"pass": 5}
    survivor = by_func["versionMessage"]["patch"]
    assert '-func versionMessage() string { return "unsupported cache version" }\n' in survivor
    assert '+func versionMessage() string { return "Xunsupported cache version" }\n' in survivor
    out = capsys.readouterr().out
    assert "score: 66.7% (2 of 3 scored mutants detected)" in out
    assert "SURVIVORS" in out and survivor.rstrip("\n") in out
    # The module and the testee are read, never written (no go.mod edits, no mutated file).
    assert (_tree_digest(MODULE), _tree_digest(TESTEE)) == before


@pytest.mark.slow
def test_fail_under_turns_a_low_score_into_exit_1(tmp_path: Path) -> None:
    """With only the surviving mutant the score is 0%, below --fail-under 50."""
    _require_go()
    code, report = _mutate(tmp_path, "--operator", "string-lit", "--fail-under", "50")
    assert code == 1
    assert [m["status"] for m in report["mutants"]] == ["survived"]


@pytest.mark.slow
def test_project_xfail_lists_do_not_apply_to_the_mutant_column(tmp_path: Path) -> None:
    """Named like a release whose list expects errors.lookup.missing-key to fail, the
    fixture (which passes it) is still judged against its own baseline only."""
    _require_go()
    report = tmp_path / "mutate.json"
    code = main(["mutate", "--root", str(REPO), "--module", str(MODULE), "--testee", str(TESTEE),
                 "--target", TARGET, "--name", "go-sdk@v0.61.0", "-k", "errors.lookup.missing-key",
                 "--only", "m001", "--json", str(report)])
    doc = json.loads(report.read_text())
    assert code == 0
    assert doc["baseline"]["outcomes"] == {"pass": 1}
    assert [m["status"] for m in doc["mutants"]] == ["survived"]


def test_list_prints_the_mutants_without_building(capsys: pytest.CaptureFixture[str]) -> None:
    """--list names each mutant with its patch and the operator counts."""
    _require_go()
    code = main(["mutate", "--root", str(REPO), "--module", str(MODULE), "--testee", "nowhere",
                 "--target", TARGET, "--list"])
    out = capsys.readouterr().out
    assert code == 0
    assert "m001 mode-const cache.go:29:37 in dirMode: 0o700 -> 0o755" in out
    assert "+func fileMode() os.FileMode { return 0o644 }" in out
    assert out.rstrip().endswith("3 mutant(s): mode-const 2, string-lit 1")


def test_a_testee_that_does_not_build_the_module_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --testee whose go.mod does not require the module fails with a message naming both."""
    _require_go()
    other = tmp_path / "other"
    other.mkdir()
    (other / "go.mod").write_text("module example.com/other\n\ngo 1.22\n")
    (other / "main.go").write_text("package main\n\nfunc main() {}\n")
    code = main(["mutate", "--root", str(REPO), "--module", str(MODULE), "--testee", str(other),
                 "--target", TARGET])
    err = capsys.readouterr().err
    assert code == 1
    assert f"{other}/go.mod does not require example.com/tinycache" in err


def test_an_unknown_function_in_a_target_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    """`--target cache.go:nosuch` fails before any build, naming the function."""
    _require_go()
    code = main(["mutate", "--root", str(REPO), "--module", str(MODULE), "--testee", str(TESTEE),
                 "--target", "cache.go:nosuch", "--list"])
    assert code == 1
    assert "no function nosuch" in capsys.readouterr().err


@pytest.mark.slow
def test_operator_program_vets_and_passes_its_unit_tests() -> None:
    """`go vet` and `go test` succeed in adapters/go/mutate with the build environment."""
    _require_go()
    env = build_env(repo_root=REPO)
    for args in (["vet", "./..."], ["test", "-count=1", "./..."]):
        done = subprocess.run(["go", *args], cwd=TOOL, env=env, capture_output=True, text=True,
                              timeout=600, check=False)
        assert done.returncode == 0, f"go {' '.join(args)}:\n{done.stdout}{done.stderr}"


@pytest.mark.slow
def test_diff_stage_refuses_a_baseline_that_already_diverges(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The fixture's own messages differ from Go's, so `--diff-examples` stops at the baseline."""
    _require_go()
    code, report = _mutate(tmp_path, "--diff-examples", "10")
    assert code == 1 and report == {}
    assert "the unmutated build already fails `diff reference`" in capsys.readouterr().err
