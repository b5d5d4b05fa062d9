"""The runner records a hash of the bytes each case leaves, and judging keeps it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from harness.data import CaseResult, Outcome
from harness.judge import Expectations, Judge
from harness.runner import RunOptions, run_case
from harness.spec import Case, Step, load_cases
from harness.testee import InProcessTestee

REPO = Path(__file__).resolve().parents[2]


def test_a_case_records_the_hash_of_its_final_cache_file() -> None:
    """A passing golden case's hash is the golden file's; a case writing nothing has none."""
    cases = {c.id: c for c in load_cases(cases_dir=REPO / "golden" / "cases").cases}
    options = RunOptions(golden_dir=REPO / "golden" / "files")
    testee = InProcessTestee()
    try:
        stored = run_case(case=cases["life.store-then-lookup"], testee=testee, options=options)
        nothing = run_case(case=cases["keys.workspace.host-only"], testee=testee,
                           options=options)
    finally:
        testee.close()
    golden = (REPO / "golden" / "files" / "life.store-then-lookup.json").read_bytes()
    assert stored.outcome is Outcome.PASS
    assert stored.output_sha256 == hashlib.sha256(golden).hexdigest()
    assert nothing.output_sha256 is None


@pytest.mark.parametrize(("raw", "listed", "level", "judged"), [
    (Outcome.PASS, True, "required", Outcome.XPASS),
    (Outcome.FAIL, True, "required", Outcome.XFAIL),
    (Outcome.FAIL, False, "recommended", Outcome.WARN),
])
def test_judging_keeps_the_output_hash(raw: Outcome, listed: bool, level: str,
                                       judged: Outcome) -> None:
    """xpass, xfail and warn results carry the raw result's byte hash on."""
    case = Case(id="a.x", description="", steps=(Step(op="open", fields={}),), level=level)
    judge = Judge(expectations=Expectations(xfail={"impl": {"a.x": "known"}} if listed else {}))
    result = judge.judge(raw=CaseResult("a.x", "impl", raw, output_sha256="h" * 64), case=case)
    assert result.outcome is judged and result.output_sha256 == "h" * 64
