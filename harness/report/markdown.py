"""Markdown: the matrix as a table, totals, then failures with their differences."""

from __future__ import annotations

from harness.data import RunResult
from harness.report.common import (
    LEGEND,
    broken_notes,
    details,
    matrix_rows,
    result_text,
    totals_text,
    verdict,
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(*, run: RunResult) -> str:
    """The Markdown report text."""
    impls = run.available_impls()
    out = ["# tokencache-compat conformance", "", f"**{verdict(run=run)}**", ""]
    out += ["| implementation | command | totals |", "|---|---|---|"]
    for i in run.impls:
        totals = (
            totals_text(run=run, impl=i.name)
            if i.unavailable is None
            else f"unavailable: {i.unavailable}"
        )
        command = " ".join(i.command)
        out.append(f"| {_cell(i.name)} | `{_cell(command)}` | {_cell(totals)} |")
    out.append("")
    notes = broken_notes(run=run)
    if notes:
        out += [f"- {_cell(n)}" for n in notes] + [""]
    if impls:
        out.append("| case | " + " | ".join(_cell(i.name) for i in impls) + " |")
        out.append("|---" * (len(impls) + 1) + "|")
        for cid, cells in matrix_rows(run=run):
            row = [c.outcome.value if c else "" for c in cells]
            out.append(f"| `{cid}` | " + " | ".join(row) + " |")
        out += ["", f"Legend: `{LEGEND}`", ""]
    shown = details(run=run)
    if shown:
        out += ["## Failures", ""]
        for r in shown:
            out += [f"### `{r.case_id}` on {r.impl}: {r.outcome.value}", "", "```text"]
            out += [result_text(result=r).replace("```", "'''"), "```", ""]
    if run.load_errors or run.harness_errors:
        out += ["## Errors", ""]
        out += [f"- {_cell(str(e))}" for e in run.load_errors]
        out += [f"- {_cell(e)}" for e in run.harness_errors]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
