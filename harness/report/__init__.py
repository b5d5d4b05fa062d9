"""Report renderers; every one is a pure function of a RunResult, deterministic output.

File reports are registered here so the CLI grows a `--NAME FILE` option for each
(`run --html` plugs in by calling `register_file_report`).
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


FILE_REPORTS: dict[str, FileReport] = {}


def register_file_report(*, name: str, help: str, render: Callable[[RunResult], str]) -> None:
    """Make `run --NAME FILE` write `render(run)` to FILE."""
    FILE_REPORTS[name] = FileReport(name=name, help=help, render=render)


def _register_builtin() -> None:
    from harness.report.json_report import render_json
    from harness.report.junit import render_junit
    from harness.report.markdown import render_markdown

    register_file_report(
        name="junit", help="write a JUnit XML report", render=lambda run: render_junit(run=run)
    )
    register_file_report(
        name="json", help="write a JSON report", render=lambda run: render_json(run=run)
    )
    register_file_report(
        name="markdown", help="write a Markdown report",
        render=lambda run: render_markdown(run=run),
    )


_register_builtin()
