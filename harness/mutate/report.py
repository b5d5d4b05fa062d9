"""A mutation run as terminal text (the score, then every survivor with its patch) and JSON."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from harness.mutate.engine import MutantResult, MutationRun, Status
from harness.mutate.mutants import Mutant

KILLERS_IN_JSON = 10
KILLERS_IN_TEXT = 3


def _score_text(run: MutationRun) -> str:
    score = run.score
    if score is None:
        return "score: none (no mutant could be scored)"
    detected = run.count(status=Status.KILLED) + run.count(status=Status.TIMEOUT)
    return f"score: {score:.1%} ({detected} of {run.scored} scored mutants detected)"


def _baseline_text(run: MutationRun) -> list[str]:
    b = run.baseline
    totals = Counter(b.suite.outcomes.values())
    parts = ", ".join(f"{n} {o}" for o, n in sorted(totals.items()))
    lines = [f"baseline (unmutated): built in {b.build_seconds:.1f}s; suite: {parts}"]
    if b.expected_failures:
        lines.append("  failing on the unmutated build, so expected of every mutant: "
                     + ", ".join(b.expected_failures))
    if b.diff is not None:
        lines.append(f"  diff reference: no divergence in {run.diff_examples} examples")
    return lines


def _by_stage(run: MutationRun) -> str:
    stages = Counter(r.stage for r in run.results if r.status is Status.KILLED)
    return ", ".join(f"{stage} {n}" for stage, n in sorted(stages.items()))


def render_mutant_list(*, mutants: tuple[Mutant, ...], patches: dict[str, str]) -> str:
    """`mutate --list`: every mutant, one line and its patch."""
    lines: list[str] = []
    for m in mutants:
        lines.append(f"{m.id} {m.describe()}")
        lines.append(patches[m.id].rstrip("\n"))
    ops = Counter(m.operator for m in mutants)
    counts = ", ".join(f"{o} {n}" for o, n in sorted(ops.items()))
    lines.append(f"{len(mutants)} mutant(s): {counts}")
    return "\n".join(lines) + "\n"


def render_progress(*, result: MutantResult, done: int, total: int) -> str:
    """One line per finished mutant, for stderr while the run goes on."""
    r = result
    why = ""
    if r.status is Status.KILLED:
        shown = ", ".join(r.killed_by[:KILLERS_IN_TEXT])
        extra = len(r.killed_by) - KILLERS_IN_TEXT
        more = f" +{extra}" if extra > 0 else ""
        why = f" by {r.stage}: {shown}{more}"
    elif r.status in (Status.UNVIABLE, Status.ERROR, Status.TIMEOUT):
        why = f" ({r.stage})"
    return (f"[{done}/{total}] {r.mutant.id} {r.status.value}{why} "
            f"({r.seconds:.1f}s) {r.mutant.operator} {r.mutant.where}")


def render_text(*, run: MutationRun) -> str:
    """The summary, then every survivor with its patch, then unviable and error mutants."""
    lines = [
        f"mutate {run.module_path} ({run.module}) through {run.testee}",
        "targets: " + " ".join(t.flag() for t in run.targets),
        *_baseline_text(run),
        f"mutants: {len(run.results)}: killed {run.count(status=Status.KILLED)}"
        f" ({_by_stage(run) or 'none'}), timeout {run.count(status=Status.TIMEOUT)},"
        f" survived {run.count(status=Status.SURVIVED)},"
        f" unviable {run.count(status=Status.UNVIABLE)}, error {run.count(status=Status.ERROR)}",
        f"{_score_text(run)} in {run.seconds:.0f}s with {run.jobs} job(s)",
    ]
    if run.survivors:
        lines += ["", "SURVIVORS (no case noticed these changes):"]
        for r in run.survivors:
            lines.append(f"{r.mutant.id} {r.mutant.describe()}")
            if r.warned_by:
                lines.append("  only recommended cases warned: " + ", ".join(r.warned_by))
            lines.append(r.patch.rstrip("\n"))
    for status in (Status.UNVIABLE, Status.ERROR):
        chosen = [r for r in run.results if r.status is status]
        if chosen:
            lines += ["", f"{status.value.upper()}:"]
            for r in chosen:
                detail = r.detail.strip().splitlines()
                lines.append(f"{r.mutant.id} {r.mutant.describe()}")
                lines += [f"  {d}" for d in detail[-3:]]
    return "\n".join(lines) + "\n"


def _mutant_dict(r: MutantResult) -> dict[str, Any]:
    m = r.mutant
    # Patches of detected mutants are left out: they add nothing to act on, and the
    # module's source should be quoted no more than needed (`--list` shows them all).
    keep_patch = r.status in (Status.SURVIVED, Status.UNVIABLE, Status.ERROR)
    return {
        "id": m.id, "operator": m.operator, "file": m.file, "func": m.func, "line": m.line,
        "col": m.col, "original": m.original, "replacement": m.replacement,
        "status": r.status.value, "stage": r.stage,
        "killed_by": list(r.killed_by[:KILLERS_IN_JSON]), "killed_by_count": len(r.killed_by),
        "warned_by": list(r.warned_by), "detail": r.detail,
        "patch": r.patch if keep_patch else "",
        "seconds": round(r.seconds, 2),
    }


def _shown(path: Path, *, root: Path | None) -> str:
    if root is not None and path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    return str(path)


def run_to_dict(*, run: MutationRun, root: Path | None = None) -> dict[str, Any]:
    """A plain-JSON view of a mutation run (paths under `root` relative to it)."""
    b = run.baseline
    return {
        "module_path": run.module_path,
        "module": _shown(run.module, root=root),
        "testee": _shown(run.testee, root=root),
        "targets": [t.flag() for t in run.targets],
        "jobs": run.jobs,
        "seconds": round(run.seconds, 1),
        "diff_examples": run.diff_examples,
        "baseline": {
            "build_seconds": round(b.build_seconds, 2),
            "outcomes": dict(Counter(b.suite.outcomes.values())),
            "expected_failures": list(b.expected_failures),
        },
        "summary": {
            **{s.value: run.count(status=s) for s in Status},
            "scored": run.scored,
            "score": None if run.score is None else round(run.score, 4),
        },
        "mutants": [_mutant_dict(r) for r in run.results],
    }


def render_json(*, run: MutationRun, root: Path | None = None) -> str:
    """The JSON report text."""
    return json.dumps(run_to_dict(run=run, root=root), indent=2, sort_keys=True) + "\n"
