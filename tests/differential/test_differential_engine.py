"""The differential engine: no false alarms, planted bugs caught, shrunk and written as cases."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from planted import drop_refresh_testee, no_lookup_testee

from harness.cli import main
from harness.data import Outcome
from harness.differential.counterexample import (
    Counterexample,
    TraceStep,
    counterexample_case,
    slug,
)
from harness.differential.observe import CACHE_FILE, Answer, DiskState, compare_disks
from harness.differential.options import DiffOptions, auto_allowed
from harness.differential.run import run_diff
from harness.paths import ProjectPaths
from harness.protocol import Hello
from harness.session import RunConfig, execute_run
from harness.spec import case_file_schema, load_case_file
from harness.testee import InProcessTestee

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_reference_against_itself_never_diverges(tmp_path: Path) -> None:
    """Two copies of the reference in separate sandboxes agree on every generated sequence."""
    result = run_diff(
        a=InProcessTestee(name="reference"),
        b=InProcessTestee(name="reference-copy"),
        options=DiffOptions(examples=60, out_dir=tmp_path),
    )
    assert result.ok, result.render()
    assert result.examples >= 60 and result.steps > result.examples
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_planted_divergence_is_caught_shrunk_and_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A reference that drops refresh tokens yields a two-step case folder that `run` accepts."""
    result = run_diff(
        a=InProcessTestee(name="reference"),
        b=drop_refresh_testee(),
        options=DiffOptions(examples=200, out_dir=tmp_path, max_divergences=1),
    )
    assert not result.ok
    cx = result.counterexample
    assert cx is not None and result.written is not None
    # Shrunk: open, then (hypothesis's shrinking is good, not perfect) at most one store
    # before the one with a refresh token that shows the bug.
    ops = [ts.step["op"] for ts in cx.steps]
    assert ops[0] == "open" and set(ops[1:]) == {"store"} and len(ops) <= 3, cx.render()
    assert cx.file is None
    token = cx.steps[-1].step["token"]
    assert set(token) == {"refresh_token"} and 0 < len(token["refresh_token"]) <= 4, token
    assert any("bytes differ" in d for d in cx.diffs)

    doc = json.loads(result.written.case_file.read_text())
    jsonschema.validate(doc, case_file_schema())
    cases, errors = load_case_file(path=result.written.case_file)
    assert not errors and len(cases) == 1
    case = cases[0]
    assert case.id.startswith("counterexample.reference-vs-broken.")
    observed = json.loads(result.written.observed_file.read_text())
    assert set(observed["sides"]) == {"reference", "broken"}
    assert observed["expected_side"] == "reference"
    # cases/ holds nothing but the case file: the observations live outside the loader's reach.
    assert [p.name for p in (tmp_path / "cases").iterdir()] == [f"{case.id}.json"]
    assert result.written.observed_file.parent == tmp_path / "observed"

    # The written folders run as they are: the case passes on the expected side...
    paths = ProjectPaths.at(root=REPO, cases_dir=tmp_path / "cases",
                            golden_dir=tmp_path / "files", xfail_dir=tmp_path / "no-xfail")
    argv = ["run", "--root", str(REPO), "--cases", str(paths.cases_dir),
            "--golden-dir", str(paths.golden_dir), "--xfail-dir", str(paths.xfail_dir),
            "--no-go", "--only-impl", "reference", "--color", "never"]
    assert main(argv) == 0
    assert case.id in capsys.readouterr().out
    # ...and fails on the broken one.
    run = execute_run(config=RunConfig(
        paths=paths, use_go=False, only_impls=("reference",),
        extra_testees=(drop_refresh_testee(),),
    ))
    outcomes = {(r.case_id, r.impl): r.outcome for r in run.results}
    assert not run.load_errors
    assert outcomes == {(case.id, "reference"): Outcome.PASS, (case.id, "broken"): Outcome.FAIL}


@pytest.mark.slow
def test_broken_side_first_still_asserts_the_reference(tmp_path: Path) -> None:
    """With the broken side named first, the spec case still records the reference's bytes."""
    result = run_diff(
        a=drop_refresh_testee(),
        b=InProcessTestee(name="reference"),
        options=DiffOptions(examples=200, out_dir=tmp_path, max_divergences=1),
    )
    assert result.written is not None and result.written.golden_file is not None
    assert b'"refresh_token": "' in result.written.golden_file.read_bytes()


def test_unsupported_answer_skips_the_step_on_both_sides(tmp_path: Path) -> None:
    """A side that answers `unsupported` to lookups is not a divergence; other steps still run."""
    result = run_diff(
        a=InProcessTestee(name="reference"),
        b=no_lookup_testee(),
        options=DiffOptions(examples=40, out_dir=tmp_path),
    )
    assert result.ok, result.render()
    assert result.steps > 0


@pytest.mark.slow
def test_seed_changes_the_examples(tmp_path: Path) -> None:
    """--seed runs are reproducible and differ from the derandomized run."""

    def steps(seed: int | None) -> int:
        r = run_diff(
            a=InProcessTestee(name="reference"),
            b=InProcessTestee(name="copy"),
            options=DiffOptions(examples=15, seed=seed, out_dir=tmp_path),
        )
        return r.steps

    assert steps(7) == steps(7)
    assert {steps(None), steps(7), steps(8)} != {steps(None)}


def test_auto_allow_reads_hello() -> None:
    """Go testees allow the null panic; an oauth2 older than v0.23.0 allows dropped expires_in."""
    def hello(runtime: str, oauth2: str | None = None) -> Hello:
        details = {} if oauth2 is None else {"golang.org/x/oauth2": oauth2}
        return Hello(name="x", version="1", runtime=runtime, ops=(), dual_store_via=(),
                     details=details)

    go_new, go_old = hello("go1.26.8", "v0.34.0"), hello("go1.26.8", "v0.20.0")
    ref = hello("python 3.11")
    assert auto_allowed(hellos=[ref, ref]) == frozenset()
    assert auto_allowed(hellos=[ref, go_new]) == {"null-top-level"}
    assert auto_allowed(hellos=[ref, go_old]) == {"null-top-level", "expires-in"}


def test_compare_disks_reports_modes_bytes_and_listing() -> None:
    """Every part of the disk state is compared, and expires_in can be ignored."""
    a = DiskState("regular", 0o600, b'{\n  "expiry": "x",\n  "expires_in": 5\n}', 0o700,
                  ("token-cache.json",))
    b = DiskState("regular", 0o644, b'{\n  "expiry": "x"\n}', 0o755,
                  (".token-cache-*.tmp", "token-cache.json"))
    diffs = compare_disks(a=a, b=b, names=("x", "y"))
    text = "\n".join(diffs)
    assert "mode x=0600 y=0644" in text and "bytes differ" in text
    assert "mode x=0700 y=0755" in text and "listing" in text
    same = compare_disks(a=a, b=DiskState(*a.__dict__.values()).__class__(
        "regular", 0o600, b'{\n  "expiry": "x"\n}', 0o700, ("token-cache.json",)
    ), names=("x", "y"), ignore_expires_in=True)
    assert same == []


def test_counterexample_with_file_and_error_is_a_valid_case() -> None:
    """A hand-edited file and an error answer become sandbox files and an error expectation."""
    answers = (
        Answer(compared={"error": "error", "message": "load: parse: bad"}),
        Answer(compared={"crash": "crash"}, detail="panic"),
    )
    cx = Counterexample(
        names=("reference", "go-sdk@v0.129.0"),
        file=b"\xff{",
        steps=(TraceStep(step={"op": "open", "path": None}, answers=answers),),
        disks=(DiskState("regular", 0o600, b"\xff{", 0o700, ("token-cache.json",)),) * 2,
        diffs=("response differs",),
        expected_side=0,
    )
    case, golden = counterexample_case(cx=cx)
    jsonschema.validate({"cases": [case]}, case_file_schema())
    assert case["sandbox"]["files"][0]["path"] == CACHE_FILE
    assert case["steps"] == [
        {"op": "open", "expect": {"error": "error", "message": "load: parse: bad"}}
    ]
    assert golden == b"\xff{"
    assert slug(name="go-sdk@v0.129.0") == "go-sdk-v0-129-0"
