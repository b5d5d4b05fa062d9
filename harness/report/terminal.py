"""The terminal report: matrix, per-implementation totals, then every failure's details."""

from __future__ import annotations

from harness.data import Outcome, RunResult
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

_COLOURS = {
    Outcome.PASS: "32",
    Outcome.FAIL: "31",
    Outcome.CRASH: "31;1",
    Outcome.TIMEOUT: "31;1",
    Outcome.SKIPPED: "33",
    Outcome.XFAIL: "33",
    Outcome.XPASS: "35",
    Outcome.WARN: "33;1",
    Outcome.ERROR: "31;1",
    Outcome.BROKEN: "31;1",
}


def _paint(text: str, outcome: Outcome, color: bool) -> str:
    return f"\x1b[{_COLOURS[outcome]}m{text}\x1b[0m" if color else text


def render_terminal(*, run: RunResult, color: bool = False) -> str:
    """The whole terminal report as text (colour only when asked)."""
    impls = [i.name for i in run.available_impls()]
    rows = matrix_rows(run=run)
    out: list[str] = []
    width = max([len("case"), *(len(cid) for cid, _ in rows)])
    if impls:
        out.append("case".ljust(width) + "  " + "  ".join(impls))
        for cid, cells in rows:
            line = cid.ljust(width)
            for name, cell in zip(impls, cells, strict=True):
                sym = " " if cell is None else _paint(cell.outcome.symbol, cell.outcome, color)
                line += "  " + sym + " " * (len(name) - 1)
            out.append(line.rstrip())
        out.append("")
        out.append("legend: " + LEGEND)
        out.append("")
    for info in run.impls:
        if info.unavailable is None:
            out.append(f"{info.name}: {totals_text(run=run, impl=info.name)}")
    for info in run.impls:
        if info.unavailable is not None:
            out.append(f"{info.name}: unavailable: {info.unavailable}")
    out.extend(broken_notes(run=run))
    for info in run.available_impls():
        summary = message_only_summary(run=run, impl=info.name)
        if summary is not None:
            out.append(f"{info.name}: {summary}")
    losses = data_loss_lines(run=run)
    if losses:
        out.append("")
        out.append("DATA LOSS (behaviours shown that lose data)")
        out.extend(f"  {line}" for line in losses)
    for title, shown in (("DETAILS", behaviour_details(run=run)),
                         ("MESSAGE-ONLY DIFFERENCES", message_only_details(run=run))):
        if not shown:
            continue
        out.append("")
        out.append(title)
        for r in shown:
            out.append(_paint(f"--- {r.case_id} [{r.impl}] {r.outcome.value}", r.outcome, color))
            text = result_text(result=r)
            if text:
                out.extend("    " + ln for ln in text.split("\n"))
    xfails = expected_failures(run=run)
    if xfails:
        out.append("")
        out.append("EXPECTED FAILURES")
        out.extend(
            f"  {_paint('x', r.outcome, color)} {r.case_id} [{r.impl}]: {xfail_reason(result=r)}"
            for r in xfails
        )
    if run.load_errors:
        out.append("")
        out.append("CASE FILE ERRORS")
        out.extend(f"  {e}" for e in run.load_errors)
    if run.harness_errors:
        out.append("")
        out.append("HARNESS ERRORS")
        out.extend(f"  {e}" for e in run.harness_errors)
    out.append("")
    out.append(verdict(run=run))
    return "\n".join(out) + "\n"
