"""The Go side: the toolchain and its environment, and the operator program in adapters/go/mutate.

Every go command here runs with GOPATH, GOMODCACHE and GOCACHE under the project's
.cache/go (whatever the caller's environment says), a HOME there too, and
GOTOOLCHAIN=local, so nothing is written to the real home directory.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.exceptions import MutationSetupError
from harness.gobuild import build_env
from harness.mutate.mutants import Mutant, Target, parse_mutants

TOOL_DIR = Path("adapters") / "go" / "mutate"
TOOL_TIMEOUT_SECONDS = 300.0
OUTPUT_TAIL_LINES = 15


@dataclass(frozen=True)
class GoTool:
    """The go command and the environment every build of a `mutate` run uses."""

    go: str
    env: tuple[tuple[str, str], ...]
    root: Path  # project root: .cache lives here

    @classmethod
    def find(cls, *, root: Path, go: str | None = None) -> GoTool:
        """The go on PATH (or `go`), with the project's cache directories forced."""
        found = go or shutil.which("go")
        if found is None:
            raise MutationSetupError("go toolchain not found on PATH (mutate builds Go code)")
        env = build_env(repo_root=root)
        cache = root / ".cache" / "go"
        # build_env keeps a caller's GOMODCACHE/GOCACHE; mutant builds never do.
        env["GOMODCACHE"] = str(cache / "mod")
        env["GOCACHE"] = str(cache / "build")
        return cls(go=found, env=tuple(sorted(env.items())), root=root)

    def environ(self) -> dict[str, str]:
        """The environment as a dict for subprocess."""
        return dict(self.env)

    def run(self, *, args: Sequence[str], cwd: Path,
            timeout: float) -> subprocess.CompletedProcess[str]:
        """Run `go ARGS` in `cwd`; a timeout or a missing go raises MutationSetupError."""
        try:
            return subprocess.run(
                [self.go, *args], cwd=cwd, env=self.environ(), capture_output=True, text=True,
                timeout=timeout, check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise MutationSetupError(
                f"go {' '.join(args)} (in {cwd}) timed out after {timeout:g}s"
            ) from exc
        except OSError as exc:
            raise MutationSetupError(f"cannot run {self.go}: {exc}") from exc


def tail(*, text: str) -> str:
    """The last lines of a command's output, for error messages."""
    return "\n".join(text.rstrip().splitlines()[-OUTPUT_TAIL_LINES:])


def _tool_hash(*, source: Path, version: str) -> str:
    digest = hashlib.sha256(version.encode())
    for path in sorted(source.iterdir()):
        if path.is_file() and (path.suffix == ".go" or path.name == "go.mod"):
            digest.update(f"\0{path.name}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_operator_tool(*, tool: GoTool) -> Path:
    """Build adapters/go/mutate once per source and toolchain into .cache/mutate-tool."""
    source = tool.root / TOOL_DIR
    if not (source / "go.mod").is_file():
        raise MutationSetupError(f"the operator program is missing: {source}/go.mod")
    version = tool.run(args=["version"], cwd=source, timeout=60).stdout.strip()
    binary = tool.root / ".cache" / "mutate-tool" / _tool_hash(source=source, version=version)
    binary = binary / "mutate"
    if binary.is_file() and os.access(binary, os.X_OK):
        return binary
    binary.parent.mkdir(parents=True, exist_ok=True)
    partial = binary.with_name(f".mutate.{os.getpid()}.partial")
    done = tool.run(args=["build", "-trimpath", "-o", str(partial), "."], cwd=source,
                    timeout=TOOL_TIMEOUT_SECONDS)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise MutationSetupError(
            f"building the operator program in {source} failed:\n"
            f"{tail(text=done.stdout + done.stderr)}"
        )
    os.replace(partial, binary)
    return binary


def list_mutants(*, tool: GoTool, program: Path, module: Path,
                 targets: Sequence[Target]) -> tuple[Mutant, ...]:
    """Every mutant of `targets` in the module at `module`, in file and position order."""
    if not targets:
        raise MutationSetupError("no --target: name the files (or directories) to mutate")
    args = ["-root", str(module)]
    for t in targets:
        args += ["-target", t.flag()]
    try:
        done = subprocess.run(
            [str(program), *args], env=tool.environ(), capture_output=True, text=True,
            timeout=TOOL_TIMEOUT_SECONDS, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MutationSetupError(f"listing mutants with {program} failed: {exc}") from exc
    if done.returncode != 0:
        raise MutationSetupError(f"listing mutants failed: {tail(text=done.stderr)}")
    return parse_mutants(text=done.stdout)
