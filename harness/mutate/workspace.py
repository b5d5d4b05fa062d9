"""A worker's copy of the module and the build of one mutant through the user's testee main.

The testee directory is never written: the build uses `go build -modfile` with a
copy of its go.mod (and go.sum) in the workspace, edited to `replace` the module
with the workspace's copy. Relative replace paths of the original go.mod are made
absolute, since the copy lives elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.exceptions import MutationSetupError
from harness.mutate.gotool import GoTool, tail
from harness.mutate.mutants import Mutant
from harness.mutate.proc import run_bounded

GO_MOD_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class BuildResult:
    """What building one mutant (or the baseline) gave."""

    ok: bool
    seconds: float
    timed_out: bool = False
    output: str = ""


def _mod_json(*, tool: GoTool, directory: Path, modfile: Path | None = None) -> dict[str, Any]:
    args = ["mod", "edit", "-json"]
    if modfile is not None:
        args.insert(2, f"-modfile={modfile}")
    done = tool.run(args=args, cwd=directory, timeout=GO_MOD_TIMEOUT_SECONDS)
    if done.returncode != 0:
        raise MutationSetupError(
            f"{directory}: cannot read go.mod: {tail(text=done.stdout + done.stderr)}")
    doc: dict[str, Any] = json.loads(done.stdout)
    return doc


def module_path(*, tool: GoTool, module: Path) -> str:
    """The module path declared by `module`/go.mod."""
    if not (module / "go.mod").is_file():
        raise MutationSetupError(f"{module}: no go.mod (--module names a Go module's root)")
    path = (_mod_json(tool=tool, directory=module).get("Module") or {}).get("Path")
    if not isinstance(path, str) or not path:
        raise MutationSetupError(f"{module}/go.mod declares no module path")
    return path


def _writable_copy(*, source: Path, dest: Path) -> None:
    # The module cache is read-only; copy bytes, not modes, and make every directory
    # writable so the copy can be mutated and removed.
    shutil.copytree(source, dest, symlinks=True, copy_function=shutil.copyfile)
    for directory, _dirs, _files in os.walk(dest):
        os.chmod(directory, 0o755)


class Workspace:
    """One worker's module copy and build files; builds one mutant at a time."""

    def __init__(self, *, tool: GoTool, base: Path, module: Path, module_path: str,
                 testee: Path) -> None:
        self.tool = tool
        self.base = base
        self.module = base / "module"
        self.module_path = module_path
        self.testee = testee
        self.modfile = base / "testee.mod"
        base.mkdir(parents=True)
        _writable_copy(source=module, dest=self.module)
        self._write_modfile()

    def _write_modfile(self) -> None:
        if not (self.testee / "go.mod").is_file():
            raise MutationSetupError(f"{self.testee}: no go.mod (--testee names a main package)")
        shutil.copyfile(self.testee / "go.mod", self.modfile)
        if (self.testee / "go.sum").is_file():
            shutil.copyfile(self.testee / "go.sum", self.modfile.with_suffix(".sum"))
        doc = _mod_json(tool=self.tool, directory=self.testee, modfile=self.modfile)
        required = {r.get("Path") for r in doc.get("Require") or ()}
        if self.module_path not in required:
            raise MutationSetupError(
                f"{self.testee}/go.mod does not require {self.module_path}: the testee must "
                "build the module being mutated"
            )
        edits: list[str] = []
        for rep in doc.get("Replace") or ():
            old, new = rep.get("Old") or {}, rep.get("New") or {}
            old_spec = old.get("Path", "") + (f"@{old['Version']}" if old.get("Version") else "")
            if old.get("Path") == self.module_path:
                edits.append(f"-dropreplace={old_spec}")
            elif not new.get("Version") and not os.path.isabs(new.get("Path", "")):
                # A directory replacement: relative to the testee, which the copy is not in.
                absolute = (self.testee / new["Path"]).resolve()
                edits.append(f"-replace={old_spec}={absolute}")
        edits.append(f"-replace={self.module_path}={self.module}")
        done = self.tool.run(args=["mod", "edit", f"-modfile={self.modfile}", *edits],
                             cwd=self.testee, timeout=GO_MOD_TIMEOUT_SECONDS)
        if done.returncode != 0:
            raise MutationSetupError(
                f"editing the build's go.mod failed: {tail(text=done.stdout + done.stderr)}")

    def build(self, *, mutant: Mutant | None, out: Path, timeout: float) -> BuildResult:
        """Build the testee with `mutant` applied (None: the unmutated baseline) into `out`."""
        path = self.module / mutant.file if mutant is not None else None
        original = path.read_bytes() if path is not None else b""
        if path is not None and mutant is not None:
            path.write_bytes(mutant.apply(source=original))
        out.parent.mkdir(parents=True, exist_ok=True)
        # -p 1: the workers already build side by side; each build keeps to one job.
        args = ["build", "-p", "1", f"-modfile={self.modfile}", "-trimpath", "-o", str(out), "."]
        try:
            done = run_bounded(args=[self.tool.go, *args], cwd=self.testee,
                               env=self.tool.environ(), timeout=timeout)
        finally:
            if path is not None:
                path.write_bytes(original)
        if done.timed_out:
            return BuildResult(ok=False, seconds=done.seconds, timed_out=True,
                               output=f"go build timed out after {timeout:g}s")
        return BuildResult(ok=done.returncode == 0 and out.is_file(), seconds=done.seconds,
                           output=tail(text=done.stdout + done.stderr))
