"""Markdown: the matrix as a table, totals, then failures with their differences."""

from __future__ import annotations

from harness.data import RunResult
from harness.report.common import (
    LEGEND,
    behaviour_details,
    broken_notes,
    data_loss_lines,
    expected_failures,
    matrix_rows,
    message_only_details,
    message_only_summary,
    result_text,
    totals_text,
    verdict,
    xfail_reason,
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
        summary = message_only_summary(run=run, impl=i.name) if i.unavailable is None else None
        if summary is not None:
            totals += f"; {summary}"
        command = " ".join(i.command)
        out.append(f"| {_cell(i.name)} | `{_cell(command)}` | {_cell(totals)} |")
    out.append("")
    notes = broken_notes(run=run)
    if notes:
        out += [f"- {_cell(n)}" for n in notes] + [""]
    losses = data_loss_lines(run=run)
    if losses:
        out += ["**Data loss** (behaviours shown that lose data):", ""]
        out += [f"- {_cell(line)}" for line in losses]
        out.append("")
    if impls:
        out.append("| case | " + " | ".join(_cell(i.name) for i in impls) + " |")
        out.append("|---" * (len(impls) + 1) + "|")
        for cid, cells in matrix_rows(run=run):
            row = [c.outcome.value if c else "" for c in cells]
            out.append(f"| `{cid}` | " + " | ".join(row) + " |")
        out += ["", f"Legend: `{LEGEND}`", ""]
    for title, shown in (("Failures", behaviour_details(run=run)),
                         ("Message-only differences", message_only_details(run=run))):
        if not shown:
            continue
        out += [f"## {title}", ""]
        for r in shown:
            out += [f"### `{r.case_id}` on {r.impl}: {r.outcome.value}", "", "```text"]
            out += [result_text(result=r).replace("```", "'''"), "```", ""]
    xfails = expected_failures(run=run)
    if xfails:
        out += ["## Expected failures", "", "| case | implementation | reason |", "|---|---|---|"]
        out += [
            f"| `{r.case_id}` | {_cell(r.impl)} | {_cell(xfail_reason(result=r))} |"
            for r in xfails
        ]
        out.append("")
    if run.load_errors or run.harness_errors:
        out += ["## Errors", ""]
        out += [f"- {_cell(str(e))}" for e in run.load_errors]
        out += [f"- {_cell(e)}" for e in run.harness_errors]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
