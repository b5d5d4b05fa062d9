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


def expected_failures(*, run: RunResult) -> list[CaseResult]:
    """Expected failures in run order (each carries its reason)."""
    return [r for r in run.results if r.outcome is Outcome.XFAIL]


def xfail_reason(*, result: CaseResult) -> str:
    """The reason an expected failure is listed (older results: from the message)."""
    if result.reason:
        return result.reason
    return result.message.removeprefix("expected failure: ").split("; was ", 1)[0]


def behaviour_details(*, run: RunResult) -> list[CaseResult]:
    """Results worth explaining whose differences are not only in error messages."""
    return [r for r in details(run=run) if not r.message_only]


def message_only_details(*, run: RunResult) -> list[CaseResult]:
    """Failing results whose every difference is in an error message."""
    return [r for r in details(run=run) if r.message_only]


def message_only_summary(*, run: RunResult, impl: str) -> str | None:
    """`30 fail only in error messages, 30 of them only in Go type names (...)`, or None."""
    shown = [r for r in message_only_details(run=run) if r.impl == impl]
    if not shown:
        return None
    typed = sum(r.type_names_only for r in shown)
    text = f"{len(shown)} case(s) differ only in error messages"
    if typed == len(shown):
        return text + ", all only in Go type names (they pass with --messages go-types)"
    if typed:
        return text + f", {typed} of them only in Go type names (--messages go-types)"
    return text


def data_loss_shown(*, run: RunResult, impl: str) -> list[tuple[str, list[str]]]:
    """The data-loss behaviours an implementation shows: (what is lost, case ids), in order."""
    found: dict[str, list[str]] = {}
    for r in run.results:
        loss = run.data_loss.get(r.case_id)
        if r.impl == impl and loss is not None and loss.shown(outcome=r.outcome):
            found.setdefault(loss.what, []).append(r.case_id)
    return list(found.items())


def data_loss_lines(*, run: RunResult) -> list[str]:
    """One line per implementation and behaviour; empty when no data-loss case ran."""
    if not run.data_loss:
        return []
    out: list[str] = []
    for info in run.available_impls():
        shown = data_loss_shown(run=run, impl=info.name)
        if not shown:
            out.append(f"{info.name}: none")
        for what, ids in shown:
            out.append(f"{info.name}: {what} ({', '.join(ids)})")
    return out
