"""Item 1: a testee that mishandles `shutdown` is killed after a grace; every report is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostile_helpers import LOOKUP, OPEN, case, hostile_impl, leftovers, store, survivors

from harness.cli import main
from harness.testee import SubprocessTestee


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["shutdown-exit", "shutdown-ignore", "shutdown-linger"])
def test_mishandled_shutdown_still_writes_every_report(
    mode: str, project: Path, write_cases, scratch: Path, state: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """run --json/--junit/--markdown/--html completes and cleans up whatever shutdown does."""
    write_cases("s", [case("s.one", OPEN, store(), LOOKUP), case("s.two", OPEN, store(), LOOKUP)])
    out = tmp_path / "reports"
    code = main([
        "run", "--root", str(project), "--no-go", "--confine", "off", "--only-impl", "h",
        "--impl", hostile_impl("h", mode, state=state),
        "--json", str(out / "r.json"), "--junit", str(out / "r.xml"),
        "--markdown", str(out / "r.md"), "--html", str(out / "r.html"),
    ])
    assert code == 0, capsys.readouterr()
    doc = json.loads((out / "r.json").read_text())
    assert [r["outcome"] for r in doc["results"]] == ["pass", "pass"]
    for name in ("r.xml", "r.md", "r.html"):
        assert (out / name).stat().st_size > 0
    assert survivors(state) == []
    assert leftovers(scratch) == []


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["shutdown-exit", "shutdown-ignore", "shutdown-linger"])
def test_close_never_raises_and_ends_the_process(mode: str, scratch: Path, state: Path) -> None:
    """close() on a testee that mishandles shutdown returns, leaving no process and no temp dir."""
    from hostile_helpers import hostile_argv

    testee = SubprocessTestee(name="h", command=tuple(hostile_argv(mode, state=state)),
                              timeout=5.0, confine_mode="off")
    testee.start()
    testee.close()
    assert not testee.alive()
    assert survivors(state) == []
    assert leftovers(scratch) == []


@pytest.mark.slow
def test_interop_with_a_testee_that_ignores_shutdown(
    scratch: Path, state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    project: Path,
) -> None:
    """interop finishes and writes its reports though one testee never exits on shutdown."""
    out = tmp_path / "interop.json"
    code = main([
        "interop", "--root", str(project), "--no-go", "--confine", "off",
          "--skip-impl", "reference+go1.27.3",
        "--impl", hostile_impl("h", "shutdown-ignore", state=state), "--json", str(out),
    ])
    captured = capsys.readouterr()
    doc = json.loads(out.read_text())
    assert {(c["writer"], c["reader"]) for c in doc["cells"]} == {
        ("reference", "reference"), ("reference", "h"), ("h", "reference"), ("h", "h")}
    assert "Traceback" not in captured.err
    assert code in (0, 1)
    assert survivors(state) == []
    assert leftovers(scratch) == []
