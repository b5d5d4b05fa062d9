"""Item 6: SIGINT/SIGTERM during run, report, interop and diff: stop, clean up, keep, exit 130."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_helpers import LOOKUP, OPEN, answers, case, hostile_impl, leftovers, store, survivors

# A hang guard only (no timing is asserted): how long to wait for the harness to react.
GUARD = 60.0

pytestmark = pytest.mark.slow  # each test runs the command line as a process


def _start(args: list[str], *, scratch: Path, cwd: Path) -> subprocess.Popen[str]:
    # Progress lines would share stderr with the one line an interrupt prints.
    env = dict(os.environ, TMPDIR=str(scratch), TOKENCACHE_COMPAT_PROGRESS="off")
    env.pop("TOKENCACHE_COMPAT_CONFINE", None)
    # A session of its own, so a signal to its group reaches it as a terminal's Ctrl-C would.
    return subprocess.Popen([sys.executable, "-m", "harness", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _interrupt(proc: subprocess.Popen[str], *, state: Path, after: int, sig: int,
               group: bool) -> tuple[int, str, str]:
    deadline = time.monotonic() + GUARD
    while answers(state) < after:
        if proc.poll() is not None or time.monotonic() > deadline:
            out, err = proc.communicate()
            pytest.fail(f"the run ended or stalled before the signal:\n{out}\n{err}")
        time.sleep(0.05)
    if group:
        os.killpg(proc.pid, sig)
    else:
        os.kill(proc.pid, sig)
    try:
        out, err = proc.communicate(timeout=GUARD)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"no exit within {GUARD}s of the signal:\n{err}")
    return proc.returncode, out, err


def _check_clean(code: int, err: str, *, state: Path, scratch: Path, signame: str) -> None:
    assert code == 130, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert f"interrupted by {signame}" in lines[0]
    assert survivors(state) == []
    assert leftovers(scratch) == []


@pytest.fixture
def slow_cases(write_cases) -> None:
    """Forty cases; against a slow testee they take far longer than the test waits."""
    write_cases("i", [case(f"i.{n:02d}", OPEN, store(), LOOKUP) for n in range(40)])


@pytest.mark.parametrize(("sig", "group"), [(signal.SIGINT, True), (signal.SIGTERM, False)],
                         ids=["sigint-to-group", "sigterm-to-pid"])
def test_run_interrupted_writes_incomplete_reports(
    sig: int, group: bool, project: Path, slow_cases: None, state: Path, scratch: Path,
    tmp_path: Path,
) -> None:
    """run: testees stopped, temp dirs gone, every report written and marked incomplete."""
    out = tmp_path / "reports"
    proc = _start(["run", "--root", str(project), "--no-go", "--confine", "off",
                   "--impl", hostile_impl("h", "slow,grandchild", state=state, delay=0.1),
                   "--json", str(out / "r.json"), "--junit", str(out / "r.xml"),
                   "--markdown", str(out / "r.md"), "--html", str(out / "r.html")],
                  scratch=scratch, cwd=tmp_path)
    code, stdout, err = _interrupt(proc, state=state, after=6, sig=sig, group=group)
    _check_clean(code, err, state=state, scratch=scratch, signame=signal.Signals(sig).name)
    doc = json.loads((out / "r.json").read_text())
    assert doc["incomplete"].startswith(f"interrupted by {signal.Signals(sig).name}")
    assert not doc["ok"]
    finished = [r for r in doc["results"] if r["impl"] == "h"]
    assert 0 < len(finished) < 40
    assert all(r["outcome"] == "pass" for r in finished)
    for name in ("r.xml", "r.md", "r.html"):
        assert "incomplete" in (out / name).read_text().lower()
    assert "INCOMPLETE" in stdout


def test_report_interrupted_writes_the_page(
    project: Path, slow_cases: None, state: Path, scratch: Path, tmp_path: Path
) -> None:
    """report: the page is written for what finished, marked incomplete."""
    page = tmp_path / "r.html"
    proc = _start(["report", "--root", str(project), "--no-go", "--confine", "off",
                   "--impl", hostile_impl("h", "slow", state=state, delay=0.1),
                   "--html", str(page)], scratch=scratch, cwd=tmp_path)
    code, _, err = _interrupt(proc, state=state, after=6, sig=signal.SIGINT, group=True)
    _check_clean(code, err, state=state, scratch=scratch, signame="SIGINT")
    assert "INCOMPLETE" in page.read_text()


def test_interop_interrupted_writes_incomplete_grid(
    project: Path, state: Path, scratch: Path, tmp_path: Path
) -> None:
    """interop: the grid of the pairs that finished, marked incomplete."""
    out = tmp_path / "i.json"
    proc = _start(["interop", "--root", str(project), "--no-go", "--confine", "off",
          "--skip-impl", "reference+go1.27.3",
                   "--impl", hostile_impl("h", "slow", state=state, delay=0.2),
                   "--json", str(out)], scratch=scratch, cwd=tmp_path)
    code, _, err = _interrupt(proc, state=state, after=12, sig=signal.SIGTERM, group=False)
    _check_clean(code, err, state=state, scratch=scratch, signame="SIGTERM")
    doc = json.loads(out.read_text())
    assert doc["incomplete"].startswith("interrupted by SIGTERM")
    assert len(doc["cells"]) < 4


@pytest.mark.parametrize(("jobs", "sig", "group"), [
    ("1", signal.SIGINT, True), ("2", signal.SIGINT, True), ("2", signal.SIGTERM, False),
], ids=["jobs1-sigint-to-group", "jobs2-sigint-to-group", "jobs2-sigterm-to-pid"])
def test_diff_interrupted_stops_workers_and_testees(
    jobs: str, sig: int, group: bool, project: Path, state: Path, scratch: Path,
    tmp_path: Path,
) -> None:
    """diff (one process or workers): every worker and testee stopped, nothing left behind."""
    proc = _start(["diff", "h1", "h2", "--root", str(project), "--no-go", "--confine", "off",
                   "--impl", hostile_impl("h1", "slow,grandchild", state=state, delay=0.02),
                   "--impl", hostile_impl("h2", "slow,grandchild", state=state, delay=0.02),
                   "--examples", "100000", "--jobs", jobs, "--out", str(tmp_path / "cx")],
                  scratch=scratch, cwd=tmp_path)
    code, _, err = _interrupt(proc, state=state, after=40, sig=sig, group=group)
    _check_clean(code, err, state=state, scratch=scratch, signame=signal.Signals(sig).name)
