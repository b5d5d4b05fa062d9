"""Run the gate on one built testee: `run` (the suite) and `diff`, each as a subprocess.

The commands are the same ones a user runs (`python -m harness run|diff ...`), with
the built binary plugged in as a subprocess testee (`--impl NAME=BINARY`); only
their JSON report and summary line are read back. A subprocess per check keeps a
hung or crashing mutant from taking the mutate run with it, and bounds each check
in wall time.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.mutate.gotool import tail
from harness.mutate.proc import run_bounded

# Outcomes that fail a run (harness.data.UNEXPECTED, as the JSON report spells them).
UNEXPECTED = frozenset({"fail", "crash", "timeout", "xpass", "error"})
# Outcomes of the unmutated build that become its expected failures.
BASELINE_FAILURES = frozenset({"fail", "crash", "timeout"})
DIVERGED = "DIVERGED"
NO_DIVERGENCE = "NO DIVERGENCE"


@dataclass(frozen=True)
class SuiteSelection:
    """Which cases the suite runs and how each request is bounded."""

    substring: str | None = None
    tags: tuple[str, ...] = ()
    request_timeout: float = 5.0
    enforce_recommended: bool = False
    cases_dir: Path | None = None  # default: ROOT/golden/cases
    golden_dir: Path | None = None  # default: ROOT/golden/files

    def args(self) -> list[str]:
        """The matching `run` options."""
        out = ["--timeout", f"{self.request_timeout:g}"]
        if self.cases_dir is not None:
            out += ["--cases", str(self.cases_dir)]
        if self.golden_dir is not None:
            out += ["--golden-dir", str(self.golden_dir)]
        if self.substring:
            out += ["-k", self.substring]
        for tag in self.tags:
            out += ["--tag", tag]
        return out


@dataclass(frozen=True)
class SuiteVerdict:
    """The suite's verdict on one testee."""

    outcomes: Mapping[str, str] = field(default_factory=dict)  # case id -> outcome
    start_error: str = ""  # the testee could not be started (unavailable)
    error: str = ""  # the check itself failed (no report, a harness error)
    timed_out: bool = False  # the whole run hit its wall-time bound
    seconds: float = 0.0

    @property
    def unexpected(self) -> tuple[str, ...]:
        """Cases whose outcome fails a run."""
        return tuple(c for c, o in self.outcomes.items() if o in UNEXPECTED)

    @property
    def warned(self) -> tuple[str, ...]:
        """Recommended cases that failed."""
        return tuple(c for c, o in self.outcomes.items() if o == "warn")


@dataclass(frozen=True)
class DiffVerdict:
    """The differential test's verdict on one testee."""

    diverged: bool = False
    error: str = ""
    timed_out: bool = False
    summary: str = ""  # the counterexample as `diff` printed it
    case_file: str = ""  # the spec case `diff` wrote for it
    seconds: float = 0.0


def _harness(*, root: Path, command: str, name: str, binary: Path) -> list[str]:
    return [
        sys.executable, "-m", "harness", command, "--root", str(root),
        "--impl", f"{name}={shlex.quote(str(binary))}", "--no-go", "--no-require-go",
    ]


def run_suite(*, root: Path, name: str, binary: Path, report: Path, selection: SuiteSelection,
              xfail: Path | None, wall_timeout: float) -> SuiteVerdict:
    """`run` with only `binary` (as NAME), its JSON report read back.

    The only expected failures are `xfail` (the unmutated build's): an empty
    --xfail-dir keeps a project list named like the column out of the verdict.
    """
    no_lists = report.parent / "no-xfail-lists"
    no_lists.mkdir(parents=True, exist_ok=True)
    args = [*_harness(root=root, command="run", name=name, binary=binary),
            "--only-impl", name, "--color", "never", "--json", str(report),
            "--xfail-dir", str(no_lists), *selection.args()]
    if selection.enforce_recommended:
        args.append("--enforce-recommended")
    if xfail is not None:
        args += ["--xfail", f"{name}={xfail}"]
    done = run_bounded(args=args, cwd=root, env=os.environ, timeout=wall_timeout)
    if done.timed_out:
        return SuiteVerdict(timed_out=True, seconds=done.seconds,
                            error=f"the suite did not finish within {wall_timeout:g}s")
    try:
        doc = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return SuiteVerdict(seconds=done.seconds, error=(
            f"run exited {done.returncode} without a readable JSON report ({exc}):\n"
            f"{tail(text=done.stderr or done.stdout)}"))
    return parse_suite_report(doc=doc, name=name, seconds=done.seconds)


def parse_suite_report(*, doc: Mapping[str, Any], name: str, seconds: float = 0.0) -> SuiteVerdict:
    """The verdict for implementation `name` from a `run --json` report."""
    impl = next((i for i in doc.get("impls", ()) if i.get("name") == name), None)
    if impl is None:
        return SuiteVerdict(seconds=seconds, error=f"the report has no implementation {name!r}")
    outcomes = {str(r["case"]): str(r["outcome"]) for r in doc.get("results", ())
                if r.get("impl") == name}
    problems = [str(e) for e in doc.get("harness_errors", ())]
    problems += [f"{e.get('file')}: {e.get('message')}" for e in doc.get("load_errors", ())]
    if impl.get("unavailable"):
        return SuiteVerdict(outcomes=outcomes, seconds=seconds,
                            start_error=str(impl["unavailable"]))
    # A start failure is also reported as a harness error naming the testee.
    started_badly = [p for p in problems if p.startswith(f"{name}:")]
    if started_badly and not outcomes:
        return SuiteVerdict(seconds=seconds, start_error="; ".join(started_badly))
    if problems:
        return SuiteVerdict(outcomes=outcomes, seconds=seconds, error="; ".join(problems))
    return SuiteVerdict(outcomes=outcomes, seconds=seconds)


def run_diff(*, root: Path, name: str, binary: Path, examples: int, out_dir: Path,
             request_timeout: float, wall_timeout: float,
             extra: Sequence[str] = ()) -> DiffVerdict:
    """`diff reference NAME --examples N` on `binary`; a divergence's spec case goes to out_dir."""
    args = [*_harness(root=root, command="diff", name=name, binary=binary),
            "reference", name, "--examples", str(examples), "--out", str(out_dir),
            "--timeout", f"{request_timeout:g}", *extra]
    done = run_bounded(args=args, cwd=root, env=os.environ, timeout=wall_timeout)
    if done.timed_out:
        return DiffVerdict(timed_out=True, seconds=done.seconds,
                           error=f"diff did not finish within {wall_timeout:g}s")
    return parse_diff_output(stdout=done.stdout, stderr=done.stderr, seconds=done.seconds)


def parse_diff_output(*, stdout: str, stderr: str, seconds: float = 0.0) -> DiffVerdict:
    """The verdict from `diff`'s summary: DIVERGED with a written case, or NO DIVERGENCE."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    last = lines[-1].strip() if lines else ""
    if last == NO_DIVERGENCE:
        return DiffVerdict(seconds=seconds)
    written = [line.split(":", 1)[1].strip() for line in lines
               if line.startswith("spec case written:")]
    if last == DIVERGED and written:
        body = [line for line in lines[:-1] if not line.startswith(
            ("diff ", "hypothesis ran", "allowed divergence", "spec case written:",
             "golden bytes:", "observed outputs:"))]
        return DiffVerdict(diverged=True, summary="\n".join(body), case_file=written[0],
                           seconds=seconds)
    return DiffVerdict(seconds=seconds, error=(
        "diff gave no verdict:\n" + tail(text=stdout + ("\n" + stderr if stderr else ""))))
