"""A comparison (harness/compare) in the terminal, in Markdown and as JSON.

All three lead with the verdict and the counts, then the regressions with the
new side's differences, then every transition grouped by topic.
"""

from __future__ import annotations

import json
from typing import Any

from harness.compare.model import Change, Comparison, StoredCell, Transition
from harness.data import CaseResult
from harness.report.common import result_text

COMPARISON_SCHEMA_VERSION = 1
_PAINT = {Change.REGRESSED: "31;1", Change.FIXED: "32", Change.CHANGED: "33",
          Change.OUTPUT: "36", Change.NEW: "34", Change.REMOVED: "35"}


def _cell_text(cell: StoredCell | None) -> str:
    if cell is None:
        return ""
    return result_text(result=CaseResult(case_id=cell.case_id, impl=cell.impl,
                                         outcome=cell.outcome, message=cell.message,
                                         diffs=cell.diffs))


def _heading(c: Comparison) -> str:
    if c.mode == "columns":
        return f"compare {c.old_label} -> {c.new_label} (two implementations of one run)"
    return f"compare {c.old_label} -> {c.new_label}"


def counts_text(*, comparison: Comparison) -> str:
    """`1 regressed, 2 fixed, ...` over every kind."""
    return ", ".join(f"{n} {k.label}" for k, n in comparison.counts().items())


def _also(t: Transition) -> str:
    what = t.what_changed()
    return f" ({what} changed)" if what else ""


def render_comparison_terminal(*, comparison: Comparison, color: bool = False) -> str:
    """The comparison as terminal text."""
    c = comparison

    def paint(text: str, kind: Change) -> str:
        return f"\x1b[{_PAINT[kind]}m{text}\x1b[0m" if color else text

    out = [_heading(c)]
    out += [f"note: {n}" for n in c.notes]
    columns = c.mode == "columns"
    width = max((len(t.case_id) for t in c.transitions), default=0)
    impl_width = max((len(t.impl) for t in c.transitions), default=0)
    for topic, group in c.topics().items():
        kinds = {k: sum(t.kind is k for t in group) for k in Change}
        summary = ", ".join(f"{n} {k.label}" for k, n in kinds.items() if n)
        out += ["", f"{topic}: {summary}"]
        for t in group:
            impl = "" if columns else "  " + t.impl.ljust(impl_width)
            line = (f"  {paint(t.kind.value.ljust(9), t.kind)}  {t.case_id.ljust(width)}{impl}"
                    f"  {t.outcomes()}{_also(t)}")
            out.append(line.rstrip())
            if t.gates:
                text = _cell_text(t.new)
                out.extend("      " + ln for ln in text.split("\n") if text)
    if c.new_problems:
        out += ["", "NEW HARNESS PROBLEMS"]
        out += [f"  {p}" for p in c.new_problems]
    out += ["", f"{c.compared_cells} cells on both sides; {counts_text(comparison=c)}",
            c.verdict()]
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _fence(text: str) -> list[str]:
    return ["```text", text.replace("```", "'''"), "```"]


def render_comparison_markdown(
    *, comparison: Comparison, heading_level: int = 1, heading: bool = True
) -> str:
    """The comparison as Markdown (a step summary or a pull-request comment).

    `heading=False` leaves out the title and verdict (for a page that has its own).
    """
    c = comparison
    h = "#" * max(1, heading_level)
    title = "what changed between two implementations" if c.mode == "columns" else "comparison"
    out = []
    if heading:
        out += [f"{h} tokencache-compat {title}", "",
                f"**{c.verdict()}**: `{_md(c.old_label)}` → `{_md(c.new_label)}`, "
                f"{c.compared_cells} cells on both sides", ""]
    kinds = list(Change)
    impls = list(dict.fromkeys(t.impl for t in c.transitions))
    out.append("| | " + " | ".join(k.label for k in kinds) + " |")
    out.append("|---" * (len(kinds) + 1) + "|")
    rows = [("all", c.transitions)]
    if c.mode == "reports" and len(impls) > 1:
        rows += [(i, tuple(t for t in c.transitions if t.impl == i)) for i in impls]
    for name, ts in rows:
        counts = [str(sum(t.kind is k for t in ts)) for k in kinds]
        out.append(f"| {_md(name)} | " + " | ".join(counts) + " |")
    out.append("")
    if c.notes:
        out += [f"> {_md(n)}" for n in c.notes]
        out.append("")
    gating = c.gating
    if gating:
        out += [f"{h}# Regressions", ""]
        for t in gating:
            where = "" if c.mode == "columns" else f" on {_md(t.impl)}"
            out += [f"{h}## `{t.case_id}`{where}: {t.outcomes()}", ""]
            out += _fence(_cell_text(t.new) or "(no message)")
            out.append("")
    if c.new_problems:
        out += [f"{h}# New harness problems", ""]
        out += [f"- {_md(p)}" for p in c.new_problems]
        out.append("")
    if c.transitions:
        out += [f"{h}# By topic", ""]
        for topic, group in c.topics().items():
            out += [f"{h}## {_md(topic)} ({len(group)})", ""]
            if c.mode == "columns":
                out += ["| change | case | outcome | also changed |", "|---|---|---|---|"]
            else:
                out += ["| change | case | implementation | outcome | also changed |",
                        "|---|---|---|---|---|"]
            for t in group:
                impl = "" if c.mode == "columns" else f" {_md(t.impl)} |"
                out.append(f"| {t.kind.value} | `{t.case_id}` |{impl} {t.outcomes()} | "
                           f"{t.what_changed()} |")
            out.append("")
    else:
        out += ["No case changed.", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _cell_dict(cell: StoredCell | None) -> dict[str, Any] | None:
    if cell is None:
        return None
    return {"outcome": cell.outcome.value, "message": cell.message, "diffs": list(cell.diffs),
            "output_sha256": cell.output_sha256}


def comparison_to_dict(*, comparison: Comparison) -> dict[str, Any]:
    """A plain-JSON view of the comparison."""
    c = comparison
    return {
        "schema_version": COMPARISON_SCHEMA_VERSION,
        "mode": c.mode,
        "old": c.old_label,
        "new": c.new_label,
        "ok": c.ok,
        "verdict": c.verdict(),
        "compared_cells": c.compared_cells,
        "counts": {k.value: n for k, n in c.counts().items()},
        "notes": list(c.notes),
        "new_problems": list(c.new_problems),
        "transitions": [
            {
                "kind": t.kind.value,
                "case": t.case_id,
                "impl": t.impl,
                "topic": t.topic,
                "gates": t.gates,
                "bytes_changed": t.bytes_changed,
                "message_changed": t.message_changed,
                "old": _cell_dict(t.old),
                "new": _cell_dict(t.new),
            }
            for t in c.transitions
        ],
    }


def render_comparison_json(*, comparison: Comparison) -> str:
    """The JSON text of the comparison."""
    return json.dumps(comparison_to_dict(comparison=comparison), indent=2, sort_keys=True,
                      ensure_ascii=False) + "\n"
