"""Sandboxes: laid out as the case says, read back faithfully, always removed."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from harness.sandbox import CaseSandbox
from harness.spec import DirSpec, FileSpec, Sandbox, SymlinkSpec


def test_layout_modes_symlinks_and_readback(tmp_path: Path) -> None:
    """Dirs, files (text and base64 bytes), modes and symlinks appear as specified."""
    spec = Sandbox(
        dirs=(DirSpec(path="home/.databricks", mode=0o700),),
        files=(
            FileSpec(path="home/.databricks/token-cache.json", content=b"{}", mode=0o644),
            FileSpec(path="other/raw.bin", content=base64.b64decode("AAH/"), mode=0o600),
        ),
        symlinks=(SymlinkSpec(path="home/link.json", target=".databricks/token-cache.json"),),
    )
    with CaseSandbox(spec=spec, parent=tmp_path) as sb:
        root = sb.root
        f = sb.read_file("home/.databricks/token-cache.json")
        assert (f.file_type, f.mode, f.content) == ("regular", 0o644, b"{}")
        assert sb.read_file("other/raw.bin").content == b"\x00\x01\xff"
        link = sb.read_file("home/link.json")
        assert link.file_type == "symlink" and link.content == b"{}"
        assert link.link_target == ".databricks/token-cache.json"
        d = sb.read_dir("home/.databricks")
        assert d.mode == 0o700 and d.listing == ("token-cache.json",)
        assert sb.read_dir("home").mode == 0o755
        assert sb.read_file("home/missing").file_type == "absent"
    assert not root.exists()


def test_unwritable_directory_is_still_removed(tmp_path: Path) -> None:
    """A case that makes a directory 0500/0000 does not leak its sandbox."""
    spec = Sandbox(
        dirs=(DirSpec(path="locked/inner", mode=0o000), DirSpec(path="locked", mode=0o500)),
        files=(FileSpec(path="locked/inner/f", content=b"x"),),
    )
    with CaseSandbox(spec=spec, parent=tmp_path) as sb:
        assert os.stat(sb.root / "locked").st_mode & 0o777 == 0o500
    assert list(tmp_path.iterdir()) == []


def test_env_paths_resolve_under_root(tmp_path: Path) -> None:
    """Case env values become absolute paths inside the sandbox; null stays unset."""
    with CaseSandbox(spec=Sandbox(), parent=tmp_path) as sb:
        env = sb.resolve_env({"HOME": "home", "XDG": None})
        assert env == {"HOME": str(sb.root / "home"), "XDG": None}
