"""The GitHub Action (action.yml) run locally with fake GITHUB_STEP_SUMMARY and GITHUB_OUTPUT.

A tiny interpreter runs the composite action's steps the way the runner does
(inputs and `github.action_path` substituted into each step's env, `bash -c`
for `run`, `if:` evaluated), and fails on any expression it does not know, so
action.yml cannot grow syntax this test silently skips. The testee is the
reference run as a subprocess; its `--variant cli` wording fails two
`location.default` cases, which makes a regression to gate on.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.ci_action import workflow_command

REPO = Path(__file__).resolve().parents[1]
ACTION = REPO / "action.yml"
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
IF_EQUALS = re.compile(r"^inputs\.([\w-]+)\s*==\s*'([^']*)'$")
SELECTION = "--no-go --skip-impl reference -k location.default"
FAILING = ("location.default.home-unset", "location.default.home-empty")


def _testee(variant: str) -> str:
    return f"mine={shlex.join([sys.executable, '-m', 'reference_impl', '--variant', variant])}"


@dataclass(frozen=True)
class StepRun:
    """What one run of the action left behind."""

    code: int
    stdout: str
    summary: str
    outputs: dict[str, str]
    skipped: tuple[str, ...]
    workspace: Path


def _action() -> dict[str, Any]:
    doc = yaml.safe_load(ACTION.read_text())
    assert isinstance(doc, dict)
    return doc


def _substitute(text: str, inputs: dict[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        expr = m.group(1)
        if expr == "github.action_path":
            return str(REPO)
        if expr.startswith("inputs."):
            return inputs[expr.removeprefix("inputs.")]
        raise AssertionError(f"action.yml uses an expression this test cannot run: {expr}")

    return EXPR.sub(one, text)


def _condition(expr: str, inputs: dict[str, str]) -> bool:
    m = IF_EQUALS.match(EXPR.sub(lambda x: x.group(1), expr).strip())
    assert m, f"action.yml uses an `if:` this test cannot evaluate: {expr}"
    return inputs[m.group(1)] == m.group(2)


def _parse_outputs(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        assert sep, f"GITHUB_OUTPUT line is not NAME=VALUE: {line!r}"
        out[name] = value
    return out


def run_action(workspace: Path, **given: str) -> StepRun:
    """Run every step of the composite action with these inputs in `workspace`."""
    doc = _action()
    declared = doc["inputs"]
    unknown = set(given) - set(declared)
    assert not unknown, f"not inputs of the action: {unknown}"
    inputs = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    inputs.update(given)
    summary, output = workspace / "step-summary.md", workspace / "github-output.txt"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "TCC_"))}
    base.update(GITHUB_STEP_SUMMARY=str(summary), GITHUB_OUTPUT=str(output),
                GITHUB_WORKSPACE=str(workspace), GITHUB_ACTION_PATH=str(REPO))
    skipped, stdout, code = [], [], 0
    for step in doc["runs"]["steps"]:
        if "if" in step and not _condition(str(step["if"]), inputs):
            skipped.append(step["name"])
            continue
        assert step["shell"] == "bash"
        env = {**base, **{k: _substitute(str(v), inputs) for k, v in step.get("env", {}).items()}}
        script = _substitute(step["run"], inputs)
        done = subprocess.run(["bash", "-c", script], cwd=workspace, env=env,
                              capture_output=True, text=True, timeout=300, check=False)
        stdout.append(done.stdout)
        code = done.returncode
        if code != 0:
            break  # a failing step ends the job, as on GitHub
    outputs = _parse_outputs(output.read_text()) if output.exists() else {}
    return StepRun(code=code, stdout="".join(stdout),
                   summary=summary.read_text() if summary.exists() else "",
                   outputs=outputs, skipped=tuple(skipped), workspace=workspace)


def _gate(tmp_path: Path, name: str, **given: str) -> StepRun:
    workspace = tmp_path / name
    workspace.mkdir()
    return run_action(workspace, python=sys.executable, install="false", args=SELECTION,
                      **given)


def test_action_declares_what_its_step_writes() -> None:
    """Every output of action.yml is one the gate step writes to GITHUB_OUTPUT."""
    doc = _action()
    assert doc["runs"]["using"] == "composite"
    assert {"impls", "xfail", "baseline", "args"} <= set(doc["inputs"])
    values = {name: spec["value"] for name, spec in doc["outputs"].items()}
    for name, value in values.items():
        assert value == f"${{{{ steps.gate.outputs.{name} }}}}", name
    assert {"json", "markdown", "html", "junit"} <= set(values)
    # Inputs reach the script only through env, never spliced into its text.
    for step in doc["runs"]["steps"]:
        assert "${{" not in step["run"], step["name"]
    assert _condition("inputs.install == 'true'", {"install": "true"})


@pytest.mark.slow  # whole runs of the action's steps
def test_failing_testee_without_baseline_fails_with_errors_and_summary(tmp_path: Path) -> None:
    """No baseline: each failing case is an ::error, the summary says FAILED, the step fails."""
    r = _gate(tmp_path, "plain", impls=_testee("cli"))
    assert r.code == 1, r.stdout
    assert r.skipped == ("Install tokencache-compat",)
    errors = [ln for ln in r.stdout.splitlines() if ln.startswith("::error ")]
    assert len(errors) == 2
    for case_id in FAILING:
        assert any(f"fail%3A {case_id} on mine::" in ln for ln in errors), errors
    assert "**FAILED (2 unexpected)**" in r.summary
    assert "| mine | 0.1.0 (python" in r.summary and "| 5 | 2 |" in r.summary
    assert "$HOME is not set" in r.summary  # the differences, not only the names
    assert r.outputs["verdict"] == "FAILED (2 unexpected)"
    assert r.outputs["regressions"] == "0"
    for name in ("json", "markdown", "html", "junit", "summary"):
        assert (r.workspace / r.outputs[name]).is_file(), name
    assert "comparison-json" not in r.outputs


@pytest.mark.slow  # whole runs of the action's steps
def test_known_failures_in_the_baseline_pass_as_warnings(tmp_path: Path) -> None:
    """With a baseline that already fails the same cases, the step passes; they are ::warning."""
    first = _gate(tmp_path, "first", impls=_testee("cli"))
    baseline = first.workspace / first.outputs["json"]
    r = _gate(tmp_path, "second", impls=_testee("cli"), baseline=str(baseline))
    assert r.code == 0, r.stdout
    assert not [ln for ln in r.stdout.splitlines() if ln.startswith("::error")]
    warnings = [ln for ln in r.stdout.splitlines() if ln.startswith("::warning ")]
    assert len(warnings) == 2 and all("known failure" in w for w in warnings)
    assert "**NO REGRESSIONS** against the baseline" in r.summary
    assert "Failures also in the baseline (2)" in r.summary
    assert r.outputs["verdict"] == "NO REGRESSIONS"
    assert (r.workspace / r.outputs["comparison-json"]).is_file()


@pytest.mark.slow  # whole runs of the action's steps
def test_regression_against_the_baseline_fails_the_step(tmp_path: Path) -> None:
    """Baseline green, then the failing wording: two regressions, ::error each, step fails."""
    green = _gate(tmp_path, "green", impls=_testee("sdk"))
    assert green.code == 0, green.stdout
    r = _gate(tmp_path, "red", impls=_testee("cli"),
              baseline=str(green.workspace / green.outputs["json"]))
    assert r.code == 1, r.stdout
    errors = [ln for ln in r.stdout.splitlines() if ln.startswith("::error ")]
    assert len(errors) == 2 and all("regression%3A" in e for e in errors)
    assert all("::pass -> fail%0A" in e for e in errors)
    assert "**REGRESSED (2 regressions)**" in r.summary
    assert "### Regressions" in r.summary and "pass -> fail" in r.summary
    assert r.outputs["regressions"] == "2"
    md = (r.workspace / r.outputs["comparison-markdown"]).read_text()
    assert "`location.default.home-unset` on mine: pass -> fail" in md


def test_broken_baseline_is_an_error_in_the_summary(tmp_path: Path) -> None:
    """A baseline that is not a report fails the step with a clear ::error and summary."""
    workspace = tmp_path / "broken"
    workspace.mkdir()
    (workspace / "base.json").write_text("not json")
    r = run_action(workspace, python=sys.executable, install="false", args=SELECTION,
                   impls=_testee("sdk"), baseline="base.json")
    assert r.code == 1
    assert "::error title=tokencache-compat::the baseline cannot be read" in r.stdout
    assert "base.json: not a JSON report" in r.summary
    assert "+ " not in r.stdout  # refused before running anything


@pytest.mark.parametrize(("message", "props", "line"), [
    ("a\nb%c", {"title": "x: y, z"}, "::error title=x%3A y%2C z::a%0Ab%25c"),
    ("plain", {}, "::error::plain"),
])
def test_workflow_commands_are_escaped(message: str, props: dict[str, str], line: str) -> None:
    """Newlines, percent signs, colons and commas are escaped as GitHub's toolkit does."""
    assert workflow_command(name="error", message=message, properties=props) == line
