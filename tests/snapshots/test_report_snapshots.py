"""Rendered reports for a fixed selection of cases: any change in output is a snapshot diff.

The reference runs beside a planted-bug copy of itself (stores forget the refresh
token), so the reports hold failures and their differences too. Nothing in them
depends on temp paths, times, durations or the Python version.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from planted import drop_refresh_testee
from syrupy.assertion import SnapshotAssertion

from harness.compare.engine import compare_columns, compare_reports
from harness.compare.load import report_of_run
from harness.data import RunResult
from harness.interop import InteropResult, run_interop
from harness.paths import find_repo_root
from harness.provenance import run_source
from harness.report.comparison import (
    render_comparison_json,
    render_comparison_markdown,
    render_comparison_terminal,
)
from harness.report.html import render_run_html
from harness.report.interop import render_interop_markdown, render_interop_terminal
from harness.report.junit import render_junit
from harness.report.markdown import render_markdown
from harness.report.terminal import render_terminal
from harness.runner import RunOptions
from harness.session import Execution
from harness.spec import load_cases
from harness.testee import InProcessTestee

SELECTED = (
    "life.store-then-lookup",
    "life.overwrite-key",
    "encode.string.html-escapes",
    "encode.string.line-separators",
    "errors.open.parse-error-message",
    "decode.null.top-level",
    "keys.workspace.with-profile",
    "dualwrite.sdk.distinct-host-key",
    "fs.mode.existing-dir-0755-open-only",
)


def _testees() -> list[InProcessTestee]:
    return [
        InProcessTestee(name="reference"),
        drop_refresh_testee(name="no-refresh"),
    ]


def _scrub(run: RunResult) -> RunResult:
    """Hide the runtime line (the Python version) from hellos."""
    impls = tuple(
        replace(i, hello={**i.hello, "runtime": "<runtime>"}) if i.hello else i for i in run.impls
    )
    return replace(run, impls=impls)


@pytest.fixture(scope="module")
def run() -> RunResult:
    """The selected cases on both testees."""
    root = find_repo_root()
    by_id = {c.id: c for c in load_cases(cases_dir=root / "golden" / "cases").cases}
    missing = [cid for cid in SELECTED if cid not in by_id]
    assert not missing, f"snapshot selection names missing cases: {missing}"
    cases = [by_id[cid] for cid in SELECTED]
    result = Execution(
        cases=cases,
        testees=_testees(),
        options=RunOptions(golden_dir=root / "golden" / "files"),
    ).run_all()
    source = run_source(cases_dir=root / "golden" / "cases", golden_dir=root / "golden" / "files",
                        cases=cases)
    return _scrub(replace(result, source=source))


@pytest.fixture(scope="module")
def interop() -> InteropResult:
    """The writer x reader grid of the same two testees."""
    return run_interop(testees=_testees())


def test_terminal_report(run: RunResult, snapshot: SnapshotAssertion) -> None:
    """The terminal matrix and details."""
    text = render_terminal(run=run)
    assert "no-refresh" in text
    assert text == snapshot


def test_markdown_report(run: RunResult, snapshot: SnapshotAssertion) -> None:
    """The Markdown report."""
    assert render_markdown(run=run) == snapshot


def test_junit_report(run: RunResult, snapshot: SnapshotAssertion) -> None:
    """The JUnit XML report."""
    assert render_junit(run=run) == snapshot


def test_html_report(run: RunResult, interop: InteropResult, snapshot: SnapshotAssertion) -> None:
    """The self-contained HTML report: summary, failures, interop grid, cases by topic."""
    page = render_run_html(run=run, interop=interop)
    assert "<script src" not in page and "http://" not in page.split("<body>")[0]
    assert page == snapshot


def test_comparison_reports(run: RunResult, snapshot: SnapshotAssertion) -> None:
    """Two columns of one run compared, in the terminal, in Markdown and as JSON."""
    c = compare_columns(report=report_of_run(run=run), from_impl="reference",
                        to_impl="no-refresh")
    text = (render_comparison_terminal(comparison=c) + "\n"
            + render_comparison_markdown(comparison=c) + "\n"
            + render_comparison_json(comparison=c))
    assert "regressed" in text
    assert text == snapshot


def test_baseline_html_report(run: RunResult, snapshot: SnapshotAssertion) -> None:
    """The page of a run gated on a baseline where the planted column still passed."""
    baseline = report_of_run(run=replace(run, results=tuple(
        replace(r, outcome=type(r.outcome).PASS, message="", diffs=())
        if r.impl == "no-refresh" else r for r in run.results)), label="baseline.json")
    comparison = compare_reports(old=baseline, new=report_of_run(run=run))
    page = render_run_html(run=run, comparison=comparison)
    assert "Regressions against the baseline" in page
    assert page == snapshot


def test_interop_reports(interop: InteropResult, snapshot: SnapshotAssertion) -> None:
    """The interop grid in the terminal and in Markdown."""
    text = render_interop_terminal(result=interop) + "\n" + render_interop_markdown(result=interop)
    assert text == snapshot
