"""Every spec case on every implementation, as pytest items (enable with --tokencache-cases)."""

from __future__ import annotations

import pytest

from harness.data import CaseResult, Outcome

# Seconds each: the fast lane (pytest -m "not slow") leaves these out.
pytestmark = pytest.mark.slow


def test_spec_case(tokencache_case: CaseResult) -> None:
    """The case passes on this implementation (a recommended case may only warn)."""
    assert tokencache_case.outcome in (Outcome.PASS, Outcome.WARN), tokencache_case.text()
