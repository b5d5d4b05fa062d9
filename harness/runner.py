"""Runs every case on every implementation and turns raw results into outcomes."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.checks import check_final, check_response, join_diffs
from harness.data import CaseResult, ImplInfo, LoadError, Outcome, RunResult
from harness.exceptions import SandboxEscape, TesteeCrashed, TesteeTimeout, TesteeUnavailable
from harness.sandbox import CaseSandbox
from harness.spec import Case, Step
from harness.testee import Testee


@dataclass(frozen=True)
class RunOptions:
    """Switches that change how results are judged."""

    golden_dir: Path
    strict_messages: bool = True
    enforce_recommended: bool = False
    sandbox_parent: Path | None = None


@dataclass(frozen=True)
class Expectations:
    """Expected failures per implementation: impl → case id → reason."""

    xfail: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def reason(self, *, impl: str, case_id: str) -> str | None:
        """Why this case is expected to fail here, or None."""
        return self.xfail.get(impl, {}).get(case_id)


def unsupported_reason(*, case: Case, hello: Mapping[str, Any]) -> str | None:
    """Why the testee cannot run this case (per its hello), or None."""
    ops = set(hello.get("ops", ()))
    vias = set(hello.get("dual_store_via", ()))
    for step in case.steps:
        if step.protocol_op not in ops:
            return f"unsupported: op {step.protocol_op!r} is not in the testee's hello ops"
        if step.op == "dual_store" and step.fields.get("via") not in vias:
            return f"unsupported: dual_store via {step.fields.get('via')!r} is not offered"
    return None


def build_request(*, step: Step, case: Case, sandbox: CaseSandbox) -> dict[str, Any]:
    """The protocol request for one step, with sandbox paths made absolute."""
    f = step.fields
    if step.op == "open":
        path = f.get("path")
        return {
            "op": "open",
            "path": None if path is None else sandbox.abspath(rel=path),
            "env": sandbox.resolve_env(env=case.env),
            "umask": case.sandbox.umask,
        }
    if step.op == "delete":
        return {"op": "store", "key": f["key"], "token": None}
    if step.op == "dual_store":
        return {
            "op": "dual_store",
            "arg": f["arg"],
            "key": f.get("key"),
            "token": f.get("token"),
            "via": f["via"],
        }
    return {"op": step.op, **f}


def golden_path(*, golden_dir: Path, case_id: str) -> Path:
    """Where a case's golden bytes live."""
    return golden_dir / f"{case_id}.json"


def run_case(
    *,
    case: Case,
    testee: Testee,
    options: RunOptions,
    check_golden: bool = True,
    observe: Callable[[CaseSandbox], None] | None = None,
) -> CaseResult:
    """Run one case on one implementation; the raw outcome, before expectations.

    `observe` sees the sandbox after the last step (golden regeneration reads it).
    """

    def result(outcome: Outcome, message: str = "", diffs: Sequence[str] = ()) -> CaseResult:
        return CaseResult(
            case_id=case.id, impl=testee.name, outcome=outcome, message=message,
            diffs=tuple(diffs),
        )

    golden: bytes | None = None
    if case.final.golden and check_golden:
        gpath = golden_path(golden_dir=options.golden_dir, case_id=case.id)
        try:
            golden = gpath.read_bytes()
        except OSError:
            return result(
                Outcome.ERROR,
                f"golden file {gpath.name} is missing (run: tokencache-compat golden --update)",
            )
    diffs: list[str] = []
    try:
        with CaseSandbox(spec=case.sandbox, parent=options.sandbox_parent) as sb:
            sb.confine(paths=case.named_paths())
            env = sb.resolve_env(env=case.env)
            try:
                testee.begin_case(env=env, umask=case.sandbox.umask)
                why = unsupported_reason(case=case, hello=testee.hello)
                if why is not None:
                    return result(Outcome.SKIPPED, why)
                roots = [str(sb.root)]
                for index, step in enumerate(case.steps, start=1):
                    response = testee.request(build_request(step=step, case=case, sandbox=sb))
                    error = response.get("error") or {}
                    if not response.get("ok") and error.get("kind") == "unsupported":
                        return result(
                            Outcome.SKIPPED,
                            f"unsupported at step {index} ({step.op}): {error.get('message', '')}",
                        )
                    d = check_response(
                        step=step,
                        response=response,
                        roots=roots,
                        strict_messages=options.strict_messages,
                    )
                    if d is not None:
                        diffs.append(f"step {index} ({step.op}): {d}")
                diffs.extend(check_final(case=case, sandbox=sb, golden=golden))
                if observe is not None:
                    observe(sb)
            except TesteeTimeout as exc:
                return result(Outcome.TIMEOUT, str(exc), diffs)
            except (TesteeCrashed, TesteeUnavailable) as exc:
                return result(Outcome.CRASH, str(exc), diffs)
            finally:
                with contextlib.suppress(Exception):
                    testee.end_case()
    except SandboxEscape as exc:  # before any step: the case is refused, not run
        return result(Outcome.ERROR, f"case {case.id} refused: {exc}")
    except OSError as exc:  # the harness could not lay out or clean up the sandbox
        return result(Outcome.ERROR, f"sandbox: {exc}", diffs)
    if diffs:
        return result(Outcome.FAIL, f"{len(diffs)} difference(s)", diffs)
    return result(Outcome.PASS)


def judge(
    *, raw: CaseResult, case: Case, expectations: Expectations, enforce_recommended: bool
) -> CaseResult:
    """Apply expected-failure lists and the recommended level to a raw result."""
    if raw.outcome in (Outcome.ERROR, Outcome.SKIPPED):
        return raw
    reason = expectations.reason(impl=raw.impl, case_id=raw.case_id)
    if reason is not None:
        if raw.outcome is Outcome.PASS:
            return CaseResult(
                case_id=raw.case_id, impl=raw.impl, outcome=Outcome.XPASS,
                message=f"listed as expected failure ({reason}) but passed; remove it",
            )
        return CaseResult(
            case_id=raw.case_id, impl=raw.impl, outcome=Outcome.XFAIL,
            message=f"expected failure: {reason}; was {raw.outcome.value}: {raw.message}",
            diffs=raw.diffs,
        )
    if raw.outcome is Outcome.FAIL and case.recommended and not enforce_recommended:
        return CaseResult(
            case_id=raw.case_id, impl=raw.impl, outcome=Outcome.WARN,
            message=f"recommended case failed: {raw.message}", diffs=raw.diffs,
        )
    return raw


def stale_xfail_results(
    *, expectations: Expectations, known_ids: set[str], impls: Sequence[str]
) -> list[CaseResult]:
    """An error for every listed id that matches no case, so lists stay current."""
    out = []
    for impl in impls:
        for case_id in sorted(expectations.xfail.get(impl, {})):
            if case_id not in known_ids:
                out.append(
                    CaseResult(
                        case_id=case_id, impl=impl, outcome=Outcome.ERROR,
                        message="expected-failure list names a case that does not exist",
                    )
                )
    return out


def start_testees(
    *, testees: Sequence[Testee]
) -> tuple[list[Testee], list[ImplInfo], list[str]]:
    """Start each testee (asking hello); ones that cannot start become unavailable."""
    started: list[Testee] = []
    failed: list[ImplInfo] = []
    errors: list[str] = []
    for t in testees:
        try:
            t.start()
        except (TesteeUnavailable, TesteeCrashed, TesteeTimeout) as exc:
            info = t.info()
            reason = f"failed to start: {exc}"
            failed.append(
                ImplInfo(
                    name=info.name, kind=info.kind, command=info.command,
                    unavailable=reason, source=info.source,
                )
            )
            errors.append(f"{t.name}: {reason}")
            t.close()
            continue
        started.append(t)
    return started, failed, errors


def run_matrix(
    *,
    cases: Sequence[Case],
    testees: Sequence[Testee],
    options: RunOptions,
    expectations: Expectations = Expectations(),
    known_ids: set[str] | None = None,
    unavailable: Sequence[ImplInfo] = (),
    load_errors: Sequence[LoadError] = (),
    harness_errors: Sequence[str] = (),
    on_result: Callable[[CaseResult], None] | None = None,
) -> RunResult:
    """Every case x every testee; testees are started here and closed at the end."""
    started, failed, start_errors = start_testees(testees=testees)
    by_id = {c.id: c for c in cases}
    cells: dict[tuple[str, str], CaseResult] = {}
    try:
        for t in started:
            for case in cases:
                raw = run_case(case=case, testee=t, options=options)
                judged = judge(
                    raw=raw, case=case, expectations=expectations,
                    enforce_recommended=options.enforce_recommended,
                )
                cells[(case.id, t.name)] = judged
                if on_result is not None:
                    on_result(judged)
        infos = [t.info() for t in started]
    finally:
        for t in started:
            t.close()
    names = [t.name for t in started]
    ordered = [cells[(c.id, n)] for c in cases for n in names if (c.id, n) in cells]
    ids = known_ids if known_ids is not None else set(by_id)
    ordered += stale_xfail_results(expectations=expectations, known_ids=ids, impls=names)
    return RunResult(
        impls=(*infos, *failed, *unavailable),
        results=tuple(ordered),
        load_errors=tuple(load_errors),
        harness_errors=(*harness_errors, *start_errors),
        case_ids=tuple(c.id for c in cases),
    )


def describe(*, result: CaseResult) -> str:
    """Message and differences of one result as text."""
    parts = [result.message] if result.message else []
    if result.diffs:
        parts.append(join_diffs(diffs=result.diffs))
    return "\n".join(parts)
