"""Report renderers; each is a pure function of its result, with deterministic output.

FILE_REPORTS is the literal table of reports `run` can write (`--NAME FILE`);
renderers are imported when used, so `--help` stays light. Each is given the
run and a ReportContext: where the file goes (the HTML page links to the spec
files relative to itself) and the comparison with a baseline, if `--baseline`
asked for one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness.data import RunResult

if TYPE_CHECKING:
    from harness.compare.model import Comparison


@dataclass(frozen=True)
class ReportContext:
    """What a file report may use besides the run: where it goes, the baseline comparison."""

    target: Path | None = None
    comparison: Comparison | None = None


@dataclass(frozen=True)
class FileReport:
    """A report the `run` command can write to a file."""

    name: str
    help: str
    render: Callable[[RunResult, ReportContext], str]


def _junit(run: RunResult, context: ReportContext) -> str:
    from harness.report.junit import render_junit

    return render_junit(run=run)


def _json(run: RunResult, context: ReportContext) -> str:
    from harness.report.json_report import render_json

    return render_json(run=run)


def _markdown(run: RunResult, context: ReportContext) -> str:
    from harness.report.markdown import render_markdown

    return render_markdown(run=run)


def _html(run: RunResult, context: ReportContext) -> str:
    """After the cases: the interop grid over the same implementations, then the page."""
    from harness.interop import interop_for_run
    from harness.progress import Progress
    from harness.report.html import render_run_html

    # An interrupted run stops there: no interop grid after it.
    interop = (interop_for_run(run=run, progress=Progress(label="interop", unit="pairs"))
               if run.incomplete is None else None)
    return render_run_html(run=run, interop=interop, comparison=context.comparison,
                           target=context.target)


FILE_REPORTS: tuple[FileReport, ...] = (
    FileReport("junit", "write a JUnit XML report", _junit),
    FileReport("json", "write a JSON report", _json),
    FileReport("markdown", "write a Markdown report", _markdown),
    FileReport(
        "html",
        "write a self-contained HTML report: the case grid and the writer x reader grid of "
        "the same implementations (runs the interop matrix after the cases)",
        _html,
    ),
)
