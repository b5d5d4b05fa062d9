"""The JSON report: the whole RunResult, machine-readable and key-sorted."""

from __future__ import annotations

import json
from typing import Any

from harness.data import RunResult


def run_to_dict(*, run: RunResult) -> dict[str, Any]:
    """A plain-JSON view of a run."""
    return {
        "ok": run.ok,
        "impls": [
            {
                "name": i.name,
                "kind": i.kind,
                "command": list(i.command),
                "hello": i.hello,
                "unavailable": i.unavailable,
                "source": i.source,
                "totals": {o.value: n for o, n in run.totals(impl=i.name).items()},
            }
            for i in run.impls
        ],
        "cases": list(run.case_ids),
        "results": [
            {
                "case": r.case_id,
                "impl": r.impl,
                "outcome": r.outcome.value,
                "message": r.message,
                "diffs": list(r.diffs),
            }
            for r in run.results
        ],
        "load_errors": [
            {"file": e.file, "case": e.case, "field": e.field, "message": e.message}
            for e in run.load_errors
        ],
        "harness_errors": list(run.harness_errors),
    }


def render_json(*, run: RunResult) -> str:
    """The JSON report text."""
    return json.dumps(run_to_dict(run=run), indent=2, sort_keys=True) + "\n"
