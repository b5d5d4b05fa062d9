"""The pytest plugin: case x implementation items with readable ids and mapped outcomes."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from tcc_helpers import OPEN, case, fake_command, skip_references, store

# Seconds each: the fast lane (pytest -m "not slow") leaves these out.
pytestmark = pytest.mark.slow

SPEC_TEST = Path(__file__).with_name("test_harness_spec_cases.py")


def _pytest(
    project: Path, *args: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOKENCACHE_COMPAT_")}
    env["PYTHONPATH"] = str(Path(__file__).parent)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA",
         str(project / "test_cases.py"), *args],
        cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def test_plugin_collects_and_maps_outcomes(project: Path, write_cases) -> None:
    """pass/fail/skip/xfail map to pytest's, and item ids read `case[impl]`."""
    write_cases("p", [
        case("p.pass", OPEN, store("k")),
        case("p.fail", OPEN, {"op": "lookup", "key": "missing"}),
        case("p.skip", OPEN, store("unsupported")),
        case("p.xfail", OPEN, {"op": "lookup", "key": "missing"}),
    ])
    (project / "adapters" / "xfail" / "fake.txt").write_text("p.xfail # fake has nothing\n")
    (project / "test_cases.py").write_text(SPEC_TEST.read_text())
    result = _pytest(
        project, "--tokencache-cases", "--tokencache-root", str(project), "--tokencache-no-go",
        *skip_references(option="--tokencache-skip-impl"),
        "--tokencache-impl", "fake=" + shlex.join(fake_command()),
    )
    out = result.stdout
    assert "1 failed, 1 passed, 1 skipped, 1 xfailed" in out, out + result.stderr
    assert "test_spec_case[p.pass[fake]]" in out
    assert "FAILED test_cases.py::test_spec_case[p.fail[fake]]" in out
    assert result.returncode == 1


def test_plugin_off_by_default_skips_with_reason(project: Path) -> None:
    """Without the option the spec test is a single skip explaining how to turn it on."""
    (project / "test_cases.py").write_text(SPEC_TEST.read_text())
    result = _pytest(project)
    assert "1 skipped" in result.stdout
    assert "--tokencache-cases" in result.stdout
    assert result.returncode == 0


@pytest.mark.parametrize("required", [False, True])
def test_unavailable_go_column_shows_as_skip_or_failure(
    project: Path, write_cases, required: bool
) -> None:
    """A Go testee that cannot be built is a skipped item, or a failing one when Go is required."""
    write_cases("p", [case("p.pass", OPEN, store("k"))])
    sdk = project / "adapters" / "go" / "sdk-v9.9.9"
    sdk.mkdir(parents=True)
    (sdk / "go.mod").write_text("module x/sdk-v9.9.9\n")
    (project / "test_cases.py").write_text(SPEC_TEST.read_text())
    env = {"PATH": str(project / "no-bin")}  # no go command: the testee is unavailable
    if required:
        env["TOKENCACHE_COMPAT_REQUIRE_GO"] = "1"
    result = _pytest(project, "--tokencache-cases", "--tokencache-root", str(project),
                     *skip_references(option="--tokencache-skip-impl"),
                     "--tokencache-impl", "fake=" + shlex.join(fake_command()), env_extra=env)
    out = result.stdout
    item = "test_cases.py::test_spec_case[unavailable[go-sdk@v9.9.9]]"
    if required:
        # One item per toolchain column: go1.26.8's and go1.27.3's build.
        assert f"FAILED {item}" in out and "2 failed, 1 passed" in out, out
        assert result.returncode == 1
    else:
        assert "1 passed, 2 skipped" in out, out
        assert "go-sdk@v9.9.9: go toolchain not found on PATH" in out
        assert "go-sdk@v9.9.9+go1.27.3: go toolchain not found on PATH" in out
        assert result.returncode == 0


def test_collecting_builds_no_go_testee(project: Path, write_cases) -> None:
    """`pytest --co` lists every Go column's items without running the go command."""
    write_cases("p", [case("p.pass", OPEN, store("k"))])
    sdk = project / "adapters" / "go" / "sdk-v9.9.9"
    sdk.mkdir(parents=True)
    (sdk / "go.mod").write_text("module x/sdk-v9.9.9\n")
    (project / "test_cases.py").write_text(SPEC_TEST.read_text())
    bin_dir = project / "bin"
    bin_dir.mkdir()
    marker = project / "go-was-run"
    go = bin_dir / "go"
    go.write_text(f"#!/bin/sh\ntouch {shlex.quote(str(marker))}\nexit 1\n")
    go.chmod(0o755)
    result = _pytest(project, "--co", "--tokencache-cases", "--tokencache-root", str(project),
                     env_extra={"PATH": f"{bin_dir}:{os.environ['PATH']}"})
    assert "test_spec_case[p.pass[go-sdk@v9.9.9]]" in result.stdout, result.stdout
    assert not marker.exists()


def test_fixture_fails_a_failing_case_even_if_the_test_ignores_it(
    project: Path, write_cases
) -> None:
    """A test body that never looks at the result still fails on a failing case."""
    lookup_missing = {"op": "lookup", "key": "nope", "expect": {"ok": {"token": None}}}
    write_cases("p", [case("p.fail", OPEN, lookup_missing), case("p.pass", OPEN, store("k"))])
    (project / "test_cases.py").write_text(
        "def test_spec_case(tokencache_case):\n    pass\n"
    )
    result = _pytest(project, "--tokencache-cases", "--tokencache-root", str(project),
                     "--tokencache-no-go", *skip_references(option="--tokencache-skip-impl"),
                     "--tokencache-impl", "fake=" + shlex.join(fake_command()))
    assert "FAILED test_cases.py::test_spec_case[p.fail[fake]]" in result.stdout, result.stdout
    assert "1 failed, 1 passed" in result.stdout
    assert result.returncode == 1


def test_plugin_takes_the_command_line_option_table(project: Path, write_cases) -> None:
    """--tokencache-tag and --tokencache-only-impl select exactly as --tag and --only-impl do."""
    write_cases("p", [case("p.a", OPEN, tags=["x"]), case("p.b", OPEN, tags=["y"])])
    (project / "test_cases.py").write_text(SPEC_TEST.read_text())
    result = _pytest(project, "--co", "--tokencache-cases", "--tokencache-root", str(project),
                     "--tokencache-no-go", "--tokencache-tag", "x",
                     "--tokencache-impl", "fake=" + shlex.join(fake_command()),
                     "--tokencache-only-impl", "fake")
    assert "test_spec_case[p.a[fake]]" in result.stdout, result.stdout
    assert "p.b" not in result.stdout and "[reference]" not in result.stdout
