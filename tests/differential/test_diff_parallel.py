"""`diff --jobs N`: the search split across worker processes, merged honestly."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest
from planted import drop_refresh_testee

from harness.cli import main
from harness.differential.options import DiffOptions
from harness.differential.parallel import (
    ParallelDiffResult,
    recipe_of,
    run_diff_parallel,
    split_examples,
    worker_seeds,
)
from harness.exceptions import DiffSetupError
from harness.profiles import LONG_PROFILE
from harness.spec import load_case_file
from harness.testee import InProcessTestee, SubprocessTestee, Testee

# Seconds each: the fast lane (pytest -m "not slow") leaves these out.
pytestmark = pytest.mark.slow


def _parallel(*, a: Testee, b: Testee, options: DiffOptions, jobs: int) -> ParallelDiffResult:
    result = run_diff_parallel(a=a, b=b, options=options, jobs=jobs)
    assert isinstance(result, ParallelDiffResult), "expected the worker-process path"
    return result


def test_two_jobs_find_the_planted_bug_and_write_a_valid_case(tmp_path: Path) -> None:
    """Two workers against the refresh-dropping reference report a divergence and a valid case."""
    result = _parallel(
        a=InProcessTestee(name="reference"),
        b=drop_refresh_testee(),
        options=DiffOptions(examples=40, out_dir=tmp_path, max_divergences=1),
        jobs=2,
    )
    assert not result.ok and not result.crashed
    assert len(result.workers) == 2
    assert result.merged.counterexample is not None and result.merged.written is not None
    case_file = result.merged.written.case_file
    # The first divergence is moved up to where a single-process run would put it.
    assert case_file.parent == tmp_path / "cases"
    cases, errors = load_case_file(path=case_file)
    assert not errors and len(cases) == 1
    assert cases[0].id.startswith("counterexample.reference-vs-broken.")
    observed = json.loads(result.merged.written.observed_file.read_text())
    assert set(observed["sides"]) == {"reference", "broken"}
    assert "DIVERGED" in result.render()
    # A worker folder survives only for a case other than the promoted one.
    for folder in tmp_path.glob("worker-*"):
        ids = {f.stem for f in (folder / "cases").iterdir()}
        assert cases[0].id not in ids


def test_two_jobs_reference_vs_reference_sum_to_the_requested_examples(tmp_path: Path) -> None:
    """Two workers comparing the reference with itself agree and run exactly the examples asked."""
    result = _parallel(
        a=InProcessTestee(name="reference"),
        b=InProcessTestee(name="reference-2"),
        options=DiffOptions(examples=30, seed=7, out_dir=tmp_path),
        jobs=2,
    )
    assert result.ok, result.render()
    assert result.merged.examples == 30
    assert [w.examples_requested for w in result.workers] == [15, 15]
    assert [w.result.examples for w in result.workers if w.result] == [15, 15]
    assert result.merged.steps == sum(w.result.steps for w in result.workers if w.result)
    assert not any(tmp_path.iterdir()), "no divergence: no worker folder is created"


def test_worker_seeds_are_deterministic_and_distinct() -> None:
    """Seeds depend only on the run's seed and the worker index; ci without a seed is fixed."""
    seeded = worker_seeds(options=DiffOptions(seed=1), jobs=3)
    assert seeded == worker_seeds(options=DiffOptions(seed=1), jobs=3)
    assert len(set(seeded)) == 3 and None not in seeded
    assert seeded != worker_seeds(options=DiffOptions(seed=2), jobs=3)
    assert worker_seeds(options=DiffOptions(seed=1), jobs=2) == seeded[:2]
    ci = worker_seeds(options=DiffOptions(), jobs=2)
    assert None not in ci and ci == worker_seeds(options=DiffOptions(), jobs=2)
    assert worker_seeds(options=DiffOptions(profile=LONG_PROFILE), jobs=2) == (None, None)


def test_same_seed_replays_the_same_parallel_run(tmp_path: Path) -> None:
    """Two parallel runs with one seed run the same steps in every worker."""
    runs = [
        _parallel(
            a=InProcessTestee(name="reference"),
            b=InProcessTestee(name="reference-2"),
            options=DiffOptions(examples=16, seed=3, out_dir=tmp_path / str(n)),
            jobs=2,
        )
        for n in range(2)
    ]
    steps = [[w.result.steps for w in r.workers if w.result] for r in runs]
    assert len(steps[0]) == 2 and steps[0] == steps[1]


def test_split_examples_never_loses_or_invents_examples() -> None:
    """Shares add up to the total, differ by at most one, and no worker gets nothing."""
    assert split_examples(total=7, jobs=3) == (3, 2, 2)
    assert split_examples(total=2, jobs=4) == (1, 1)
    for total, jobs in ((400, 2), (401, 2), (5, 5), (1, 8)):
        shares = split_examples(total=total, jobs=jobs)
        assert sum(shares) == total and max(shares) - min(shares) <= 1 and min(shares) > 0


def test_a_crashing_worker_is_named_and_fails_the_run(tmp_path: Path) -> None:
    """A testee that cannot start in the workers makes each worker report its crash."""
    missing = str(tmp_path / "no-such-testee")
    result = _parallel(
        a=InProcessTestee(name="reference"),
        b=SubprocessTestee(name="ghost", command=(missing,)),
        options=DiffOptions(examples=4, out_dir=tmp_path / "out"),
        jobs=2,
    )
    assert not result.ok
    assert [w.index for w in result.crashed] == [0, 1]
    text = result.render()
    assert "worker 0 crashed" in text and "worker 1 crashed" in text and missing in text


def test_an_unpicklable_in_process_testee_is_refused_up_front() -> None:
    """An in-process session factory that cannot be pickled is a setup error, not a crash."""
    testee = InProcessTestee(name="local", session_factory=lambda: None)
    with pytest.raises(DiffSetupError, match="cannot cross a process boundary"):
        recipe_of(testee=testee)


def test_cli_jobs_option_runs_workers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`diff --jobs 2` prints one line per worker and the summed example count."""
    extra = ["--impl", f"ref2={shlex.join([sys.executable, '-m', 'reference_impl'])}"]
    code = main(["diff", "reference", "ref2", "--no-go", *extra, "--examples", "12",
                 "--seed", "5", "--jobs", "2", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "12 examples" in out and "2 worker processes" in out
    assert "worker 1 (seed" in out


def test_cli_rejects_a_negative_job_count(capsys: pytest.CaptureFixture[str]) -> None:
    """`--jobs -1` is a usage error."""
    with pytest.raises(SystemExit) as exc:
        main(["diff", "reference", "x", "--jobs", "-1"])
    assert exc.value.code == 2
    assert "--jobs" in capsys.readouterr().err


def test_two_jobs_find_all_three_planted_bugs_once_each(tmp_path: Path) -> None:
    """Workers set aside each other's divergences; --out holds one case per signature."""
    from planted import three_bugs_testee

    result = _parallel(
        a=InProcessTestee(name="reference"),
        b=three_bugs_testee(),
        options=DiffOptions(examples=200, out_dir=tmp_path),
        jobs=2,
    )
    texts = [f.signature.text for f in result.merged.findings]
    assert len(texts) == len(set(texts))
    assert {"store: file bytes at tokens.*.refresh_token (structure)",
            "delete: file bytes at tokens (structure)",
            "delete: file bytes at $ (formatting)"} <= set(texts), result.render()
    assert len(list((tmp_path / "cases").iterdir())) == len(texts)
    found = [f.found_after for f in result.merged.findings]
    assert found == sorted(found) and all(0 < t < result.merged.seconds for t in found)


@pytest.mark.go
def test_a_go_testee_built_on_first_start_crosses_to_the_workers_as_its_binary() -> None:
    """recipe_of builds a lazily built Go testee first, so the workers run the Go binary
    (a recipe without a command would rebuild the in-process reference under Go's name)."""
    from harness.impls import select_impls
    from harness.options import require_go_default

    repo = Path(__file__).resolve().parents[2]
    selection = select_impls(repo_root=repo, only=("go-sdk@v0.129.0",))
    if not selection.testees:
        why = "; ".join(u.unavailable or "" for u in selection.unavailable)
        if require_go_default():
            pytest.fail(f"go-sdk@v0.129.0 unavailable but Go is required: {why}")
        pytest.skip(f"go-sdk@v0.129.0 unavailable: {why}")
    [go] = selection.testees
    recipe = recipe_of(testee=go)
    assert recipe.command and Path(recipe.command[0]).is_file(), recipe
    built = recipe.build()
    assert isinstance(built, SubprocessTestee) and built.command == recipe.command
