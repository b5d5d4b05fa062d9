"""Item 8: the smaller defects found on the way, each with the behaviour that was wrong."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_helpers import HOSTILE, LOOKUP, OPEN, case, hostile_impl, store

from harness.cli import main
from harness.paths import find_repo_root

REPO = find_repo_root()


def test_relative_testee_path_resolves_against_the_start_dir(
    project: Path, write_cases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python3 my_testee.py` and `./bin/testee` mean the directory the harness started in."""
    write_cases("r", [case("r.one", OPEN, store(), LOOKUP)])
    here = tmp_path / "cwd"
    (here / "bin").mkdir(parents=True)
    shutil.copy(HOSTILE, here / "my_testee.py")
    wrapper = here / "bin" / "testee"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{HOSTILE}" normal\n')
    wrapper.chmod(0o755)
    monkeypatch.chdir(here)
    code = main(["run", "--root", str(project), "--no-go", "--only-impl", "a", "--only-impl", "b",
                 "--impl", f"a={sys.executable} my_testee.py normal",
                 "--impl", "b=./bin/testee", "--json", str(tmp_path / "r.json")])
    doc = json.loads((tmp_path / "r.json").read_text())
    assert code == 0, doc
    assert {(r["impl"], r["outcome"]) for r in doc["results"]} == {("a", "pass"), ("b", "pass")}


@pytest.mark.slow
def test_only_impl_of_a_go_testee_with_no_go_says_disabled(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--only-impl go-sdk@... --no-go` names --no-go, not an unknown implementation."""
    with pytest.raises(SystemExit) as exc:
        main(["run", "--root", str(REPO), "--no-go", "--only-impl", "go-sdk@v0.129.0"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "go-sdk@v0.129.0: a Go implementation, but --no-go disables the Go testees" in err
    assert "unknown" not in err


def test_a_stray_file_in_the_cases_folder_is_reported(
    project: Path, write_cases, capsys: pytest.CaptureFixture[str]
) -> None:
    """A non-*.json file (or a subfolder) in the cases folder is an error, not silence."""
    write_cases("c", [case("c.one", OPEN, store(), LOOKUP)])
    cases = project / "golden" / "cases"
    (cases / "more.json.bak").write_text("{}")
    (cases / "old").mkdir()
    code = main(["run", "--root", str(project), "--no-go", "--only-impl", "reference"])
    out = capsys.readouterr().out
    assert code == 1
    assert "more.json.bak: file: at <root>: not a case file" in out
    assert "old: file: at <root>: not a case file" in out
    assert main(["list", "--root", str(project)]) == 1
    assert "more.json.bak" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("extra", [[], ["--json"]], ids=["text", "json"])
def test_list_into_a_closed_pipe_ends_quietly(extra: list[str]) -> None:
    """`tokencache-compat list | head` ends without a BrokenPipeError traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "harness", "list", "--root", str(REPO),
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader goes away before the first line is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert err == ""


def test_interop_fails_on_altered_tokens_unless_allowed(
    project: Path, state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A lost `expires_in` makes interop exit 1; --allow-altered tolerates it."""
    impl = hostile_impl("h", "drop-expires-in", state=state)
    args = ["interop", "--root", str(project), "--no-go", "--skip-impl", "reference+go1.27.3",
            "--impl", impl]
    assert main(args) == 1
    assert "altered" in capsys.readouterr().out
    assert main([*args, "--allow-altered"]) == 0


def test_gitignore_covers_a_venv_file() -> None:
    """`.venv` as a file (as uv and some tools create) is ignored, not only a .venv/ folder."""
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed: cannot ask it what .gitignore covers")
    done = subprocess.run([git, "-C", str(REPO), "check-ignore", "--no-index", "-q", ".venv"],
                          check=False)
    assert done.returncode == 0


@pytest.mark.slow
def test_two_runs_write_byte_identical_reports(
    project: Path, write_cases, state: Path, tmp_path: Path
) -> None:
    """Panic addresses, goroutine ids and temp paths do not make two reports differ."""
    write_cases("d", [case("d.panic", OPEN, store()), case("d.ok", OPEN, store(), LOOKUP)])
    outs = []
    for n in (1, 2):
        out = tmp_path / f"run{n}"
        main(["run", "--root", str(project), "--no-go", "--only-impl", "h",
              "--impl", hostile_impl("h", "panic,show-paths", state=state),
              "--json", str(out / "r.json"), "--junit", str(out / "r.xml"),
              "--markdown", str(out / "r.md"), "--html", str(out / "r.html")])
        outs.append(out)
    for name in ("r.json", "r.xml", "r.md", "r.html"):
        first, second = ((o / name).read_text() for o in outs)
        assert first == second, name
    text = (outs[0] / "r.json").read_text()
    assert "goroutine N [running]" in text and "+0x?" in text and "HOME={tmp}" in text


@pytest.mark.go
def test_two_runs_with_a_real_go_panic_are_byte_identical(tmp_path: Path) -> None:
    """The Go SDK's nil-pointer panic on a `null` cache file reads the same in two runs."""
    if shutil.which("go") is None:
        pytest.skip("go toolchain not found on PATH")
    texts = []
    for n in (1, 2):
        out = tmp_path / f"r{n}.json"
        main(["run", "--root", str(REPO), "-k", "decode.null.top-level",
              "--only-impl", "go-sdk@v0.129.0", "--json", str(out)])
        texts.append(out.read_text())
    assert "nil pointer dereference" in texts[0]
    assert texts[0] == texts[1]
