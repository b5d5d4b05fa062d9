"""Item 4: collection stays inside the sandbox: no link followed out, no FIFO read, bounded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from hostile_helpers import OPEN, STORED_BYTES, case, hostile_impl, leftovers, store

from harness.differential.observe import CACHE_DIR, CACHE_FILE, read_disk
from harness.differential.side import Side
from harness.sandbox import CaseSandbox, remove_tree
from harness.spec import SandboxSpec
from harness.testee import InProcessTestee

CACHE = "home/.databricks/token-cache.json"


@pytest.fixture
def canary(tmp_path: Path) -> tuple[Path, str]:
    """A secret file and a secret-named file outside every sandbox."""
    secret = f"CANARY-{uuid.uuid4().hex}"
    outside = tmp_path / "outside"
    outside.mkdir(mode=0o755)
    os.chmod(outside, 0o755)
    (outside / "secret.txt").write_text(secret + "\n")
    (outside / f"{secret}-name").write_text("x")
    sub = outside / "sub"
    sub.mkdir(mode=0o755)
    os.chmod(sub, 0o755)
    return outside, secret


def _golden_case(project: Path, write_cases, cid: str, **final: object) -> None:
    write_cases("c", [case(cid, OPEN, store(), final={"golden": True, **final})])
    (project / "golden" / "files" / f"{cid}.json").write_bytes(STORED_BYTES)


def _run_all_reports(project: Path, impl: str, out: Path) -> tuple[int, str]:
    """The run as a separate process (a blocking read must not hang the test run)."""
    done = subprocess.run(
        [sys.executable, "-m", "harness", "run", "--root", str(project), "--no-go",
         # A testee reading its own FIFO hangs in interop (the --html page): not for long.
         "--timeout", "2",
         "--only-impl", "h", "--impl", impl, "--json", str(out / "r.json"),
         "--junit", str(out / "r.xml"), "--markdown", str(out / "r.md"),
         "--html", str(out / "r.html")],
        capture_output=True, text=True, timeout=120, check=False,
    )
    texts = [done.stdout, done.stderr] + [
        (out / n).read_text() for n in ("r.json", "r.xml", "r.md", "r.html")
    ]
    return done.returncode, "\n".join(texts)


def _result(out: Path) -> dict[str, object]:
    doc = json.loads((out / "r.json").read_text())
    (result,) = doc["results"]
    return result


@pytest.mark.slow
def test_cache_file_turned_into_a_link_out_is_reported_not_read(
    project: Path, write_cases, canary: tuple[Path, str], tmp_path: Path
) -> None:
    """A cache file replaced by a symlink to a file outside fails, and its bytes never show."""
    outside, secret = canary
    _golden_case(project, write_cases, "c.link", file_mode="0600")
    code, text = _run_all_reports(
        project, hostile_impl("h", "link-out", target=outside / "secret.txt"), tmp_path
    )
    assert code == 1
    assert secret not in text
    result = _result(tmp_path)
    assert result["outcome"] == "fail"
    shown = "\n".join(result["diffs"])  # type: ignore[arg-type]
    assert CACHE in shown and "outside the sandbox" in shown


@pytest.mark.slow
def test_cache_dir_turned_into_a_link_out_is_not_listed(
    project: Path, write_cases, canary: tuple[Path, str], tmp_path: Path
) -> None:
    """A cache directory replaced by a symlink out of the sandbox is reported, never listed."""
    outside, secret = canary
    write_cases("c", [case("c.dirlink", OPEN, store(),
                           final={"listing": ["token-cache.json"], "dir_mode": "0700"})])
    code, text = _run_all_reports(
        project, hostile_impl("h", "dirlink-out", target=outside), tmp_path
    )
    assert code == 1
    assert secret not in text
    shown = "\n".join(_result(tmp_path)["diffs"])  # type: ignore[arg-type]
    assert "home/.databricks" in shown and "outside the sandbox" in shown


@pytest.mark.slow
def test_cache_file_turned_into_a_fifo_fails_without_blocking(
    project: Path, write_cases, tmp_path: Path
) -> None:
    """A FIFO where the cache file should be is named as such; collection does not block."""
    _golden_case(project, write_cases, "c.fifo")
    code, _ = _run_all_reports(project, hostile_impl("h", "fifo"), tmp_path)
    assert code == 1
    result = _result(tmp_path)
    shown = "\n".join(result["diffs"])  # type: ignore[arg-type]
    assert result["outcome"] == "fail"
    assert CACHE in shown and "FIFO" in shown


@pytest.mark.slow
def test_link_to_a_fifo_outside_fails_without_blocking(
    project: Path, write_cases, tmp_path: Path
) -> None:
    """A symlink to a FIFO outside the sandbox is neither followed nor opened."""
    fifo = tmp_path / "outside.fifo"
    os.mkfifo(fifo)
    _golden_case(project, write_cases, "c.fifolink")
    code, _ = _run_all_reports(project, hostile_impl("h", "link-out", target=fifo), tmp_path)
    assert code == 1
    assert "outside the sandbox" in "\n".join(_result(tmp_path)["diffs"])  # type: ignore[arg-type]


def test_read_file_refuses_devices_and_bounds_size(scratch: Path) -> None:
    """A link to /dev/zero is refused; a regular file over the bound is not read whole."""
    from harness import collect

    with CaseSandbox(spec=SandboxSpec()) as sb:
        os.symlink("/dev/zero", sb.root / "zero")
        state = sb.read_file(rel="zero")
        assert state.content is None and state.problem is not None
        assert "outside the sandbox" in state.problem
        big = sb.root / "big"
        big.write_bytes(b"x" * 5000)
        limited = collect.read_file(root=sb.root, rel="big", max_bytes=4096)
        assert limited.content is None
        assert limited.problem is not None and "4096" in limited.problem


def test_diff_observation_never_lists_outside(canary: tuple[Path, str], scratch: Path) -> None:
    """read_disk on a sandbox whose cache dir links out reports it and lists nothing."""
    outside, secret = canary
    with CaseSandbox(spec=SandboxSpec()) as sb:
        (sb.root / "home").mkdir(exist_ok=True)
        os.symlink(outside, sb.root / CACHE_DIR)
        state = read_disk(root=sb.root)
        assert state.listing is None
        assert secret not in repr(state)
        assert state.problem is not None and "outside the sandbox" in state.problem


def test_diff_side_neither_reads_nor_writes_through_links(
    canary: tuple[Path, str], scratch: Path
) -> None:
    """Side.snapshot/restore/write_cache_file stay inside the sandbox whatever the testee left."""
    outside, secret = canary
    side = Side(testee=InProcessTestee(), parent=scratch)
    try:
        side.reset()
        os.symlink(outside, side.root / CACHE_DIR)
        snap = side.snapshot()
        assert secret not in repr(snap)
        side.write_cache_file(data=b"{}")
        assert sorted(p.name for p in outside.iterdir()) == sorted(
            ["secret.txt", f"{secret}-name", "sub"])
        assert not (side.root / CACHE_DIR).is_symlink()
        os.unlink(side.root / CACHE_FILE)
        os.symlink(outside / "secret.txt", side.root / CACHE_FILE)
        side.restore(snapshot={"token-cache.json": b"overwritten?"})
        assert (outside / "secret.txt").read_text() == secret + "\n"
    finally:
        side.close()


def test_removing_a_sandbox_replaced_by_a_link_leaves_the_target_alone(
    canary: tuple[Path, str], scratch: Path
) -> None:
    """Cleanup of a sandbox root turned into a symlink changes nothing outside it."""
    outside, _ = canary
    before = {p.name: (p.stat().st_mode, p.read_bytes() if p.is_file() else b"")
              for p in outside.iterdir()}
    sb = CaseSandbox(spec=SandboxSpec()).__enter__()
    remove_tree(root=sb.root)
    os.symlink(outside, sb.root)
    sb.cleanup()
    assert oct(outside.stat().st_mode & 0o777) == "0o755"
    assert {p.name: (p.stat().st_mode, p.read_bytes() if p.is_file() else b"")
            for p in outside.iterdir()} == before
    assert leftovers(scratch) == []


@pytest.mark.slow
def test_interop_never_hands_a_link_out_to_the_reference(
    project: Path, canary: tuple[Path, str], tmp_path: Path
) -> None:
    """A writer that links the shared cache to a token file outside leaks none of it."""
    outside, secret = canary
    theirs = outside / "token-cache.json"
    theirs.write_text(json.dumps({"version": 1, "tokens": {
        "DEFAULT": {"access_token": secret}, "prod": {"access_token": secret}}}))
    out = tmp_path / "i.json"
    done = subprocess.run(
        [sys.executable, "-m", "harness", "interop", "--root", str(project), "--no-go",
         "--skip-impl", "reference+go1.27.3", "--confine", "off", "--timeout", "2",
         "--json", str(out),
         "--impl", hostile_impl("h", "link-out", target=theirs)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert secret not in done.stdout + done.stderr + out.read_text()
    cells = {(c["writer"], c["reader"]): c for c in json.loads(out.read_text())["cells"]}
    errors = "\n".join(cells[("h", "reference")]["errors"])
    assert "h left the cache unusable" in errors and "outside the sandbox" in errors


@pytest.mark.slow
def test_interop_never_hands_a_fifo_to_the_reference(project: Path, tmp_path: Path) -> None:
    """A writer that leaves a FIFO as the shared cache cannot hang the in-process reader."""
    out = tmp_path / "i.json"
    subprocess.run(
        [sys.executable, "-m", "harness", "interop", "--root", str(project), "--no-go",
         "--skip-impl", "reference+go1.27.3", "--confine", "off", "--timeout", "2",
         "--json", str(out),
         "--impl", hostile_impl("h", "fifo")],
        capture_output=True, text=True, timeout=120, check=False,
    )
    cells = {(c["writer"], c["reader"]): c for c in json.loads(out.read_text())["cells"]}
    assert "a FIFO, not a regular file" in "\n".join(cells[("h", "reference")]["errors"])
