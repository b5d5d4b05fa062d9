"""Every spec case on every implementation, as pytest items (enable with --tokencache-cases)."""

from __future__ import annotations

from harness.data import CaseResult, Outcome
from harness.runner import describe


def test_spec_case(tokencache_case: CaseResult) -> None:
    """The case passes on this implementation (a recommended case may only warn)."""
    assert tokencache_case.outcome in (Outcome.PASS, Outcome.WARN), describe(result=tokencache_case)
