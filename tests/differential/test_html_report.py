"""The HTML report is self-contained, colour-codes every cell and links failures to details."""

from __future__ import annotations

import re

from harness.data import CaseResult, ImplInfo, Outcome, RunResult
from harness.interop import OK, InteropCell, InteropResult, TokenChange
from harness.report.html import anchor, render_html


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
    """No scripts or external assets; names and differences are HTML-escaped."""
    page = render_html(run=_run(), interop=_interop())
    assert "<script" not in page and "<link" not in page and "src=" not in page
    assert "go &lt;x&gt;" in page and "bytes &lt;differ&gt;" in page
    assert "go <x>" not in page
    assert 'class="c fail"' in page and 'class="c altered"' in page
    assert 'class="c unreadable"' in page and "unavailable: no go" in page


def test_parts_are_optional_and_output_is_deterministic() -> None:
    """Either grid may be left out, and the same input renders the same bytes."""
    only_run = render_html(run=_run())
    assert "Interop" not in only_run and "Cases &times; implementations" in only_run
    only_interop = render_html(interop=_interop())
    assert "Cases &times;" not in only_interop and "writer &times; reader" in only_interop
    first = render_html(run=_run(), interop=_interop())
    assert first == render_html(run=_run(), interop=_interop())
