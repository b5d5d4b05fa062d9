"""The HTML report's layout: verdict first, regressions and failures with diffs, topic groups."""

from __future__ import annotations

import re
from pathlib import Path

from harness.compare.engine import compare_reports
from harness.compare.load import report_of_run
from harness.data import CaseResult, ImplInfo, Outcome, RunResult, RunSource
from harness.report.html import render_html, render_run_html, spec_link_base

FILES = {"keys.a": "cache-keys.json", "keys.b": "cache-keys.json", "life.a": "lifecycle.json",
         "life.b": "lifecycle.json", "zzz.gone": "other.json"}


def _run(*, life_b: Outcome = Outcome.FAIL, cases_dir: str = "/proj/golden/cases") -> RunResult:
    impls = (ImplInfo(name="ref", kind="in-process", hello={"version": "1", "runtime": "py"}),
             ImplInfo(name="go", kind="subprocess"),
             ImplInfo(name="old", kind="subprocess", unavailable="no Go toolchain"))
    results = []
    for cid in ("keys.a", "keys.b", "life.a", "life.b"):
        results.append(CaseResult(cid, "ref", Outcome.PASS))
        outcome = {"life.a": Outcome.XFAIL, "life.b": life_b}.get(cid, Outcome.PASS)
        diffs = ("home/f: golden bytes differ at offset 3 <here>",) if outcome else ()
        results.append(CaseResult(cid, "go", outcome, f"{outcome.value} message", diffs))
    return RunResult(impls=impls, results=tuple(results),
                     case_ids=("keys.a", "keys.b", "life.a", "life.b"),
                     source=RunSource(cases_dir=cases_dir, cases_sha256="c", golden_sha256="g",
                                      case_files=FILES))


def _section_order(page: str) -> list[str]:
    marks = ['id="verdict"', 'id="failures"', 'id="cases"', 'id="details"']
    return sorted(marks, key=page.index)


def test_verdict_and_totals_come_first_then_failures_then_groups() -> None:
    """The verdict and the per-implementation totals lead; failures precede the case groups."""
    page = render_html(run=_run())
    assert _section_order(page) == ['id="verdict"', 'id="failures"', 'id="cases"',
                                    'id="details"']
    assert page.index('id="verdict"') < page.index('class="totals"') < page.index('id="failures"')
    assert ">FAILED (1 unexpected)<" in page
    totals = page[page.index('class="totals"'):page.index("</table>")]
    assert re.search(r"<td>go</td><td></td><td class=\"n\">2</td>", totals)  # 2 pass
    assert "unavailable: no Go toolchain" in totals


def test_failures_show_their_differences() -> None:
    """Each unexpected result is shown with its message and differences, escaped."""
    page = render_html(run=_run())
    failures = page[page.index('id="failures"'):page.index('id="cases"')]
    assert "Failures (1)" in failures and "life.b" in failures
    assert "golden bytes differ at offset 3 &lt;here&gt;" in failures
    assert "life.a" not in failures  # an expected failure is not a failure


def test_all_pass_groups_are_collapsed_and_others_open() -> None:
    """Topic groups: `keys` (all pass) closed, `life` (differences) open; rows say which differ."""
    page = render_html(run=_run())
    attrs = dict(re.findall(r'<details class="topic" id="topic-(\w+)"([^>]*)>', page))
    assert {t: " open" in a for t, a in attrs.items()} == {"keys": False, "life": True}
    assert "keys <span class=\"muted\">2 cases, all pass</span>" in page
    assert "2 with differences (1 fail, 1 xfail)" in page
    rows = dict(re.findall(r'<tr class="case" data-id="([^"]+)" data-diff="(\d)"', page))
    assert rows == {"keys.a": "0", "keys.b": "0", "life.a": "1", "life.b": "1"}
    # A clean run opens nothing.
    clean = render_html(run=_run(life_b=Outcome.PASS))
    assert " open data-open" in clean  # life.a still xfails
    cleaner = RunResult(impls=_run().impls, results=tuple(
        r for r in _run().results if r.case_id.startswith("keys")), case_ids=("keys.a",
                                                                              "keys.b"))
    assert " open" not in render_html(run=cleaner).split('id="cases"')[1].split("<script>")[0]


def test_every_case_links_to_its_spec_file_relative_to_the_page(tmp_path: Path) -> None:
    """The id links to golden/cases/<file>, relative to where the page is written."""
    cases = tmp_path / "proj" / "golden" / "cases"
    run = _run(cases_dir=str(cases))
    assert spec_link_base(run=run, target=tmp_path / "proj" / "reports" / "r.html") == \
        "../golden/cases/"
    assert spec_link_base(run=run, target=tmp_path / "proj" / "r.html") == "golden/cases/"
    assert spec_link_base(run=run, target=None) == "golden/cases/"
    page = render_run_html(run=run, target=tmp_path / "proj" / "docs" / "x.html")
    assert '<a href="../golden/cases/cache-keys.json" title="spec: cache-keys.json">keys.a</a>' \
        in page
    assert page.count('href="../golden/cases/lifecycle.json"') >= 2


def test_baseline_regressions_lead_with_their_diffs_and_known_failures_are_marked() -> None:
    """With a comparison: its verdict first, the regressions with diffs, then the known ones."""
    baseline = report_of_run(run=_run(life_b=Outcome.PASS))
    run = _run()
    comparison = compare_reports(old=baseline, new=report_of_run(run=run))
    page = render_html(run=run, comparison=comparison)
    assert page.index('id="verdict"') < page.index('id="regressions"') < page.index(
        'id="failures"')
    assert ">REGRESSED (1 regression)</span> against the baseline" in page
    regressions = page[page.index('id="regressions"'):page.index('id="failures"')]
    assert "life.b" in regressions and "regression: pass -&gt; fail" in regressions
    assert "offset 3 &lt;here&gt;" in regressions
    assert "Failures also in the baseline (0)" in page
    # The same failure already in the baseline: not a regression, marked as known.
    known = compare_reports(old=report_of_run(run=run), new=report_of_run(run=run))
    page = render_html(run=run, comparison=known)
    assert ">NO REGRESSIONS</span>" in page and "also in the baseline" in page


def test_expected_failures_are_collapsed_details_that_cells_link_to() -> None:
    """Every xfail cell links to a collapsed block holding its message and differences."""
    page = render_html(run=_run())
    target = 'id="case-life.a-go"'
    assert 'href="#case-life.a-go"' in page and target in page
    block = page[page.rindex("<details", 0, page.index(target)):]
    assert block.startswith('<details class="known" id="case-life.a-go" data-id="life.a">')
    assert "xfail message" in block.split("</details>")[0]
    assert page.count('id="case-life.a-go"') == 1
