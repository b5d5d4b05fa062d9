"""Item 7: with bubblewrap, testees write only their sandboxes and temp home; no network."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_helpers import (
    LOOKUP,
    OPEN,
    case,
    hostile_argv,
    hostile_impl,
    kill_leftovers,
    leftovers,
    store,
    survivors,
    tagged,
)

from harness import confine
from harness.cli import main
from harness.differential.side import Side
from harness.testee import SubprocessTestee


def _bwrap_problem() -> str | None:
    bwrap = confine.bwrap_path()
    if bwrap is None:
        return "bwrap is not installed (.ci/run installs the bubblewrap package)"
    return confine.probe(bwrap=bwrap)


needs_bwrap = pytest.mark.skipif(
    _bwrap_problem() is not None, reason=f"confinement cannot work here: {_bwrap_problem()}"
)


def _run(project: Path, impl: str, mode: str, *extra: str) -> int:
    return main(["run", "--root", str(project), "--no-go", "--only-impl", "h", "--impl", impl,
                 "--confine", mode, *extra])


@needs_bwrap
def test_confined_testee_cannot_write_outside_its_sandbox(
    project: Path, write_cases, tmp_path: Path, state: Path, scratch: Path
) -> None:
    """A testee writing outside its sandbox fails to under --confine on, and succeeds off."""
    write_cases("w", [case("w.one", OPEN, store(), LOOKUP)])
    target = tmp_path / "escaped.txt"
    assert _run(project, hostile_impl("h", "write-outside", state=state, target=target),
                "on") == 0
    assert not target.exists()
    assert _run(project, hostile_impl("h", "write-outside", state=state, target=target),
                "off") == 0
    assert target.exists()  # the same testee, unconfined, can (so the check above can fail)
    assert leftovers(scratch) == []


@pytest.fixture
def listener() -> Iterator[tuple[int, list[int]]]:
    """A TCP server on 127.0.0.1 counting the connections it accepts."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    accepted: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            accepted.append(1)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()


@needs_bwrap
def test_confined_testee_has_no_network(
    project: Path, write_cases, state: Path, listener: tuple[int, list[int]]
) -> None:
    """Not even 127.0.0.1 is reachable from a confined testee; unconfined it is."""
    port, accepted = listener
    write_cases("n", [case("n.one", OPEN, store(), LOOKUP)])
    assert _run(project, hostile_impl("h", "network", state=state, port=port), "on") == 0
    assert accepted == []
    assert _run(project, hostile_impl("h", "network", state=state, port=port), "off") == 0
    assert accepted == [1]


@needs_bwrap
def test_confined_daemon_dies_with_its_testee(
    project: Path, write_cases, state: Path
) -> None:
    """A child in a session of its own is killed too: the testee has its own pid namespace."""
    write_cases("d", [case("d.one", OPEN, store(), LOOKUP)])
    assert _run(project, hostile_impl("h", "setsid-child", state=state), "on") == 0
    assert survivors(state) == []


def test_unconfined_daemon_escapes_the_process_group(
    project: Path, write_cases, state: Path
) -> None:
    """The documented limit: unconfined, a child that starts its own session outlives the run."""
    write_cases("d", [case("d.one", OPEN, store(), LOOKUP)])
    try:
        assert _run(project, hostile_impl("h", "setsid-child", state=state), "off") == 0
        assert tagged(state), "the daemon did not survive: update the README's limits"
    finally:
        kill_leftovers(state)


@needs_bwrap
def test_interop_confined_testees_share_the_pair_sandbox(
    project: Path, state: Path, tmp_path: Path
) -> None:
    """Writer and reader of a pair both write its sandbox although each is confined."""
    out = tmp_path / "interop.json"
    code = main(["interop", "--root", str(project), "--no-go", "--confine", "on",
                 "--skip-impl", "reference+go1.27.3",
                 "--impl", hostile_impl("h", "normal", state=state), "--json", str(out)])
    doc = json.loads(out.read_text())
    cells = {(c["writer"], c["reader"]): c for c in doc["cells"]}
    assert cells[("h", "h")]["status"] == "ok", cells[("h", "h")]
    assert cells[("reference", "h")]["readable_by_reader"]
    assert code in (0, 1)


@needs_bwrap
def test_diff_side_of_a_confined_testee_is_writable(state: Path, scratch: Path) -> None:
    """A differential side's sandbox lies where its confined testee may write."""
    testee = SubprocessTestee(name="h", command=tuple(hostile_argv("normal", state=state)),
                              confine_mode="on")
    side = Side(testee=testee, parent=scratch)
    try:
        side.reset()
        assert side.request(step={"op": "open", "path": None}).compared == {"ok": {}}
        assert side.request(step={"op": "store", "key": "k", "token": {"access_token": "a"}}
                            ).compared == {"ok": {}}
        assert side.disk().file_type == "regular"
        assert testee.info().confinement == confine.CONFINED_NOTE
    finally:
        side.close()
    assert leftovers(scratch) == []


def test_confine_on_without_bwrap_says_what_failed(
    project: Path, write_cases, state: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--confine on without a usable bwrap makes the testee unavailable, naming the cause."""
    monkeypatch.setenv(confine.BWRAP_ENV, "/nonexistent/bwrap")
    write_cases("o", [case("o.one", OPEN, store(), LOOKUP)])
    assert _run(project, hostile_impl("h", "normal", state=state), "on") == 1
    out = capsys.readouterr().out
    assert "--confine on: /nonexistent/bwrap not found (install the bubblewrap package)" in out


def test_confine_auto_without_bwrap_runs_unconfined_and_says_so(
    project: Path, state: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--confine auto falls back to running unconfined, and `impls` shows why."""
    monkeypatch.delenv(confine.MODE_ENV, raising=False)  # auto, whatever CI set
    monkeypatch.setenv(confine.BWRAP_ENV, "/nonexistent/bwrap")
    code = main(["impls", "--json", "--root", str(project), "--no-go", "--only-impl", "h",
                 "--impl", hostile_impl("h", "normal", state=state)])
    assert code == 0
    (info,) = json.loads(capsys.readouterr().out)
    assert info["confinement"] == "none (--confine auto: /nonexistent/bwrap not found " \
        "(install the bubblewrap package))"
