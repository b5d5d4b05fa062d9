"""The steps of the GitHub Action (action.yml at the repository root), as a program.

    python -m harness.ci_action

Reads its inputs from the environment (action.yml maps each input to one
variable, never into the script text), runs `tokencache-compat run` with the
reports written to a folder, then:

- appends a Markdown summary to $GITHUB_STEP_SUMMARY (verdict, totals,
  regressions against the baseline with their differences, failures);
- prints `::error` annotations for failing cases (`::warning` for failures the
  baseline already had, which do not fail the step);
- appends the report paths and the verdict to $GITHUB_OUTPUT;
- exits with the run's status: with a baseline only regressions fail.

Nothing here needs GitHub: tests/test_ci_action.py runs the action's steps with
fake GITHUB_STEP_SUMMARY and GITHUB_OUTPUT files, and any CI can call it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.compare.engine import compare_reports
from harness.compare.load import load_report
from harness.compare.model import Comparison, StoredCell, StoredReport
from harness.data import Outcome
from harness.exceptions import ReportFormatError
from harness.report.comparison import render_comparison_json, render_comparison_markdown

ENV_IMPLS = "TCC_IMPLS"
ENV_XFAIL = "TCC_XFAIL"
ENV_BASELINE = "TCC_BASELINE"
ENV_ARGS = "TCC_ARGS"
ENV_REPORT_DIR = "TCC_REPORT_DIR"
ENV_HARNESS = "TCC_HARNESS"  # how to start the harness (default: this Python, -m harness)
DEFAULT_REPORT_DIR = "tokencache-reports"
MAX_ANNOTATIONS = 50  # GitHub shows only some per step anyway; the rest are in the reports
MAX_SUMMARY_FAILURES = 30
MAX_DETAIL_LINES = 40
TITLE = "tokencache-compat"


@dataclass(frozen=True)
class ActionInputs:
    """What the workflow asked for."""

    impls: tuple[str, ...] = ()
    xfail: tuple[str, ...] = ()
    baseline: Path | None = None
    args: tuple[str, ...] = ()
    report_dir: Path = Path(DEFAULT_REPORT_DIR)
    harness: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportPaths:
    """Where the reports of one gate run go."""

    json: Path
    markdown: Path
    html: Path
    junit: Path
    comparison_json: Path
    comparison_markdown: Path
    summary: Path

    @classmethod
    def under(cls, *, folder: Path) -> ReportPaths:
        """The standard names inside `folder`."""
        return cls(
            json=folder / "report.json",
            markdown=folder / "report.md",
            html=folder / "report.html",
            junit=folder / "report.xml",
            comparison_json=folder / "comparison.json",
            comparison_markdown=folder / "comparison.md",
            summary=folder / "summary.md",
        )


def _lines(text: str) -> tuple[str, ...]:
    return tuple(ln.strip() for ln in text.splitlines() if ln.strip() and
                 not ln.strip().startswith("#"))


def inputs_from_env(*, env: Mapping[str, str]) -> ActionInputs:
    """The action's inputs from its environment variables (one per input)."""
    baseline = env.get(ENV_BASELINE, "").strip()
    harness = env.get(ENV_HARNESS, "").strip()
    return ActionInputs(
        impls=_lines(env.get(ENV_IMPLS, "")),
        xfail=_lines(env.get(ENV_XFAIL, "")),
        baseline=Path(baseline) if baseline else None,
        args=tuple(shlex.split(env.get(ENV_ARGS, ""))),
        report_dir=Path(env.get(ENV_REPORT_DIR, "").strip() or DEFAULT_REPORT_DIR),
        harness=tuple(shlex.split(harness)) if harness else (sys.executable, "-m", "harness"),
    )


def run_argv(*, inputs: ActionInputs, paths: ReportPaths) -> list[str]:
    """The `tokencache-compat run` command line for these inputs."""
    argv = [*inputs.harness, "run"]
    for impl in inputs.impls:
        argv += ["--impl", impl]
    for xfail in inputs.xfail:
        argv += ["--xfail", xfail]
    if inputs.baseline is not None:
        argv += ["--baseline", str(inputs.baseline)]
    argv += ["--json", str(paths.json), "--markdown", str(paths.markdown),
             "--html", str(paths.html), "--junit", str(paths.junit)]
    return argv + list(inputs.args)


# -- workflow commands ------------------------------------------------------------------------


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(*, name: str, message: str, properties: Mapping[str, str]) -> str:
    """One `::name k=v,...::message` line, escaped as GitHub's toolkit does."""
    props = ",".join(f"{k}={_escape_property(v)}" for k, v in properties.items())
    return f"::{name}{' ' + props if props else ''}::{_escape_data(message)}"


def _cell_text(cell: StoredCell, *, limit: int = 6) -> str:
    lines = [ln for ln in [cell.message, *cell.diffs] if ln]
    text = "\n".join(lines).split("\n")
    if len(text) > limit:
        text = [*text[:limit], f"... ({len(text) - limit} more lines in the reports)"]
    return "\n".join(text)


def _spec_file(report: StoredReport, case_id: str, workspace: Path | None) -> str | None:
    """The case's spec file relative to the workspace, when it lies inside it."""
    name = report.case_files.get(case_id)
    root = os.environ.get("TOKENCACHE_COMPAT_ROOT")
    if name is None or root is None or workspace is None:
        return None
    path = (Path(root) / "golden" / "cases" / name).resolve()
    try:
        return path.relative_to(workspace.resolve()).as_posix()
    except ValueError:
        return None


def annotation_lines(
    *, report: StoredReport, comparison: Comparison | None, workspace: Path | None = None
) -> list[str]:
    """`::error` per failing case (`::warning` when the baseline had it already)."""
    gating = {} if comparison is None else {(t.case_id, t.impl): t for t in comparison.gating}
    out: list[str] = []
    failing = [c for c in report.cells.values() if c.outcome.unexpected]
    for cell in failing:
        key = (cell.case_id, cell.impl)
        props = {"title": f"{TITLE} {cell.outcome.value}: {cell.case_id} on {cell.impl}"}
        spec = _spec_file(report, cell.case_id, workspace)
        if spec is not None:
            props["file"] = spec
        kind = "error"
        message = _cell_text(cell)
        if comparison is not None:
            t = gating.get(key)
            if t is not None:
                props["title"] = f"{TITLE} regression: {cell.case_id} on {cell.impl}"
                message = f"{t.outcomes()}\n{message}"
            else:
                kind = "warning"
                props["title"] = f"{TITLE} known failure: {cell.case_id} on {cell.impl}"
                message = f"{cell.outcome.value}, as in the baseline\n{message}"
        out.append(workflow_command(name=kind, message=message, properties=props))
    new_problems = set(comparison.new_problems) if comparison is not None else None
    for problem in report.problems:
        if new_problems is None or problem in new_problems:
            out.append(workflow_command(name="error", message=problem,
                                        properties={"title": f"{TITLE} harness problem"}))
    if len(out) > MAX_ANNOTATIONS:
        rest = len(out) - MAX_ANNOTATIONS
        out = out[:MAX_ANNOTATIONS]
        out.append(workflow_command(
            name="notice", message=f"{rest} more failing cases: see the reports",
            properties={"title": f"{TITLE}: more failures"},
        ))
    return out


# -- the summary ------------------------------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def report_verdict(*, report: StoredReport) -> str:
    """The run's own verdict, as the terminal report words it."""
    bad = sum(c.outcome.unexpected for c in report.cells.values()) + len(report.problems)
    return "PASSED" if not bad else f"FAILED ({bad} unexpected)"


def render_summary(
    *, report: StoredReport, comparison: Comparison | None, paths: ReportPaths, exit_code: int
) -> str:
    """The Markdown for $GITHUB_STEP_SUMMARY: the answer first, the detail after."""
    own = report_verdict(report=report)
    out = ["## tokencache-compat conformance", ""]
    if comparison is not None:
        out += [f"**{comparison.verdict()}** against the baseline "
                f"`{_md(comparison.old_label)}` (this run: {own})", ""]
    else:
        out += [f"**{own}**", ""]
    used = [o for o in Outcome if any(c.outcome is o for c in report.cells.values())]
    out.append("| implementation | version | " + " | ".join(o.value for o in used) + " |")
    out.append("|---|---|" + "---|" * len(used))
    for impl in report.impls:
        h = impl.hello or {}
        version = f"{h.get('version', '')} ({h.get('runtime', '')})" if h else ""
        if impl.unavailable is not None:
            cells = [f"unavailable: {_md(impl.unavailable)}"] + [""] * max(0, len(used) - 1)
        else:
            column = report.column(impl=impl.name).values()
            cells = [str(sum(c.outcome is o for c in column)) for o in used]
        out.append(f"| {_md(impl.name)} | {_md(version)} | " + " | ".join(cells) + " |")
    out.append("")
    if comparison is not None:
        body = render_comparison_markdown(comparison=comparison, heading_level=2, heading=False)
        out += [f"{comparison.compared_cells} cells on both sides.", "",
                *body.rstrip("\n").split("\n"), ""]
    failing = [c for c in report.cells.values() if c.outcome.unexpected]
    gating = set() if comparison is None else {(t.case_id, t.impl) for t in comparison.gating}
    shown = [c for c in failing if (c.case_id, c.impl) not in gating]
    if shown:
        title = "Failures" if comparison is None else "Failures also in the baseline"
        out += [f"### {title} ({len(shown)})", ""]
        for cell in shown[:MAX_SUMMARY_FAILURES]:
            out += ["<details>",
                    f"<summary><code>{cell.case_id}</code> on {cell.impl}: "
                    f"{cell.outcome.value}</summary>", "", "```text",
                    _cell_text(cell, limit=MAX_DETAIL_LINES).replace("```", "'''"), "```", "",
                    "</details>"]
        if len(shown) > MAX_SUMMARY_FAILURES:
            out.append(f"... and {len(shown) - MAX_SUMMARY_FAILURES} more in the reports.")
        out.append("")
    if report.problems and comparison is None:
        out += ["### Harness problems", ""] + [f"- {_md(p)}" for p in report.problems] + [""]
    out += ["Reports: " + ", ".join(f"`{p}`" for p in (paths.html, paths.json, paths.markdown,
                                                      paths.junit)),
            "", f"Exit status {exit_code}.", ""]
    return "\n".join(out)


# -- the step ---------------------------------------------------------------------------------


def _append(path: str | None, text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(text)


def _outputs(*, paths: ReportPaths, verdict: str, regressions: int,
             comparison: bool) -> list[tuple[str, str]]:
    out = [("json", paths.json), ("markdown", paths.markdown), ("html", paths.html),
           ("junit", paths.junit), ("summary", paths.summary)]
    if comparison:
        out += [("comparison-json", paths.comparison_json),
                ("comparison-markdown", paths.comparison_markdown)]
    return [(k, str(v)) for k, v in out] + [("verdict", verdict),
                                            ("regressions", str(regressions))]


def run_step(*, inputs: ActionInputs, env: Mapping[str, str]) -> int:
    """Everything the action's main step does; returns the step's exit status."""
    paths = ReportPaths.under(folder=inputs.report_dir)
    inputs.report_dir.mkdir(parents=True, exist_ok=True)

    def fail(message: str, code: int) -> int:
        print(workflow_command(name="error", message=message, properties={"title": TITLE}))
        _append(env.get("GITHUB_STEP_SUMMARY"),
                f"## tokencache-compat conformance\n\n**ERROR**: {_md(message)}\n")
        return code or 1

    baseline = None
    if inputs.baseline is not None:  # before the run: a broken baseline must not cost one
        try:
            baseline = load_report(path=inputs.baseline)
        except ReportFormatError as exc:
            return fail(f"the baseline cannot be read: {exc}", 1)
    argv = run_argv(inputs=inputs, paths=paths)
    print("+ " + shlex.join(argv), flush=True)
    code = subprocess.run(argv, check=False).returncode
    workspace = Path(env["GITHUB_WORKSPACE"]) if env.get("GITHUB_WORKSPACE") else None
    try:
        report = load_report(path=paths.json)
    except ReportFormatError as exc:  # e.g. a usage error: the run wrote nothing
        return fail(f"no report to summarise (exit status {code}): {exc}", code)
    comparison = None if baseline is None else compare_reports(old=baseline, new=report)
    if comparison is not None:
        paths.comparison_json.write_text(render_comparison_json(comparison=comparison),
                                         encoding="utf-8")
        paths.comparison_markdown.write_text(render_comparison_markdown(comparison=comparison),
                                             encoding="utf-8")
    summary = render_summary(report=report, comparison=comparison, paths=paths, exit_code=code)
    paths.summary.write_text(summary, encoding="utf-8")
    _append(env.get("GITHUB_STEP_SUMMARY"), summary)
    for line in annotation_lines(report=report, comparison=comparison, workspace=workspace):
        print(line)
    verdict = comparison.verdict() if comparison is not None else report_verdict(report=report)
    regressions = len(comparison.gating) if comparison is not None else 0
    _append(env.get("GITHUB_OUTPUT"), "".join(
        f"{k}={v}\n" for k, v in _outputs(paths=paths, verdict=verdict,
                                           regressions=regressions,
                                           comparison=comparison is not None)
    ))
    sys.stdout.flush()
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: the inputs come from the environment; `argv` must be empty."""
    if argv:
        print(f"usage: python -m harness.ci_action (inputs in ${ENV_IMPLS}, ${ENV_XFAIL}, "
              f"${ENV_BASELINE}, ${ENV_ARGS}, ${ENV_REPORT_DIR})", file=sys.stderr)
        return 2
    env = dict(os.environ)
    return run_step(inputs=inputs_from_env(env=env), env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
