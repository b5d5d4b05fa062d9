"""Unit tests of the mutate engine's pieces that need no Go: mutants, verdicts, score, bounds."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from harness.exceptions import MutationSetupError, UsageError
from harness.mutate.engine import (
    Baseline,
    MutantResult,
    MutationRun,
    Status,
    select_mutants,
)
from harness.mutate.judge import SuiteVerdict, parse_diff_output, parse_suite_report
from harness.mutate.mutants import Mutant, Target, parse_mutants
from harness.mutate.proc import run_bounded

SOURCE = b"package p\n\nconst mode = 0o600\n\nfunc f() { g() }\n"


def _mutant(**changes: object) -> Mutant:
    fields: dict[str, object] = {
        "id": "m001", "file": "p.go", "func": "", "line": 3, "col": 14,
        "operator": "mode-const", "start": 24, "end": 29, "original": "0o600",
        "replacement": "0o644",
    }
    fields.update(changes)
    return Mutant(**fields)  # type: ignore[arg-type]


def test_target_parses_path_and_functions_and_refuses_escapes() -> None:
    """`PATH:F,G` keeps the functions; an empty path or one climbing out is a usage error."""
    assert Target.parse(text="a/b.go:F, T.M") == Target(path="a/b.go", funcs=("F", "T.M"))
    assert Target.parse(text="a/b/").flag() == "a/b"
    for bad in ("", ":F", "../x.go", "a/../../x.go"):
        with pytest.raises(UsageError):
            Target.parse(text=bad)


def test_mutant_apply_and_patch_show_only_the_changed_line() -> None:
    """The patch is a zero-context unified diff of the mutated line under the module's paths."""
    m = _mutant()
    assert m.apply(source=SOURCE) == SOURCE.replace(b"0o600", b"0o644")
    assert m.patch(source=SOURCE) == (
        "--- a/p.go\n+++ b/p.go\n@@ -3 +3 @@\n-const mode = 0o600\n+const mode = 0o644\n"
    )
    assert m.describe() == "mode-const p.go:3:14: 0o600 -> 0o644"


def test_removed_statement_patch_and_description() -> None:
    """A removal (empty replacement) reads `(removed)` and its patch has only a - line."""
    start = SOURCE.index(b"g()")
    m = _mutant(operator="remove-stmt", func="f", line=5, col=12, start=start, end=start + 3,
                original="g()", replacement="")
    assert m.describe() == "remove-stmt p.go:5:12 in f: g() -> (removed)"
    assert "-func f() { g() }\n+func f() {  }\n" in m.patch(source=SOURCE)


def test_apply_refuses_a_source_that_changed() -> None:
    """A mutant listed for other bytes is refused with its id, not applied blindly."""
    with pytest.raises(MutationSetupError, match=r"m001: p\.go:3:14 no longer holds"):
        _mutant().apply(source=SOURCE.replace(b"0o600", b"0o700"))


def test_parse_mutants_numbers_them_and_rejects_garbage() -> None:
    """The operator program's JSON becomes m001, m002, ...; malformed JSON is a setup error."""
    item = {"file": "p.go", "func": "", "line": 3, "col": 14, "operator": "mode-const",
            "start": 24, "end": 29, "original": "0o600", "replacement": "0o644"}
    mutants = parse_mutants(text=json.dumps({"mutants": [item, {**item, "replacement": "0"}]}))
    assert [m.id for m in mutants] == ["m001", "m002"]
    assert mutants[0] == _mutant()
    for bad in ("not json", '{"mutants": 3}', '{"mutants": [{"file": "p.go"}]}'):
        with pytest.raises(MutationSetupError, match="malformed"):
            parse_mutants(text=bad)


def test_select_mutants_by_id_and_operator() -> None:
    """--only keeps the named ids, --operator the named operators; an unknown id is an error."""
    a, b = _mutant(), _mutant(id="m002", operator="string-lit")
    assert select_mutants(mutants=[a, b], only=["m002"], operators=[]) == (b,)
    assert select_mutants(mutants=[a, b], only=[], operators=["mode-const"]) == (a,)
    with pytest.raises(MutationSetupError, match="no mutant m009"):
        select_mutants(mutants=[a, b], only=["m009"], operators=[])


def _report(outcomes: dict[str, str], **impl: object) -> dict[str, object]:
    return {
        "impls": [{"name": "mutant", "unavailable": None, **impl}],
        "results": [{"case": c, "impl": "mutant", "outcome": o} for c, o in outcomes.items()],
        "harness_errors": [], "load_errors": [],
    }


def test_suite_report_verdicts() -> None:
    """Unexpected outcomes, warns, a testee that never started and harness errors differ."""
    v = parse_suite_report(doc=_report({"a": "pass", "b": "fail", "c": "xpass", "d": "warn",
                                        "e": "xfail", "f": "skipped"}), name="mutant")
    assert (v.unexpected, v.warned, v.error, v.start_error) == (("b", "c"), ("d",), "", "")
    down = parse_suite_report(doc=_report({}, unavailable="failed to start: exit 2"),
                              name="mutant")
    assert down.start_error == "failed to start: exit 2"
    broken = {**_report({"a": "pass"}), "harness_errors": ["xfail list: bad line"]}
    assert parse_suite_report(doc=broken, name="mutant").error == "xfail list: bad line"
    assert "no implementation" in parse_suite_report(doc=_report({}), name="other").error


def test_diff_output_verdicts() -> None:
    """NO DIVERGENCE survives, DIVERGED with a written case kills, anything else is an error."""
    calm = parse_diff_output(stdout="diff a vs b: 10 examples\nNO DIVERGENCE\n", stderr="")
    assert not calm.diverged and not calm.error
    text = ("diff reference vs mutant: 3 examples\nstep 2: lookup differs\n"
            "spec case written: reports/x/diff.case.json\nDIVERGED\n")
    hit = parse_diff_output(stdout=text, stderr="")
    assert hit.diverged and hit.case_file == "reports/x/diff.case.json"
    assert hit.summary == "step 2: lookup differs"
    for stdout in ("", "hypothesis error: Flaky\nDIVERGED\n"):
        assert parse_diff_output(stdout=stdout, stderr="ERROR boom").error.startswith("diff gave")


def test_score_counts_timeouts_as_detected_and_leaves_out_unviable_and_errors() -> None:
    """Score = (killed + timeout) / (killed + timeout + survived)."""
    statuses = [Status.KILLED, Status.KILLED, Status.TIMEOUT, Status.SURVIVED, Status.UNVIABLE,
                Status.ERROR]
    run = MutationRun(
        module=Path("m"), module_path="example.com/m", testee=Path("t"), targets=(),
        baseline=Baseline(build_seconds=0, suite=SuiteVerdict(), expected_failures=()),
        results=tuple(MutantResult(mutant=_mutant(id=f"m{i}"), status=s)
                      for i, s in enumerate(statuses)),
        seconds=1, jobs=2, diff_examples=0,
    )
    assert (run.scored, run.score) == (4, 0.75)
    assert [r.mutant.id for r in run.survivors] == ["m3"]


@pytest.mark.slow  # waits out a 3 s bound
def test_run_bounded_kills_the_whole_process_group(tmp_path: Path) -> None:
    """At the time bound the command and the grandchild it started are both gone."""
    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(60)\n"
    )
    started = time.monotonic()
    done = run_bounded(args=[sys.executable, "-c", script], cwd=None, env=os.environ,
                       timeout=3)
    assert done.timed_out and time.monotonic() - started < 30
    grandchild = int(pid_file.read_text())
    for _ in range(50):  # reaped by init shortly after the kill
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"grandchild {grandchild} still alive")
