"""Running cases on testees: crashes, timeouts, garbage, skips, xfail/xpass, exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tcc_fake_testee import FakeSession
from tcc_helpers import OPEN, case, cell, fake_command, store

from harness.data import Outcome, RunResult
from harness.judge import Expectations
from harness.runner import RunOptions, run_case
from harness.session import Execution
from harness.spec import load_cases
from harness.testee import InProcessTestee, SubprocessTestee
from harness.xfail import parse_xfail_text

LOOKUP_A: dict[str, Any] = {"op": "lookup", "key": "k", "expect": {"ok": {"token": {
    "access_token": "a"}}}}


def _run(project: Path, *, testees: list[Any], expectations: Expectations | None = None,
         enforce: bool = False, strict: bool = True) -> RunResult:
    loaded = load_cases(cases_dir=project / "golden" / "cases")
    return Execution(
        cases=loaded.cases, testees=testees,
        options=RunOptions(golden_dir=project / "golden" / "files", strict_messages=strict,
                           enforce_recommended=enforce),
        expectations=expectations or Expectations(), load_errors=loaded.errors,
    ).run_all()


def _outcomes(run: RunResult) -> dict[tuple[str, str], Outcome]:
    return {(r.case_id, r.impl): r.outcome for r in run.results}


def test_crash_timeout_garbage_each_reported_and_run_goes_on(project: Path, write_cases) -> None:
    """Each misbehaviour gets its outcome, the testee restarts, and later cases pass."""
    write_cases("m", [
        case("m.a-crash", OPEN, store("crash")),
        case("m.b-after-crash", OPEN, store("k"), LOOKUP_A),
        case("m.c-garbage", OPEN, store("garbage")),
        case("m.d-after-garbage", OPEN, store("k"), LOOKUP_A),
        case("m.e-hang", OPEN, store("hang")),
        case("m.f-after-hang", OPEN, store("k"), LOOKUP_A),
    ])
    fake = SubprocessTestee(name="fake", command=fake_command(), timeout=1.0)
    run = _run(project, testees=[fake])
    by = {r.case_id: r for r in run.results}
    assert by["m.a-crash"].outcome is Outcome.CRASH
    assert "exit status 3" in by["m.a-crash"].message
    assert "panic: fake testee crashed on purpose" in by["m.a-crash"].message
    assert by["m.c-garbage"].outcome is Outcome.CRASH
    assert "this is not json" in by["m.c-garbage"].message
    assert by["m.e-hang"].outcome is Outcome.TIMEOUT
    for after in ("m.b-after-crash", "m.d-after-garbage", "m.f-after-hang"):
        assert by[after].outcome is Outcome.PASS, by[after]
    assert fake.starts == 4  # first start plus one restart after each failure
    assert run.exit_code == 1


def test_unsupported_op_via_and_error_are_skipped(
    project: Path, write_cases, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ops missing from hello, unoffered dual_store via and `unsupported` answers skip."""
    write_cases("s", [
        case("s.op", {"op": "cache_key", "arg": {"kind": "workspace", "host": "h"}}),
        case("s.via", OPEN, {"op": "dual_store", "arg": {"kind": "workspace"},
                             "token": None, "via": "sdk"}),
        case("s.answer", OPEN, store("unsupported")),
    ])
    monkeypatch.setenv("FAKE_OPS", "open,store,lookup,dual_store")
    run = _run(project, testees=[InProcessTestee(name="ref", session_factory=FakeSession)])
    got = {r.case_id: r for r in run.results}
    assert {k: r.outcome for k, r in got.items()} == {
        "s.op": Outcome.SKIPPED, "s.via": Outcome.SKIPPED, "s.answer": Outcome.SKIPPED}
    assert "cache_key" in got["s.op"].message
    assert "'sdk'" in got["s.via"].message
    assert "no such variant here" in got["s.answer"].message
    assert run.exit_code == 0


def test_xfail_xpass_and_stale_ids(project: Path, write_cases) -> None:
    """Listed failures are xfail, listed passes are xpass, unknown ids are errors."""
    write_cases("x", [
        case("x.fails", OPEN, store("k"), {"op": "lookup", "key": "k",
                                           "expect": {"error": "not_found"}}),
        case("x.passes", OPEN, store("k")),
    ])
    lists = parse_xfail_text(
        text="# comment\n\nx.fails # known bug\nx.passes # fixed?\nx.gone # removed case\n",
        source="t.txt",
    )
    run = _run(project, testees=[InProcessTestee(name="ref", session_factory=FakeSession)],
               expectations=Expectations(xfail={"ref": lists}))
    assert _outcomes(run) == {
        ("x.fails", "ref"): Outcome.XFAIL,
        ("x.passes", "ref"): Outcome.XPASS,
        ("x.gone", "ref"): Outcome.ERROR,
    }
    assert run.exit_code == 1


def test_only_xfail_is_a_clean_run(project: Path, write_cases) -> None:
    """A run whose only failures are listed exits 0."""
    write_cases("x", [case("x.fails", OPEN, {"op": "lookup", "key": "k"})])
    run = _run(project, testees=[InProcessTestee(name="ref", session_factory=FakeSession)],
               expectations=Expectations(xfail={"ref": {"x.fails": "known"}}))
    assert _outcomes(run) == {("x.fails", "ref"): Outcome.XFAIL}
    assert run.exit_code == 0


def test_recommended_failure_warns_unless_enforced(project: Path, write_cases) -> None:
    """A failing recommended case is warn (exit 0), or fail with --enforce-recommended."""
    write_cases("r", [case("r.rec", OPEN, {"op": "lookup", "key": "k"}, level="recommended")])
    ref = InProcessTestee(name="ref", session_factory=FakeSession)
    warn = _run(project, testees=[ref])
    assert _outcomes(warn) == {("r.rec", "ref"): Outcome.WARN} and warn.exit_code == 0
    ref2 = InProcessTestee(name="ref", session_factory=FakeSession)
    enforced = _run(project, testees=[ref2], enforce=True)
    assert _outcomes(enforced) == {("r.rec", "ref"): Outcome.FAIL} and enforced.exit_code == 1


def test_every_difference_collected_and_messages_strict(project: Path, write_cases) -> None:
    """A case reports all its differences at once; a wrong message fails only when strict."""
    write_cases("d", [
        case("d.many", OPEN, store("k"),
             {"op": "lookup", "key": "nope",
              "expect": {"error": "not_found", "message": "something else"}},
             {"op": "lookup", "key": "k", "expect": {"ok": {"token": {"access_token": "b"}}}},
             final={"file_mode": "0644", "listing": ["token-cache.json", "extra"]}),
        case("d.msg", OPEN, {"op": "lookup", "key": "nope", "expect": {
            "error": "not_found",
            "message": "{sandbox}/home/.databricks/token-cache.json: not found"}}),
    ])
    run = _run(project, testees=[InProcessTestee(name="ref", session_factory=FakeSession)])
    many = cell(run, case_id="d.many", impl="ref")
    assert many is not None and many.outcome is Outcome.FAIL
    assert [d.split(":")[0] for d in many.diffs] == [
        "step 3 (lookup)", "step 4 (lookup)", "home/.databricks/token-cache.json",
        "home/.databricks/"]
    assert cell(run, case_id="d.msg", impl="ref").outcome is Outcome.PASS  # type: ignore[union-attr]
    lax = _run(project, testees=[InProcessTestee(name="ref", session_factory=FakeSession)],
               strict=False)
    lax_many = cell(lax, case_id="d.many", impl="ref")
    assert lax_many is not None and len(lax_many.diffs) == 3


def test_missing_golden_file_is_an_error(project: Path, write_cases) -> None:
    """A case with final.golden and no golden file is an error outcome, not a pass."""
    write_cases("g", [case("g.one", OPEN, store("k"), final={"golden": True})])
    run = _run(project, testees=[InProcessTestee(name="ref", session_factory=FakeSession)])
    (r,) = run.results
    assert r.outcome is Outcome.ERROR and "golden --update" in r.message


def test_load_errors_fail_the_run(project: Path, write_cases) -> None:
    """A malformed file fails the run while the good cases still run."""
    write_cases("bad", raw={"cases": [{"id": "Bad Id", "description": "x", "steps": [OPEN]}]})
    write_cases("good", [case("good.one", OPEN, store("k"))])
    run = _run(project, testees=[InProcessTestee(name="ref", session_factory=FakeSession)])
    assert _outcomes(run) == {("good.one", "ref"): Outcome.PASS}
    assert len(run.load_errors) == 1 and run.exit_code == 1


def test_testee_that_cannot_start_is_unavailable_and_an_error(project: Path, write_cases) -> None:
    """A command that does not exist is listed with its reason and fails the run."""
    write_cases("a", [case("a.one", OPEN)])
    bad = SubprocessTestee(name="ghost", command=("/nonexistent/testee",))
    run = _run(project, testees=[bad])
    (info,) = run.impls
    assert info.unavailable is not None and "/nonexistent/testee" in info.unavailable
    assert run.harness_errors and run.exit_code == 1


REPO = Path(__file__).resolve().parents[2]


def test_a_golden_file_off_by_one_byte_fails_the_case(tmp_path: Path) -> None:
    """A real case passes on its golden copy and fails, naming the offset, once one byte flips."""
    loaded = load_cases(cases_dir=REPO / "golden" / "cases")
    c = next(c for c in loaded.cases if c.final.golden and not c.recommended)
    golden = (REPO / "golden" / "files" / f"{c.id}.json").read_bytes()
    gdir = tmp_path / "golden"
    gdir.mkdir()
    copy = gdir / f"{c.id}.json"
    copy.write_bytes(golden)
    options = RunOptions(golden_dir=gdir)
    assert run_case(case=c, testee=InProcessTestee(), options=options).outcome is Outcome.PASS
    offset = len(golden) // 2
    flipped = bytearray(golden)
    flipped[offset] ^= 0x01
    copy.write_bytes(bytes(flipped))
    r = run_case(case=c, testee=InProcessTestee(), options=options)
    assert r.outcome is Outcome.FAIL
    (diff,) = r.diffs
    assert f"golden bytes differ at offset {offset} " in diff
