"""Bits every renderer shares: what counts as a detail, and how a result reads."""

from __future__ import annotations

from harness.data import CaseResult, Outcome, RunResult

DETAIL_OUTCOMES = frozenset(
    {Outcome.FAIL, Outcome.CRASH, Outcome.TIMEOUT, Outcome.XPASS, Outcome.ERROR, Outcome.WARN}
)
LEGEND = "  ".join(f"{o.symbol} {o.value}" for o in Outcome)


def broken_notes(*, run: RunResult) -> list[str]:
    """One line per implementation marked broken (its `broken` cells share the reason)."""
    seen: dict[str, str] = {}
    for r in run.results:
        if r.outcome is Outcome.BROKEN and r.impl not in seen:
            seen[r.impl] = r.message
    counts = {impl: sum(r.impl == impl and r.outcome is Outcome.BROKEN for r in run.results)
              for impl in seen}
    return [f"{reason} ({counts[impl]} case(s) broken)" for impl, reason in seen.items()]


def details(*, run: RunResult) -> list[CaseResult]:
    """Results worth explaining, in run order."""
    return [r for r in run.results if r.outcome in DETAIL_OUTCOMES]


def result_text(*, result: CaseResult) -> str:
    """Message followed by one line per difference."""
    lines = [result.message] if result.message else []
    for d in result.diffs:
        first, *rest = d.split("\n")
        lines.append(f"- {first}")
        lines.extend(f"  {ln}" for ln in rest)
    return "\n".join(lines)


def totals_text(*, run: RunResult, impl: str) -> str:
    """`3 pass, 1 fail` for one implementation."""
    totals = run.totals(impl=impl)
    return ", ".join(f"{n} {o.value}" for o, n in totals.items()) or "no cases"


def matrix_rows(*, run: RunResult) -> list[tuple[str, list[CaseResult | None]]]:
    """Rows of the case x impl matrix, including ids that only appear in results."""
    names = [i.name for i in run.available_impls()]
    ids = list(run.case_ids)
    ids += sorted({r.case_id for r in run.results} - set(ids))
    cells = {(r.case_id, r.impl): r for r in run.results}
    return [(cid, [cells.get((cid, n)) for n in names]) for cid in ids]


def verdict(*, run: RunResult) -> str:
    """One line: passed or failed, with the count of unexpected results."""
    bad = sum(1 for r in run.results if r.outcome.unexpected)
    bad += len(run.load_errors) + len(run.harness_errors)
    if run.incomplete is not None:
        return f"INCOMPLETE ({run.incomplete}; {bad} unexpected so far)"
    return "PASSED" if run.ok else f"FAILED ({bad} unexpected)"
