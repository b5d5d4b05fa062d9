"""`tokencache-compat stress` on the command line: reports, exit codes, usage errors."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest
from stress_helpers import FAKE_WRITER

from harness.cli import main


def fake(mode: str) -> str:
    """An --impl option for the fake writer in `mode`."""
    return f"fake-{mode}={shlex.quote(sys.executable)} {shlex.quote(str(FAKE_WRITER))} {mode}"


def test_json_and_markdown_reports_carry_the_mix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A forgetful writer: the JSON report has the documented shape and counts; exit 0."""
    code = main(["stress", "--no-go", "--impl", fake("forgetful"), "--writers", "fake-forgetful=1",
                 "--stores", "6", "--json", str(tmp_path / "s.json"),
                 "--markdown", str(tmp_path / "s.md")])
    assert code == 0
    [mix] = json.loads((tmp_path / "s.json").read_text())["mixes"]
    assert mix["writers"] == {"fake-forgetful": 1}
    assert (mix["stores_acked"], mix["lost_updates"], mix["unparseable_reads"],
            mix["leftover_temp_files"]) == (6, 5, 0, 0)
    assert mix["verdict"] == {"required": "pass", "recommended": "warn"}
    assert "| 1x fake-forgetful | 6 | 5 |" in (tmp_path / "s.md").read_text()
    assert "1x fake-forgetful" in capsys.readouterr().out


def test_enforce_recommended_fails_on_lost_updates() -> None:
    """Lost updates are a warning, and exit 1 under --enforce-recommended."""
    args = ["stress", "--no-go", "--impl", fake("forgetful"), "--writers", "fake-forgetful=1",
            "--stores", "3"]
    assert main(args) == 0
    assert main([*args, "--enforce-recommended"]) == 1


def test_a_torn_file_fails_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    """An unparseable file breaks the required verdict: exit 1, FAIL in the table."""
    code = main(["stress", "--no-go", "--impl", fake("torn"), "--writers", "fake-torn=1",
                 "--stores", "2"])
    assert code == 1
    assert "FAIL" in capsys.readouterr().out


def test_a_writer_that_cannot_lock_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    """`NAME+lock` whose hello has no lock: exit 1 with the writer named."""
    code = main(["stress", "--no-go", "--impl", fake("good"), "--writers", "fake-good+lock=1"])
    assert code == 1
    assert 'fake-good+lock#1: started with --lock but its hello does not announce' in (
        capsys.readouterr().err)


@pytest.mark.parametrize("argv", [
    ["stress", "--no-go"],
    ["stress", "--no-go", "--writers", "reference"],
    ["stress", "--no-go", "--writers", "reference=1", "--kill-rate", "2"],
    ["stress", "--no-go", "--writers", "nosuch=1"],
])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """No writers, a malformed --writers, a kill rate above 1, an unknown name: usage errors."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "error:" in capsys.readouterr().err
