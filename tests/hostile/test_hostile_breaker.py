"""Item 3: after N consecutive timeouts an implementation is marked broken; the run goes on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostile_helpers import LOOKUP, OPEN, case, hostile_argv, hostile_impl, store

from harness.cli import main
from harness.paths import ProjectPaths, find_repo_root
from harness.session import RunConfig, plan_for
from harness.spec import load_cases


def _outcomes(path: Path, impl: str) -> list[str]:
    doc = json.loads(path.read_text())
    return [r["outcome"] for r in doc["results"] if r["impl"] == impl]


def _run(project: Path, impl: str, out: Path, *extra: str) -> int:
    return main(["run", "--root", str(project), "--no-go", "--confine", "off",
                 "--impl", impl, "--timeout", "0.3", "--json", str(out), *extra])


@pytest.mark.slow
def test_never_answering_testee_is_marked_broken_after_three_timeouts(
    project: Path, write_cases, state: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Three timeouts, then `broken` with the reason for the rest; the reference still runs."""
    write_cases("b", [case(f"b.{n:02d}", OPEN, store(), LOOKUP) for n in range(10)])
    out = tmp_path / "r.json"
    assert _run(project, hostile_impl("h", "hang", state=state), out) == 1
    assert _outcomes(out, "h") == ["timeout"] * 3 + ["broken"] * 7
    assert _outcomes(out, "reference") == ["pass"] * 10
    doc = json.loads(out.read_text())
    broken = [r for r in doc["results"] if r["outcome"] == "broken"]
    assert all("h marked broken after 3 consecutive timeouts" in r["message"] for r in broken)
    assert "no answer to 'open' within 0.3s" in broken[0]["message"]
    terminal = capsys.readouterr().out
    assert "h: 3 timeout, 7 broken" in terminal
    assert "h marked broken after 3 consecutive timeouts" in terminal


@pytest.mark.slow
def test_an_answer_resets_the_count(project: Path, write_cases, state: Path,
                                    tmp_path: Path) -> None:
    """Timeouts separated by answers never trip the breaker."""
    hang = [OPEN, store("hang")]
    ok = [OPEN, store(), LOOKUP]
    write_cases("r", [case(f"r.{n}", *(hang if n % 3 != 2 else ok)) for n in range(9)])
    out = tmp_path / "r.json"
    _run(project, hostile_impl("h", "hang-key", state=state), out, "--only-impl", "h")
    assert _outcomes(out, "h") == ["timeout", "timeout", "pass"] * 3


@pytest.mark.slow
def test_max_timeouts_is_configurable(project: Path, write_cases, state: Path,
                                      tmp_path: Path) -> None:
    """--max-timeouts 1 trips at once; 0 never trips."""
    write_cases("m", [case(f"m.{n}", OPEN, store()) for n in range(4)])
    out = tmp_path / "r.json"
    impl = hostile_impl("h", "hang", state=state)
    _run(project, impl, out, "--only-impl", "h", "--max-timeouts", "1")
    assert _outcomes(out, "h") == ["timeout", "broken", "broken", "broken"]
    _run(project, impl, out, "--only-impl", "h", "--max-timeouts", "0")
    assert _outcomes(out, "h") == ["timeout"] * 4


@pytest.mark.slow
def test_full_suite_against_a_never_answering_testee(state: Path, tmp_path: Path) -> None:
    """All 378-odd spec cases: three timeouts and the rest broken (or skipped by hello)."""
    root = find_repo_root()
    total = len(load_cases(cases_dir=ProjectPaths.at(root=root).cases_dir).cases)
    out = tmp_path / "r.json"
    code = main(["run", "--root", str(root), "--no-go", "--confine", "off", "--only-impl", "h",
                 "--impl", hostile_impl("h", "hang", state=state), "--timeout", "0.5",
                 "--json", str(out)])
    assert code == 1
    outcomes = _outcomes(out, "h")
    assert outcomes.count("timeout") == 3
    assert outcomes.count("broken") + outcomes.count("skipped") == total - 3
    assert outcomes.count("broken") > total // 2


@pytest.mark.slow
def test_pytest_plan_has_the_breaker_too(project: Path, write_cases, state: Path) -> None:
    """The pytest plugin's plan marks the testee broken the same way."""
    write_cases("p", [case(f"p.{n}", OPEN, store()) for n in range(5)])
    plan = plan_for(config=RunConfig(
        paths=ProjectPaths.at(root=project), use_go=False, only_impls=("h",), timeout=0.3,
        extra_impls=(hostile_impl("h", "hang", state=state),), confine="off", max_timeouts=2,
    ))
    try:
        got = [plan.run_item(item=i).outcome.value for i in plan.items()]
    finally:
        plan.close()
    assert got == ["timeout", "timeout", "broken", "broken", "broken"]


@pytest.mark.slow
def test_interop_skips_the_pairs_of_a_broken_testee(
    project: Path, state: Path, tmp_path: Path
) -> None:
    """interop stops asking a never-answering testee after three timeouts."""
    out = tmp_path / "i.json"
    main(["interop", "--root", str(project), "--no-go", "--confine", "off",
          "--skip-impl", "reference+go1.27.3",
          "--impl", hostile_impl("h", "hang", state=state),
          "--impl", f"h2={' '.join(hostile_argv('normal', state=state))}",
          "--timeout", "0.3", "--json", str(out)])
    cells = json.loads(out.read_text())["cells"]
    with_h = [c for c in cells if "h" in (c["writer"], c["reader"])]
    assert len(with_h) == 5
    broken = [c for c in with_h if any("h marked broken" in e for e in c["errors"])]
    assert len(broken) == 2
    ok = [c for c in cells if "h" not in (c["writer"], c["reader"])]
    assert {c["status"] for c in ok} == {"ok"}


@pytest.mark.slow
def test_diff_side_marked_broken_answers_at_once(
    state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """diff stops asking a side that timed out three times in a row: shrinking takes no time."""
    code = main(["diff", "reference", "h", "--root", str(find_repo_root()), "--no-go",
                 "--confine", "off", "--impl", hostile_impl("h", "hang", state=state),
                 "--timeout", "0.3", "--examples", "30", "--out", str(tmp_path / "cx")])
    out = capsys.readouterr().out
    assert code == 1
    assert "h marked broken after 3 consecutive timeouts" in out
    assert "DIVERGED" in out
