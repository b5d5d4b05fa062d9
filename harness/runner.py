"""Runs one case on one implementation: sandbox, requests, checks; the raw outcome."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.breaker import DEFAULT_MAX_TIMEOUTS
from harness.checks import check_final, classify_response
from harness.data import CaseResult, Outcome
from harness.edits import apply_edit
from harness.exceptions import FaultUnavailable, SandboxEscape, TesteeFailure, TesteeTimeout
from harness.faults import CaseFaults, unsupported_fault_reason
from harness.messages import BEHAVIOUR, STRICT, message_mode
from harness.protocol import Failure, Hello, Request, protocol_op, step_request
from harness.sandbox import CaseSandbox
from harness.spec import Case, Step
from harness.stable import stable_paths, stable_text
from harness.testee import Testee
from harness.toolchains import golden_for, implementation_toolchain, resolve_case


@dataclass(frozen=True)
class RunOptions:
    """Switches that change how results are judged, and where sandboxes go."""

    golden_dir: Path
    strict_messages: bool = True  # False is messages="off" (--no-strict-messages)
    messages: str = STRICT  # the message class, harness/messages.py
    enforce_recommended: bool = False
    sandbox_parent: Path | None = None
    max_timeouts: int = DEFAULT_MAX_TIMEOUTS  # consecutive timeouts that mark a testee broken


def unsupported_reason(*, case: Case, hello: Hello) -> str | None:
    """Why the testee cannot run this case (per its hello), or None."""
    for step in case.steps:
        if step.edit is not None:  # done by the harness, never sent
            continue
        op = protocol_op(op=step.op)
        if not hello.offers(op=op):
            return f"unsupported: op {op!r} is not in the testee's hello ops"
        if step.op == "dual_store" and step.fields.get("via") not in hello.dual_store_via:
            return f"unsupported: dual_store via {step.fields.get('via')!r} is not offered"
    return unsupported_fault_reason(case=case, hello=hello)


def build_request(*, step: Step, case: Case, sandbox: CaseSandbox) -> Request:
    """The protocol request for one case step, with sandbox paths made absolute."""
    path = step.fields.get("path") if step.op == "open" else None
    return step_request(
        op=step.op,
        fields=step.fields,
        env=sandbox.resolve_env(env={**case.env, **step.fields.get("env", {})}),
        umask=case.sandbox.umask,
        path=None if path is None else sandbox.abspath(rel=path),
    )


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

    output: str | None = None  # hash of the final cache file, once every step has run

    def result(outcome: Outcome, message: str = "", diffs: Sequence[str] = ()) -> CaseResult:
        # Reports of two runs must be byte-identical: no temp path, no panic address.
        return CaseResult(
            case_id=case.id, impl=testee.name, outcome=outcome,
            message=stable_text(text=message),
            diffs=tuple(stable_paths(text=d) for d in diffs), output_sha256=output,
            kinds=tuple(kinds[: len(diffs)]),
        )

    mode = message_mode(strict_messages=options.strict_messages, messages=options.messages)
    kinds: list[str] = []  # what each difference is about (harness/messages.py)

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
        # A subprocess testee keeps its sandboxes in a folder of its own (the one place a
        # confined testee may write); others use the options' parent.
        parent = testee.sandbox_dir() or options.sandbox_parent
        with CaseFaults(case=case, parent=parent, testee=testee) as faults, CaseSandbox(
            spec=case.sandbox, parent=faults.sandbox_parent
        ) as sb:
            sb.confine(paths=case.named_paths())
            env = sb.resolve_env(env=case.env)
            try:
                testee.begin_case(env=env, umask=case.sandbox.umask)
                faults.prepare(testee=testee)
                why = unsupported_reason(case=case, hello=testee.hello)
                if why is not None:
                    return result(Outcome.SKIPPED, why)
                # What this testee's Go toolchain must give (harness/toolchains.py).
                toolchain = implementation_toolchain(hello=testee.hello)
                case = resolve_case(case=case, toolchain=toolchain)
                variant = golden_for(
                    golden_dir=options.golden_dir, case_id=case.id, toolchain=toolchain
                )
                if golden is not None and variant is not None:
                    golden = variant.read_bytes()
                roots = [str(sb.root)]
                for index, step in enumerate(case.steps, start=1):
                    if step.edit is not None:  # the harness changes the sandbox itself
                        apply_edit(edit=step.edit, root=sb.root)
                        continue
                    request = build_request(step=step, case=case, sandbox=sb)
                    with faults.during(step=step, sandbox=sb):
                        response = testee.request(req=faults.request(step=step, request=request))
                    if isinstance(response, Failure) and response.unsupported:
                        return result(
                            Outcome.SKIPPED,
                            f"unsupported at step {index} ({step.op}): {response.message}",
                        )
                    found = classify_response(
                        step=step, response=response, roots=roots, messages=mode
                    )
                    if found is not None:
                        kinds.append(found[0])
                        diffs.append(f"step {index} ({step.op}): {found[1]}")
                final = check_final(case=case, sandbox=sb, golden=golden)
                kinds.extend([BEHAVIOUR] * len(final))
                diffs.extend(final)
                produced = sb.read_file(rel=case.final_file()).content
                output = None if produced is None else hashlib.sha256(produced).hexdigest()
                if observe is not None:
                    observe(sb)
            except TesteeTimeout as exc:
                return result(Outcome.TIMEOUT, str(exc), diffs)
            except TesteeFailure as exc:
                return result(Outcome.CRASH, str(exc), diffs)
            finally:
                with contextlib.suppress(Exception):
                    testee.end_case()
    except SandboxEscape as exc:  # the case is refused, not run further
        return result(Outcome.ERROR, f"case {case.id} refused: {exc}")
    except FaultUnavailable as exc:  # this machine cannot inject it: say so, never pass
        return result(Outcome.SKIPPED, f"fault unavailable here: {exc}", diffs)
    except OSError as exc:  # the harness could not lay out or clean up the sandbox
        return result(Outcome.ERROR, f"sandbox: {exc}", diffs)
    if diffs:
        return result(Outcome.FAIL, f"{len(diffs)} difference(s)", diffs)
    return result(Outcome.PASS)
