"""`diff` and `interop` tell how far they are on stderr (plain lines when not on a terminal)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from harness.cli import main

# Seconds each (real diff and interop runs): not in the fast lane.
pytestmark = pytest.mark.slow

REF2 = "ref2=" + shlex.join([sys.executable, "-m", "reference_impl"])


@pytest.fixture(autouse=True)
def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKENCACHE_COMPAT_PROGRESS", "plain")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_diff_reports_examples_as_it_goes(
    jobs: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Progress lines count toward the example target and end with the total and the time."""
    code = main(["diff", "reference", "ref2", "--no-go", "--impl", REF2, "--examples", "12",
                 "--seed", "3", "--jobs", jobs, "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 0, captured.out
    lines = captured.err.splitlines()
    assert lines and all(ln.startswith("diff reference vs ref2: ") for ln in lines), lines
    assert lines[-1].startswith("diff reference vs ref2: 12/12 examples, ")
    assert "examples" in captured.out  # the result itself still goes to stdout


def test_interop_reports_pairs_as_it_goes(capsys: pytest.CaptureFixture[str]) -> None:
    """Every writer x reader pair counts; the last line says all of them are done."""
    code = main(["interop", "--no-go", "--no-require-go", "--impl", REF2,
                 "--only-impl", "reference", "--only-impl", "ref2"])
    captured = capsys.readouterr()
    assert code == 0, captured.out
    lines = captured.err.splitlines()
    assert lines[0].startswith("interop: 1/4 pairs, ")
    assert lines[-1].startswith("interop: 4/4 pairs, ")
    assert "INTEROP OK" in captured.out


def test_progress_off_is_silent(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """TOKENCACHE_COMPAT_PROGRESS=off: nothing on stderr."""
    monkeypatch.setenv("TOKENCACHE_COMPAT_PROGRESS", "off")
    assert main(["interop", "--no-go", "--no-require-go", "--impl", REF2]) == 0
    assert capsys.readouterr().err == ""
