"""The JSON report: the whole RunResult, machine-readable and key-sorted.

It is also what `compare` and `run --baseline` read back (harness/compare/load.py),
so it carries a schema version, the harness version, hashes of the case and golden
files, each implementation's hello and, per result, the hash of the bytes produced.
Schema history: 0 (no `schema_version` key) had none of these; 1 added them.
"""

from __future__ import annotations

import json
from typing import Any

from harness.data import RunResult
from harness.provenance import harness_version
from harness.report.common import data_loss_shown, message_only_summary

SCHEMA_VERSION = 1


def run_to_dict(*, run: RunResult) -> dict[str, Any]:
    """A plain-JSON view of a run."""
    source = run.source
    return {
        "schema_version": SCHEMA_VERSION,
        "harness_version": harness_version(),
        "cases_sha256": source.cases_sha256 if source else None,
        "golden_sha256": source.golden_sha256 if source else None,
        "case_files": dict(sorted(source.case_files.items())) if source else {},
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
                "message_only": message_only_summary(run=run, impl=i.name),
                "data_loss": [
                    {"what": what, "cases": ids}
                    for what, ids in data_loss_shown(run=run, impl=i.name)
                ],
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
                "output_sha256": r.output_sha256,
                "kinds": list(r.kinds),
                "reason": r.reason,
            }
            for r in run.results
        ],
        "load_errors": [
            {"file": e.file, "case": e.case, "field": e.field, "message": e.message}
            for e in run.load_errors
        ],
        "harness_errors": list(run.harness_errors),
        "incomplete": run.incomplete,
    }


def render_json(*, run: RunResult) -> str:
    """The JSON report text."""
    return json.dumps(run_to_dict(run=run), indent=2, sort_keys=True) + "\n"
