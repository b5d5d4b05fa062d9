"""Reading a stored JSON report back (harness/report/json_report.py writes it).

Every problem is a ReportFormatError naming the file and the field, so a
broken baseline in CI says what is wrong instead of gating on garbage.
Reports of schema 0 (before the schema version existed) are read too; they
carry no byte hashes, which the comparison then says.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.compare.model import StoredCell, StoredImpl, StoredReport
from harness.data import Outcome, RunResult
from harness.exceptions import ReportFormatError
from harness.report.json_report import SCHEMA_VERSION, run_to_dict

THIS_RUN = "this run"


def load_report(*, path: Path) -> StoredReport:
    """The report stored at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportFormatError(f"{path}: no such report file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportFormatError(f"{path}: cannot read the report: {exc}") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportFormatError(
            f"{path}: not a JSON report (line {exc.lineno} column {exc.colno}: {exc.msg}); "
            "write one with `tokencache-compat run --json FILE`"
        ) from exc
    return parse_report(doc=doc, label=str(path))


def report_of_run(*, run: RunResult, label: str = THIS_RUN) -> StoredReport:
    """A run in memory, read through the same path as a stored report."""
    return parse_report(doc=run_to_dict(run=run), label=label)


def _get(doc: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str,
         label: str, default: Any = ...) -> Any:
    if key not in doc:
        if default is not ...:
            return default
        raise ReportFormatError(f"{label}: {where}: missing field {key!r}")
    value = doc[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
        names = "/".join(k.__name__ for k in _kinds(kind))
        raise ReportFormatError(
            f"{label}: {where}.{key}: expected {names}, got {type(value).__name__}"
        )
    return value


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _strings(value: Any, where: str, label: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ReportFormatError(f"{label}: {where}: expected a list of strings")
    return tuple(value)


def _impl(raw: Any, where: str, label: str) -> StoredImpl:
    if not isinstance(raw, Mapping):
        raise ReportFormatError(f"{label}: {where}: expected an object")
    hello = _get(raw, "hello", (dict, type(None)), where, label, None)
    return StoredImpl(
        name=_get(raw, "name", str, where, label),
        kind=_get(raw, "kind", str, where, label, ""),
        command=_strings(raw.get("command", []), f"{where}.command", label),
        hello=hello,
        unavailable=_get(raw, "unavailable", (str, type(None)), where, label, None),
    )


def _cell(raw: Any, where: str, label: str) -> StoredCell:
    if not isinstance(raw, Mapping):
        raise ReportFormatError(f"{label}: {where}: expected an object")
    outcome_text = _get(raw, "outcome", str, where, label)
    try:
        outcome = Outcome(outcome_text)
    except ValueError:
        known = ", ".join(o.value for o in Outcome)
        raise ReportFormatError(
            f"{label}: {where}.outcome: unknown outcome {outcome_text!r} (known: {known})"
        ) from None
    return StoredCell(
        case_id=_get(raw, "case", str, where, label),
        impl=_get(raw, "impl", str, where, label),
        outcome=outcome,
        message=_get(raw, "message", str, where, label, ""),
        diffs=_strings(raw.get("diffs", []), f"{where}.diffs", label),
        output_sha256=_get(raw, "output_sha256", (str, type(None)), where, label, None),
    )


def parse_report(*, doc: Any, label: str) -> StoredReport:
    """A report document (the JSON value) as a StoredReport."""
    if not isinstance(doc, Mapping):
        raise ReportFormatError(f"{label}: expected a JSON object at the top level")
    version = _get(doc, "schema_version", int, "<root>", label, 0)
    if version > SCHEMA_VERSION:
        raise ReportFormatError(
            f"{label}: schema_version {version} is newer than this harness reads "
            f"({SCHEMA_VERSION}); compare with the harness that wrote it"
        )
    if version < 0:
        raise ReportFormatError(f"{label}: schema_version {version} is not a version")
    impls = tuple(
        _impl(raw, f"impls[{n}]", label)
        for n, raw in enumerate(_get(doc, "impls", list, "<root>", label))
    )
    cells: dict[tuple[str, str], StoredCell] = {}
    for n, raw in enumerate(_get(doc, "results", list, "<root>", label)):
        cell = _cell(raw, f"results[{n}]", label)
        key = (cell.case_id, cell.impl)
        if key in cells:
            raise ReportFormatError(
                f"{label}: results[{n}]: a second result for {cell.case_id} on {cell.impl}"
            )
        cells[key] = cell
    files = _get(doc, "case_files", dict, "<root>", label, {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise ReportFormatError(f"{label}: case_files: expected an object of strings")
    problems = [
        _load_error_text(raw, f"load_errors[{n}]", label)
        for n, raw in enumerate(_get(doc, "load_errors", list, "<root>", label, []))
    ]
    problems += _strings(doc.get("harness_errors", []), "harness_errors", label)
    return StoredReport(
        label=label,
        schema_version=version,
        harness_version=_get(doc, "harness_version", (str, type(None)), "<root>", label, None),
        cases_sha256=_get(doc, "cases_sha256", (str, type(None)), "<root>", label, None),
        golden_sha256=_get(doc, "golden_sha256", (str, type(None)), "<root>", label, None),
        impls=impls,
        cells=cells,
        case_ids=_strings(doc.get("cases", []), "cases", label),
        case_files=dict(files),
        problems=tuple(problems),
    )


def _load_error_text(raw: Any, where: str, label: str) -> str:
    if not isinstance(raw, Mapping):
        raise ReportFormatError(f"{label}: {where}: expected an object")
    file = _get(raw, "file", str, where, label, "?")
    case = _get(raw, "case", (str, type(None)), where, label, None)
    fld = _get(raw, "field", str, where, label, "")
    message = _get(raw, "message", str, where, label, "")
    place = f"case {case}" if case is not None else "file"
    return f"{file}: {place}: at {fld or '<root>'}: {message}"
