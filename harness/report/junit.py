"""JUnit XML: one testsuite per implementation, testcase name = case id."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from harness.data import Outcome, RunResult
from harness.report.common import data_loss_shown, result_text

_FAILURE = {Outcome.FAIL, Outcome.XPASS}
_ERROR = {Outcome.CRASH, Outcome.TIMEOUT, Outcome.ERROR, Outcome.BROKEN}
_SKIPPED = {Outcome.SKIPPED, Outcome.XFAIL}


def render_junit(*, run: RunResult) -> str:
    """The JUnit XML text (deterministic: no timestamps or durations)."""
    root = ET.Element("testsuites", name="tokencache-compat")
    for info in run.impls:
        results = [r for r in run.results if r.impl == info.name]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=info.name,
            tests=str(len(results)),
            failures=str(sum(r.outcome in _FAILURE for r in results)),
            errors=str(sum(r.outcome in _ERROR for r in results)),
            skipped=str(sum(r.outcome in _SKIPPED for r in results)),
        )
        props = None
        if info.unavailable is not None:
            props = ET.SubElement(suite, "properties")
            ET.SubElement(props, "property", name="unavailable", value=info.unavailable)
        for what, ids in data_loss_shown(run=run, impl=info.name):
            props = props if props is not None else ET.SubElement(suite, "properties")
            ET.SubElement(props, "property", name="data-loss", value=f"{what} ({', '.join(ids)})")
        for r in results:
            case = ET.SubElement(suite, "testcase", classname=info.name, name=r.case_id)
            text = result_text(result=r)
            if r.outcome in _FAILURE:
                ET.SubElement(case, "failure", message=r.outcome.value).text = text
            elif r.outcome in _ERROR:
                ET.SubElement(case, "error", message=r.outcome.value).text = text
            elif r.outcome in _SKIPPED:
                ET.SubElement(case, "skipped", message=f"{r.outcome.value}: {r.message}")
            elif r.outcome is Outcome.WARN:
                ET.SubElement(case, "system-out").text = "warn: " + text
    problems = [str(e) for e in run.load_errors] + list(run.harness_errors)
    if run.incomplete is not None:
        problems.append(f"run incomplete: {run.incomplete}")
    if problems:
        suite = ET.SubElement(
            root, "testsuite", name="harness", tests=str(len(problems)), failures="0",
            errors=str(len(problems)), skipped="0",
        )
        for n, text in enumerate(problems, start=1):
            case = ET.SubElement(suite, "testcase", classname="harness", name=f"problem-{n}")
            ET.SubElement(case, "error", message="error").text = text
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"
