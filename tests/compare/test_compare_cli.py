"""`compare` and `run --baseline` from the command line, and the JSON report they read."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.compare.load import load_report, parse_report
from harness.exceptions import ReportFormatError

REPO = Path(__file__).resolve().parents[2]
SELECT = ("--no-go", "--no-require-go", "--skip-impl", "reference", "-k", "location.default")


def _impl(variant: str) -> str:
    return "mine=" + shlex.join([sys.executable, "-m", "reference_impl", "--variant", variant])


def _run(tmp_path: Path, name: str, variant: str, *extra: str) -> tuple[int, Path]:
    out = tmp_path / f"{name}.json"
    code = main(["run", "--root", str(REPO), *SELECT, "--impl", _impl(variant),
                 "--json", str(out), *extra])
    return code, out


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two stored runs: the sdk wording (all pass) and the cli wording (two fail)."""
    tmp = tmp_path_factory.mktemp("reports")
    green_code, green = _run(tmp, "green", "sdk")
    red_code, red = _run(tmp, "red", "cli")
    assert (green_code, red_code) == (0, 1)
    return {"green": green, "red": red}


@pytest.mark.slow  # runs the harness
def test_json_report_carries_what_comparison_needs(reports: dict[str, Path]) -> None:
    """Schema and harness version, case and golden hashes, hellos, and per-result byte hashes."""
    doc = json.loads(reports["green"].read_text())
    assert doc["schema_version"] == 1 and doc["harness_version"] == "0.1.0"
    digest = hashlib.sha256()
    for path in sorted((REPO / "golden" / "cases").glob("*.json")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    assert doc["cases_sha256"] == digest.hexdigest()
    assert len(doc["golden_sha256"]) == 64
    assert doc["impls"][0]["hello"]["protocol"] == 1
    assert doc["case_files"]["location.default.from-home"] == "location.json"
    by_case = {r["case"]: r for r in doc["results"]}
    produced = by_case["location.default.from-home"]["output_sha256"]
    golden = (REPO / "golden" / "files" / "location.default.from-home.json").read_bytes()
    assert produced == hashlib.sha256(golden).hexdigest()  # a pass wrote the golden bytes


@pytest.mark.slow  # runs the harness
def test_compare_exits_one_on_regression_and_writes_reports(
    reports: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """green -> red regresses (exit 1); red -> green is fixed (exit 0); files are written."""
    md, js = tmp_path / "c.md", tmp_path / "c.json"
    code = main(["compare", str(reports["green"]), str(reports["red"]),
                 "--markdown", str(md), "--json", str(js)])
    out = capsys.readouterr().out
    assert code == 1
    assert "location: 2 regressed" in out and "REGRESSED (2 regressions)" in out
    assert "regressed  location.default.home-unset  mine  pass -> fail" in out
    assert "obtained: '$HOME is not set'" in out  # the regression's differences
    doc = json.loads(js.read_text())
    assert doc["ok"] is False and doc["counts"]["regressed"] == 2
    assert {t["case"] for t in doc["transitions"]} == {
        "location.default.home-unset", "location.default.home-empty"}
    assert "## Regressions" in md.read_text()
    assert main(["compare", str(reports["red"]), str(reports["green"])]) == 0
    assert "2 fixed" in capsys.readouterr().out
    assert main(["compare", str(reports["green"]), str(reports["green"])]) == 0


@pytest.mark.slow  # runs the harness
def test_run_baseline_gates_only_on_regressions(
    reports: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A baseline with the same failures passes; one without them fails on the regressions."""
    code, _ = _run(tmp_path, "again", "cli", "--baseline", str(reports["red"]))
    out = capsys.readouterr().out
    assert code == 0, out
    assert "FAILED (2 unexpected)" in out and "NO REGRESSIONS" in out
    code, _ = _run(tmp_path, "worse", "cli", "--baseline", str(reports["green"]))
    assert code == 1
    assert "REGRESSED (2 regressions)" in capsys.readouterr().out


@pytest.mark.slow  # runs the harness
def test_run_baseline_html_shows_the_regressions(
    reports: dict[str, Path], tmp_path: Path
) -> None:
    """`run --baseline --html` puts the regressions, with their differences, on the page."""
    page = tmp_path / "out" / "r.html"
    _run(tmp_path, "html", "cli", "--baseline", str(reports["green"]), "--html", str(page))
    html = page.read_text()
    assert "Regressions against the baseline (2)" in html
    assert "regression: pass -&gt; fail" in html and "$HOME is not set" in html
    # Spec links are relative to the page's own folder, and lead to the case file.
    hrefs = set(re.findall(r'href="([^"#]+)"', html))
    assert hrefs == {os.path.relpath(REPO / "golden" / "cases" / "location.json", page.parent)}
    assert (page.parent / hrefs.pop()).resolve() == REPO / "golden" / "cases" / "location.json"


@pytest.mark.slow  # runs the harness
def test_broken_baseline_fails_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing or garbled baseline is exit 1 with the file named, and no run happens."""
    missing = tmp_path / "nope.json"
    code, out = _run(tmp_path, "x", "sdk", "--baseline", str(missing))
    assert code == 1 and not out.exists()
    assert f"--baseline: {missing}: no such report file" in capsys.readouterr().err


@pytest.mark.parametrize(("doc", "message"), [
    ("[]", "expected a JSON object at the top level"),
    ('{"schema_version": 99, "impls": [], "results": []}', "schema_version 99 is newer"),
    ('{"schema_version": 1, "results": []}', "missing field 'impls'"),
    ('{"impls": [], "results": [{"case": "a", "impl": "b", "outcome": "meh"}]}',
     r"results\[0\]\.outcome: unknown outcome 'meh'"),
    ('{"impls": [], "results": [{"case": "a", "impl": "b", "outcome": "pass"},'
     ' {"case": "a", "impl": "b", "outcome": "fail"}]}', "a second result for a on b"),
    ('{"impls": [{"name": 3}], "results": []}', r"impls\[0\]\.name: expected str, got int"),
    ('{"schema_version": true, "impls": [], "results": []}', "expected int, got bool"),
    ("{", "not a JSON report"),
])
def test_malformed_reports_name_file_and_field(tmp_path: Path, doc: str, message: str) -> None:
    """Each way a report can be wrong is a ReportFormatError naming the file and the field."""
    path = tmp_path / "bad.json"
    path.write_text(doc)
    with pytest.raises(ReportFormatError, match=message) as err:
        load_report(path=path)
    assert str(path) in str(err.value)


def test_schema_zero_reports_are_read_without_hashes() -> None:
    """A report from before the schema version still loads, as schema 0 with no byte hashes."""
    doc: dict[str, Any] = {"ok": True, "impls": [{"name": "r", "kind": "in-process"}],
                           "cases": ["a.x"], "results": [
                               {"case": "a.x", "impl": "r", "outcome": "pass", "message": "",
                                "diffs": []}]}
    r = parse_report(doc=doc, label="old.json")
    assert r.schema_version == 0 and r.cells[("a.x", "r")].output_sha256 is None


@pytest.mark.slow  # runs the harness
def test_compare_usage_errors_exit_two(reports: dict[str, Path]) -> None:
    """Wrong report counts or half of --from-impl/--to-impl are usage errors (exit 2)."""
    for argv in (["compare", str(reports["green"])],
                 ["compare", str(reports["green"]), str(reports["red"]), "--from-impl", "mine"],
                 ["compare", str(reports["green"]), str(reports["red"]),
                  "--from-impl", "a", "--to-impl", "b"],
                 ["compare", str(reports["green"]), "--from-impl", "mine", "--to-impl", "zz"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2, argv


@pytest.mark.slow  # runs the harness
def test_compare_from_impl_to_impl_on_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two columns of one run: the cases whose outcome or bytes differ, grouped by topic."""
    out = tmp_path / "both.json"
    main(["run", "--root", str(REPO), "--no-go", "--no-require-go", "-k", "location.default",
          "--impl", _impl("cli"), "--json", str(out)])
    capsys.readouterr()
    code = main(["compare", "--from-impl", "reference", "--to-impl", "mine", str(out),
                 "--markdown", str(tmp_path / "rel.md")])
    text = capsys.readouterr().out
    assert code == 1  # the newer column fails what the older one passed
    assert text.startswith("compare reference -> mine (two implementations of one run)")
    assert "regressed  location.default.home-unset  pass -> fail" in text
    md = (tmp_path / "rel.md").read_text()
    assert md.startswith("# tokencache-compat what changed between two implementations")
    assert "| regressed | `location.default.home-empty` | pass -> fail |" in md
