"""Judging raw results: expected failures, stale list entries, the recommended level."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from harness.data import CaseResult, Outcome
from harness.spec import Case


@dataclass(frozen=True)
class Expectations:
    """Expected failures per implementation: impl → case id → reason."""

    xfail: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def reason(self, *, impl: str, case_id: str) -> str | None:
        """Why this case is expected to fail here, or None."""
        return self.xfail.get(impl, {}).get(case_id)


@dataclass(frozen=True)
class Judge:
    """Turns a raw result into the outcome a run reports."""

    expectations: Expectations = Expectations()
    enforce_recommended: bool = False

    def judge(self, *, raw: CaseResult, case: Case) -> CaseResult:
        """Apply expected-failure lists and the recommended level to a raw result."""
        if raw.outcome in (Outcome.ERROR, Outcome.SKIPPED, Outcome.BROKEN):
            return raw
        reason = self.expectations.reason(impl=raw.impl, case_id=raw.case_id)
        if reason is not None:
            if raw.outcome is Outcome.PASS:
                return CaseResult(
                    case_id=raw.case_id, impl=raw.impl, outcome=Outcome.XPASS,
                    message=f"listed as expected failure ({reason}) but passed; remove it",
                    output_sha256=raw.output_sha256, reason=reason,
                )
            return CaseResult(
                case_id=raw.case_id, impl=raw.impl, outcome=Outcome.XFAIL,
                message=f"expected failure: {reason}; was {raw.outcome.value}: {raw.message}",
                diffs=raw.diffs, output_sha256=raw.output_sha256, kinds=raw.kinds,
                reason=reason,
            )
        if raw.outcome is Outcome.FAIL and case.recommended and not self.enforce_recommended:
            return CaseResult(
                case_id=raw.case_id, impl=raw.impl, outcome=Outcome.WARN,
                message=f"recommended case failed: {raw.message}", diffs=raw.diffs,
                output_sha256=raw.output_sha256, kinds=raw.kinds,
            )
        return raw

    def stale(self, *, known_ids: AbstractSet[str], impls: Sequence[str]) -> list[CaseResult]:
        """An error for every listed id that matches no case, so lists stay current."""
        out = []
        for impl in impls:
            for case_id in sorted(self.expectations.xfail.get(impl, {})):
                if case_id not in known_ids:
                    out.append(
                        CaseResult(
                            case_id=case_id, impl=impl, outcome=Outcome.ERROR,
                            message="expected-failure list names a case that does not exist",
                        )
                    )
        return out
