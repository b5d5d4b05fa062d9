"""Sandboxes: laid out as the case says, read back faithfully, always removed."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pytest
from tcc_fake_testee import FakeSession
from tcc_helpers import case

from harness.data import Outcome
from harness.exceptions import SandboxEscape
from harness.runner import RunOptions, run_case
from harness.sandbox import CaseSandbox
from harness.spec import DirSpec, FileSpec, SandboxSpec, SymlinkSpec, load_cases
from harness.testee import InProcessTestee


def test_layout_modes_symlinks_and_readback(tmp_path: Path) -> None:
    """Dirs, files (text and base64 bytes), modes and symlinks appear as specified."""
    spec = SandboxSpec(
        dirs=(DirSpec(path="home/.databricks", mode=0o700),),
        files=(
            FileSpec(path="home/.databricks/token-cache.json", content=b"{}", mode=0o644),
            FileSpec(path="other/raw.bin", content=base64.b64decode("AAH/"), mode=0o600),
        ),
        symlinks=(SymlinkSpec(path="home/link.json", target=".databricks/token-cache.json"),),
    )
    with CaseSandbox(spec=spec, parent=tmp_path) as sb:
        root = sb.root
        f = sb.read_file(rel="home/.databricks/token-cache.json")
        assert (f.file_type, f.mode, f.content) == ("regular", 0o644, b"{}")
        assert sb.read_file(rel="other/raw.bin").content == b"\x00\x01\xff"
        link = sb.read_file(rel="home/link.json")
        assert link.file_type == "symlink" and link.content == b"{}"
        assert link.link_target == ".databricks/token-cache.json"
        d = sb.read_dir(rel="home/.databricks")
        assert d.mode == 0o700 and d.listing == ("token-cache.json",)
        assert sb.read_dir(rel="home").mode == 0o755
        assert sb.read_file(rel="home/missing").file_type == "absent"
    assert not root.exists()


def test_unwritable_directory_is_still_removed(tmp_path: Path) -> None:
    """A case that makes a directory 0500/0000 does not leak its sandbox."""
    spec = SandboxSpec(
        dirs=(DirSpec(path="locked/inner", mode=0o000), DirSpec(path="locked", mode=0o500)),
        files=(FileSpec(path="locked/inner/f", content=b"x"),),
    )
    with CaseSandbox(spec=spec, parent=tmp_path) as sb:
        assert os.stat(sb.root / "locked").st_mode & 0o777 == 0o500
    assert list(tmp_path.iterdir()) == []


def test_env_paths_resolve_under_root(tmp_path: Path) -> None:
    """Case env values become absolute paths inside the sandbox; null stays unset."""
    with CaseSandbox(spec=SandboxSpec(), parent=tmp_path) as sb:
        env = sb.resolve_env(env={"HOME": "home", "XDG": None})
        assert env == {"HOME": str(sb.root / "home"), "XDG": None}


CHAIN: dict[str, Any] = {"symlinks": [
    {"path": "b", "target": "."},
    {"path": "c", "target": "b/.."},
    {"path": "d", "target": "c/../tmp/x/target.json"},
]}


def test_chained_symlinks_leaving_the_sandbox_refuse_the_case(
    project: Path, write_cases, tmp_path: Path
) -> None:
    """Links that pass the text check but chain out of the sandbox make the case an error."""
    # c resolves to the sandbox's parent, so d points at <parent>/../tmp/x/target.json.
    write_cases("esc", [case("esc.chain", {"op": "open", "path": "d"},
                             {"op": "lookup", "key": "k"}, sandbox=CHAIN)])
    loaded = load_cases(cases_dir=project / "golden" / "cases")
    assert loaded.errors == ()  # the spec-time text check cannot see the chain
    (c,) = loaded.cases
    parent = tmp_path / "sandboxes"
    parent.mkdir()
    testee = InProcessTestee(name="ref", session_factory=FakeSession)
    r = run_case(case=c, testee=testee,
                 options=RunOptions(golden_dir=project / "golden" / "files",
                                    sandbox_parent=parent))
    assert r.outcome is Outcome.ERROR
    # c is the first link that resolves outside (to the sandbox's parent directory).
    assert "esc.chain" in r.message and "symlink c -> b/.." in r.message
    assert f"resolves to {parent}, outside the sandbox" in r.message
    assert list(parent.iterdir()) == []  # the refused sandbox is removed too


def test_named_path_through_a_link_out_of_the_sandbox_is_refused(tmp_path: Path) -> None:
    """A case path leading through a link to the sandbox's parent is refused."""
    spec = SandboxSpec(symlinks=(SymlinkSpec(path="b", target="."),))
    with CaseSandbox(spec=spec, parent=tmp_path) as sb:
        sb.confine(paths=["b/home", "b/b/home/.databricks/token-cache.json"])
        os.symlink("..", sb.root / "up")  # as if a link had slipped past the layout checks
        with pytest.raises(SandboxEscape, match=r"path up/x/cache\.json resolves to "):
            sb.confine(paths=["home", "up/x/cache.json"])


def test_link_created_under_an_escaping_link_is_refused_before_it_is_made(
    tmp_path: Path
) -> None:
    """A symlink whose parent leads out through earlier links is refused before mkdir."""
    parent = tmp_path / "sandboxes"
    parent.mkdir()
    spec = SandboxSpec(symlinks=(SymlinkSpec(path="b", target="."),
                             SymlinkSpec(path="c", target="b/.."),
                             SymlinkSpec(path="c/made-outside/l", target="x")))
    with pytest.raises(SandboxEscape, match="parent of symlink c/made-outside/l"):
        CaseSandbox(spec=spec, parent=parent).__enter__()
    assert list(parent.iterdir()) == []
    assert not (tmp_path / "made-outside").exists()


def test_dangling_link_inside_the_sandbox_is_allowed(tmp_path: Path) -> None:
    """A dangling link whose target would be inside the sandbox is laid out as asked."""
    spec = SandboxSpec(symlinks=(SymlinkSpec(path="c/link", target="missing-dir"),
                             SymlinkSpec(path="c/loop", target="loop")))
    with CaseSandbox(spec=spec, parent=tmp_path) as sb:
        sb.confine(paths=["c/link/cache.json", "c/loop"])
        assert sb.read_file(rel="c/link").file_type == "symlink"
