"""Item 2: timeouts, crashes and shutdown end the testee's whole process group."""

from __future__ import annotations

import os
import shlex
import signal
from pathlib import Path

import pytest
from hostile_helpers import (
    LOOKUP,
    OPEN,
    case,
    hostile_argv,
    hostile_impl,
    pids,
    store,
    survivors,
)

from harness import procs
from harness.cli import main
from harness.protocol import OpenRequest
from harness.testee import SubprocessTestee


@pytest.mark.slow
def test_timeout_kills_the_grandchild_too(state: Path, scratch: Path) -> None:
    """A testee that hangs after starting a helper process leaves neither running."""
    testee = SubprocessTestee(
        name="h", command=tuple(hostile_argv("grandchild,hang", state=state)), timeout=0.5,
        confine_mode="off",
    )
    testee.start()
    testee.begin_case(env={"HOME": str(scratch)}, umask=0o022)
    with pytest.raises(TimeoutError):
        testee.request(req=OpenRequest(path=None, env={}, umask=18))
    assert pids(state)["grandchild"], "the hostile testee did not start its helper"
    assert survivors(state) == []
    testee.close()


@pytest.mark.slow
def test_shell_wrapper_does_not_leave_its_real_testee(
    project: Path, write_cases, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sh -c '...'` (as with go run or uv run) is killed with the process it started."""
    write_cases("g", [case("g.hang", OPEN, store(), LOOKUP)])
    inner = shlex.join(hostile_argv("hang", state=state))
    wrapper = f"h=/bin/sh -c {shlex.quote(inner + '; exit 0')}"  # sh stays the parent
    code = main(["run", "--root", str(project), "--no-go", "--confine", "off", "--only-impl", "h",
                 "--impl", wrapper, "--timeout", "0.5"])
    assert code == 1
    assert "timeout" in capsys.readouterr().out
    assert pids(state)["testee"]
    assert survivors(state) == []


def test_grandchild_does_not_outlive_a_normal_run(
    project: Path, write_cases, state: Path
) -> None:
    """After a clean run (shutdown answered) the testee's helper processes are gone too."""
    write_cases("g", [case("g.ok", OPEN, store(), LOOKUP)])
    code = main(["run", "--root", str(project), "--no-go", "--confine", "off", "--only-impl", "h",
                 "--impl", hostile_impl("h", "grandchild", state=state)])
    assert code == 0
    assert pids(state)["grandchild"]
    assert survivors(state) == []


def test_crash_kills_the_group(project: Path, write_cases, state: Path) -> None:
    """A testee that dies (panic) has its helper process killed with it."""
    write_cases("g", [case("g.panic", OPEN, store())])
    main(["run", "--root", str(project), "--no-go", "--confine", "off", "--only-impl", "h",
          "--impl", hostile_impl("h", "grandchild,panic", state=state)])
    assert pids(state)["grandchild"]
    assert survivors(state) == []


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="start times come from /proc")
def test_the_parent_ends_groups_a_dead_worker_left(tmp_path: Path) -> None:
    """Groups a worker noted and never ended are killed by end_recorded; a note whose pid
    now belongs to another process (other start time) is not."""
    notes = tmp_path / "groups"
    procs.record_groups(directory=str(notes))
    try:
        left = procs.spawn(argv=["sleep", "60"], env={"PATH": os.environ["PATH"]},
                           cwd=str(tmp_path))
        procs._LIVE.pop(left.pid)  # the worker died before its cleanup
    finally:
        procs._RECORD_DIR.clear()
    (notes / str(os.getpid())).write_text("1")  # this process, noted with a wrong start time
    assert sorted(os.listdir(notes)) == sorted([str(left.pid), str(os.getpid())])
    assert procs.end_recorded(directory=str(notes)) == 1
    assert left.wait(timeout=5) == -signal.SIGKILL
    assert os.listdir(notes) == []
