"""The HTML report is self-contained, colour-codes every cell and links failures to details.

(Its layout is tested in tests/report/test_html_layout.py, its script in a real browser
in tests/report/test_html_browser.py.)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from harness.cli import main
from harness.data import CaseResult, ImplInfo, Outcome, RunResult
from harness.interop import OK, InteropCell, InteropResult, TokenChange, recreate_testees
from harness.report.html import anchor, render_html

REPO = Path(__file__).resolve().parents[2]


def _run() -> RunResult:
    return RunResult(
        impls=(ImplInfo(name="reference", kind="in-process"),
               ImplInfo(name="go <x>", kind="subprocess"),
               ImplInfo(name="gone", kind="subprocess", unavailable="no go")),
        results=(
            CaseResult("a.pass", "reference", Outcome.PASS),
            CaseResult("a.pass", "go <x>", Outcome.FAIL, "1 difference(s)", ("bytes <differ>",)),
            CaseResult("b.crash", "reference", Outcome.PASS),
            CaseResult("b.crash", "go <x>", Outcome.XFAIL, "expected failure: panics"),
        ),
        case_ids=("a.pass", "b.crash"),
    )


def _interop() -> InteropResult:
    change = TokenChange("reader reads", "DEFAULT", "expires_in", 3600, 0)
    return InteropResult(
        impls=("reference", "go <x>"),
        cells=(
            InteropCell("reference", "reference", OK, True, True),
            InteropCell("reference", "go <x>", "altered", True, True, (change,)),
            InteropCell("go <x>", "reference", "unreadable", False, True, (), ("open: boom",)),
            InteropCell("go <x>", "go <x>", OK, True, True),
        ),
        unavailable={},
    )


def test_every_failing_cell_links_to_an_existing_anchor() -> None:
    """Each href points at an element id on the page; passing cells carry no link."""
    page = render_html(run=_run(), interop=_interop())
    hrefs = re.findall(r'href="#([^"]+)"', page)
    ids = set(re.findall(r'id="([^"]+)"', page))
    assert len(hrefs) == 4  # fail, xfail, altered, unreadable
    assert set(hrefs) <= ids
    assert anchor("case", "a.pass", "go <x>") in hrefs


def test_page_is_self_contained_and_escaped() -> None:
    """One inline script and no external assets; names and differences are HTML-escaped."""
    page = render_html(run=_run(), interop=_interop())
    assert page.count("<script>") == 1 and "<script " not in page
    assert "<link" not in page and "src=" not in page and "url(" not in page
    assert not re.search(r"https?://", page)
    assert "go &lt;x&gt;" in page and "bytes &lt;differ&gt;" in page
    assert "go <x>" not in page
    assert 'class="c fail"' in page and 'class="c altered"' in page
    assert 'class="c unreadable"' in page and "unavailable: no go" in page


def test_parts_are_optional_and_output_is_deterministic() -> None:
    """Either grid may be left out, and the same input renders the same bytes."""
    only_run = render_html(run=_run())
    assert "Interop" not in only_run and "Cases by topic" in only_run
    only_interop = render_html(interop=_interop())
    assert "Cases by topic" not in only_interop and "writer &times; reader" in only_interop
    assert "<script>" not in only_interop  # nothing to filter, no script
    first = render_html(run=_run(), interop=_interop())
    assert first == render_html(run=_run(), interop=_interop())


def test_run_html_writes_both_grids_for_the_selected_implementations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`run --html` (and its alias `report`) writes one page with both grids for the run's impls."""
    page_file = tmp_path / "report.html"
    code = main([
        "run", "--root", str(REPO), "--no-go", "-k", "life.store-then-lookup",
        "--skip-impl", "reference+go1.27.3",
        "--impl", f"ref2={sys.executable} -m reference_impl", "--html", str(page_file),
    ])
    assert code == 0, capsys.readouterr().out
    page = page_file.read_text()
    assert "Cases by topic" in page and "writer &times; reader" in page
    # Two implementations ran the case, so the interop grid has all four pairs.
    interop_titles = re.findall(r'title="([^"]+) writes, ([^"]+) reads: ok"', page)
    assert sorted(interop_titles) == [
        ("ref2", "ref2"), ("ref2", "reference"), ("reference", "ref2"),
        ("reference", "reference"),
    ]
    # `report` is an alias: the same selection gives the same page.
    alias_file = tmp_path / "alias.html"
    assert main([
        "report", "--root", str(REPO), "--no-go", "-k", "life.store-then-lookup",
        "--skip-impl", "reference+go1.27.3",
        "--impl", f"ref2={sys.executable} -m reference_impl", "--html", str(alias_file),
    ]) == 0
    assert alias_file.read_text() == page


def test_interop_of_a_run_recreates_what_it_can() -> None:
    """Subprocess testees and the reference are recreated; other in-process ones are unavailable."""
    run = RunResult(
        impls=(ImplInfo(name="reference", kind="in-process"),
               ImplInfo(name="planted", kind="in-process"),
               ImplInfo(name="sub", kind="subprocess", command=("x", "-y")),
               ImplInfo(name="gone", kind="subprocess", unavailable="no go")),
        results=(),
    )
    testees, unavailable = recreate_testees(run=run)
    assert [(t.name, t.info().kind) for t in testees] == [
        ("reference", "in-process"), ("sub", "subprocess")
    ]
    assert testees[1].info().command == ("x", "-y")
    assert set(unavailable) == {"planted", "gone"} and unavailable["gone"] == "no go"
