"""Report renderers: deterministic text for a known run."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from harness.data import CaseResult, ImplInfo, LoadError, Outcome, RunResult
from harness.report.json_report import render_json
from harness.report.junit import render_junit
from harness.report.markdown import render_markdown
from harness.report.terminal import render_terminal

RUN = RunResult(
    impls=(
        ImplInfo(name="reference", kind="in-process", hello={"name": "ref"}),
        ImplInfo(name="go-sdk@v0.129.0", kind="subprocess", command=("/bin/t",)),
        ImplInfo(name="go-sdk@v0.1.0", kind="subprocess", unavailable="no Go toolchain"),
    ),
    results=(
        CaseResult("a.pass", "reference", Outcome.PASS),
        CaseResult("a.pass", "go-sdk@v0.129.0", Outcome.FAIL, "1 difference(s)",
                   ("home/f: golden bytes differ at offset 3\n  expected: ab\n  obtained: ax",)),
        CaseResult("b.skip", "reference", Outcome.SKIPPED, "unsupported"),
        CaseResult("b.skip", "go-sdk@v0.129.0", Outcome.XFAIL, "expected failure: bug"),
    ),
    load_errors=(LoadError(file="bad.json", case="c.x", field="steps[0]", message="boom"),),
    case_ids=("a.pass", "b.skip"),
)


def test_terminal_matrix_totals_details_without_colour() -> None:
    """Matrix symbols, per-impl totals, unavailable reasons, details, verdict; no escapes."""
    text = render_terminal(run=RUN)
    lines = text.split("\n")
    assert lines[0].split() == ["case", "reference", "go-sdk@v0.129.0"]
    assert lines[1].split() == ["a.pass", ".", "F"]
    assert lines[2].split() == ["b.skip", "s", "x"]
    assert "go-sdk@v0.129.0: 1 fail, 1 xfail" in text
    assert "go-sdk@v0.1.0: unavailable: no Go toolchain" in text
    assert "--- a.pass [go-sdk@v0.129.0] fail" in text
    assert "    - home/f: golden bytes differ at offset 3" in text
    assert "      expected: ab" in text
    assert "bad.json: case c.x: at steps[0]: boom" in text
    assert text.rstrip().endswith("FAILED (2 unexpected)")
    assert "\x1b[" not in text and "\x1b[" in render_terminal(run=RUN, color=True)


def test_junit_one_suite_per_impl() -> None:
    """Each implementation is a testsuite; testcase names are case ids; outcomes map."""
    root = ET.fromstring(render_junit(run=RUN))
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["reference", "go-sdk@v0.129.0", "go-sdk@v0.1.0", "harness"]
    go = suites["go-sdk@v0.129.0"]
    assert [c.get("name") for c in go.findall("testcase")] == ["a.pass", "b.skip"]
    assert go.get("failures") == "1" and go.get("skipped") == "1"
    failure = go.find("testcase/failure")
    assert failure is not None and "offset 3" in (failure.text or "")
    assert suites["harness"].get("errors") == "1"


def test_markdown_and_json_are_deterministic_and_complete() -> None:
    """Markdown holds the matrix and failures; JSON round-trips outcomes; both repeat exactly."""
    md = render_markdown(run=RUN)
    assert "| `a.pass` | pass | fail |" in md
    assert "### `a.pass` on go-sdk@v0.129.0: fail" in md
    assert md == render_markdown(run=RUN)
    doc = json.loads(render_json(run=RUN))
    assert doc["ok"] is False
    assert [(r["case"], r["impl"], r["outcome"]) for r in doc["results"]][1] == (
        "a.pass", "go-sdk@v0.129.0", "fail")
    assert doc["load_errors"][0]["field"] == "steps[0]"
    assert render_json(run=RUN) == render_json(run=RUN)
