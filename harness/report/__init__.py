"""Report renderers; each is a pure function of its result, with deterministic output.

FILE_REPORTS is the literal table of reports `run` can write (`--NAME FILE`);
renderers are imported when used, so `--help` stays light.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness.data import RunResult


@dataclass(frozen=True)
class FileReport:
    """A report the `run` command can write to a file."""

    name: str
    help: str
    render: Callable[[RunResult], str]


def _junit(run: RunResult) -> str:
    from harness.report.junit import render_junit

    return render_junit(run=run)


def _json(run: RunResult) -> str:
    from harness.report.json_report import render_json

    return render_json(run=run)


def _markdown(run: RunResult) -> str:
    from harness.report.markdown import render_markdown

    return render_markdown(run=run)


def _html(run: RunResult) -> str:
    """After the cases: the interop grid over the same implementations, then the page."""
    from harness.interop import interop_for_run
    from harness.report.html import render_run_html

    return render_run_html(run=run, interop=interop_for_run(run=run))


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
