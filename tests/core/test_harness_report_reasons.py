"""Reports say why: expected-failure reasons beside the case, data loss per implementation."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.data import CaseResult, DataLoss, ImplInfo, Outcome, RunResult
from harness.paths import ProjectPaths
from harness.report.html import render_html
from harness.report.json_report import render_json
from harness.report.junit import render_junit
from harness.report.markdown import render_markdown
from harness.report.terminal import render_terminal
from harness.session import RunConfig, execute_run
from harness.spec import load_cases

REPO = Path(__file__).resolve().parents[2]
LOST = "unknown fields are dropped at the next write"
EXPIRES = "expires_in is dropped"

RUN = RunResult(
    impls=(ImplInfo(name="reference", kind="in-process"),
           ImplInfo(name="old", kind="subprocess")),
    results=(
        CaseResult("d.unknown", "reference", Outcome.PASS),
        CaseResult("d.unknown", "old", Outcome.PASS),
        CaseResult("e.expires", "reference", Outcome.PASS),
        CaseResult("e.expires", "old", Outcome.XFAIL,
                   "expected failure: oauth2 v0.20.0 has no ExpiresIn; was fail: 1 difference(s)",
                   ("bytes differ",), reason="oauth2 v0.20.0 has no ExpiresIn"),
    ),
    case_ids=("d.unknown", "e.expires"),
    data_loss={"d.unknown": DataLoss(what=LOST),
               "e.expires": DataLoss(what=EXPIRES, shown_by="fail")},
)


def test_expected_failure_reasons_stand_beside_the_case() -> None:
    """Terminal and Markdown reports give each expected failure's reason next to its id."""
    text = render_terminal(run=RUN)
    assert "EXPECTED FAILURES\n  x e.expires [old]: oauth2 v0.20.0 has no ExpiresIn" in text
    md = render_markdown(run=RUN)
    assert "| `e.expires` | old | oauth2 v0.20.0 has no ExpiresIn |" in md
    assert ('title="e.expires on old: xfail: expected failure: oauth2 v0.20.0 has no ExpiresIn'
            in render_html(run=RUN))


def test_every_summary_lists_the_data_loss_each_implementation_shows() -> None:
    """A pinned lossy behaviour shows where the case passes, a guarded one where it fails."""
    text = render_terminal(run=RUN)
    assert f"  reference: {LOST} (d.unknown)" in text
    assert f"  old: {EXPIRES} (e.expires)" in text and f"  old: {LOST} (d.unknown)" in text
    assert f"reference: {EXPIRES}" not in text
    md = render_markdown(run=RUN)
    assert f"- old: {EXPIRES} (e.expires)" in md
    assert f"<li>old: {EXPIRES} (e.expires)</li>" in render_html(run=RUN)
    doc = json.loads(render_json(run=RUN))
    old = next(i for i in doc["impls"] if i["name"] == "old")
    assert {d["what"] for d in old["data_loss"]} == {LOST, EXPIRES}
    props = ET.fromstring(render_junit(run=RUN)).findall(
        "testsuite[@name='old']/properties/property[@name='data-loss']")
    assert len(props) == 2


def test_golden_cases_pinning_lossy_behaviour_carry_the_tag() -> None:
    """The lossy behaviours the README names are tagged data-loss and say what is lost."""
    cases = {c.id: c for c in load_cases(cases_dir=REPO / "golden" / "cases").cases}
    for cid in ("decode.unknown.token-field-dropped", "decode.utf8.lone-high-surrogate-escape",
                "encode.token.expires-in-positive", "fs.fault.write-efbig.store-error",
                "fs.fault.disk-full.larger-rewrite-keeps-old-bytes"):
        assert "data-loss" in cases[cid].tags and cases[cid].data_loss is not None, cid
    assert cases["encode.token.expires-in-positive"].data_loss.shown_by == "fail"  # type: ignore[union-attr]
    assert all((c.data_loss is None) == ("data-loss" not in c.tags) for c in cases.values())


@pytest.mark.slow
def test_a_real_run_warns_about_the_data_loss_the_reference_pins() -> None:
    """`run` over the unknown-field cases lists that loss for the reference in its summary."""
    run = execute_run(config=RunConfig(paths=ProjectPaths.at(root=REPO), use_go=False,
                                       substring="decode.unknown."))
    assert run.ok
    text = render_terminal(run=run)
    assert "DATA LOSS" in text
    assert "reference: unknown fields (a newer or foreign writer's) are dropped" in text


def test_data_loss_tag_and_field_go_together(tmp_path: Path) -> None:
    """A case with the tag but no `data_loss`, or the reverse, is a load error naming the field."""
    from harness.spec import load_case_file

    path = tmp_path / "c.json"
    path.write_text(json.dumps({"cases": [
        {"id": "a.tag-only", "description": "x", "tags": ["data-loss"], "steps": [{"op": "open"}]},
        {"id": "a.field-only", "description": "x", "data_loss": {"what": "w"},
         "steps": [{"op": "open"}]},
        {"id": "a.both", "description": "x", "tags": ["data-loss"],
         "data_loss": {"what": "w", "shown_by": "fail"}, "steps": [{"op": "open"}]},
    ]}))
    cases, errors = load_case_file(path=path)
    assert [c.id for c in cases] == ["a.both"]
    assert {(e.case, e.field) for e in errors} == {("a.tag-only", "data_loss"),
                                                    ("a.field-only", "tags")}
