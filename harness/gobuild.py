"""Build the Go SDK testees (adapters/go/sdk-*) once into a content-addressed cache.

A binary's path carries a hash of its testee's and the kit's go.mod, go.sum and
*.go files plus the toolchain version, so any change rebuilds and an unchanged
tree reuses the binary. Builds never write the caller's home directory.

Run ``python -m harness.gobuild`` to build every testee and list the results.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from harness.progress import Progress

GO_ADAPTERS = Path("adapters/go")
KIT_DIR = GO_ADAPTERS / "conformance"
TESTEE_GLOB = "sdk-*"
BUILD_TIMEOUT_SECONDS = 900.0
OUTPUT_TAIL_LINES = 20
PARALLEL_BUILDS = 2


@dataclass(frozen=True)
class GoTestee:
    """A built Go testee: its harness name, the command that serves protocol v1, its source."""

    name: str
    command: tuple[str, ...]
    source: Path


@dataclass(frozen=True)
class GoUnavailable:
    """A Go testee that could not be built, and why."""

    name: str
    reason: str


def go_testee_name(*, source: Path) -> str:
    """The harness name of a testee directory: ``sdk-v0.129.0`` -> ``go-sdk@v0.129.0``."""
    return "go-sdk@" + source.name.removeprefix("sdk-")


def _version_key(source: Path) -> tuple[tuple[int, ...], str]:
    numbers = tuple(int(n) for n in re.findall(r"\d+", source.name))
    return numbers, source.name


def find_testee_dirs(*, repo_root: Path) -> list[Path]:
    """Every ``adapters/go/sdk-*`` directory with a go.mod, newest SDK release first."""
    base = repo_root / GO_ADAPTERS
    dirs = [d for d in base.glob(TESTEE_GLOB) if (d / "go.mod").is_file()]
    return sorted(dirs, key=_version_key, reverse=True)


def _source_files(directory: Path) -> Iterable[Path]:
    for path in sorted(directory.rglob("*")):
        if path.is_file() and (path.name in ("go.mod", "go.sum") or path.suffix == ".go"):
            yield path


def source_hash(*, testee_dir: Path, kit_dir: Path, toolchain: str) -> str:
    """Hash of everything that determines a testee binary (hex, 16 characters)."""
    digest = hashlib.sha256(toolchain.encode())
    for label, directory in (("testee", testee_dir), ("kit", kit_dir)):
        for path in _source_files(directory):
            rel = path.relative_to(directory).as_posix()
            digest.update(f"\0{label}/{rel}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_env(*, repo_root: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for ``go build``: read-only module graph, local toolchain, no HOME writes."""
    env = dict(os.environ if base is None else base)
    go_root = repo_root / ".cache" / "go"
    # Module cache files are read-only by default; -modcacherw keeps .cache deletable.
    env["GOFLAGS"] = "-mod=readonly -modcacherw -buildvcs=false"
    env["GOTOOLCHAIN"] = "local"
    env["GOENV"] = "off"
    env["GOPATH"] = str(go_root / "path")
    env.setdefault("GOMODCACHE", str(go_root / "mod"))
    env.setdefault("GOCACHE", str(go_root / "build"))
    # Telemetry counters go to the user config dir, which defaults under HOME.
    home = go_root / "home"
    env["HOME"] = str(home)
    env["XDG_CONFIG_HOME"] = str(home / ".config")
    return env


def _tail(text: str) -> str:
    return "\n".join(text.rstrip().splitlines()[-OUTPUT_TAIL_LINES:])


def _toolchain_version(go: str, env: Mapping[str, str]) -> str:
    done = subprocess.run(
        [go, "version"], env=dict(env), capture_output=True, text=True, timeout=60, check=False
    )
    return done.stdout.strip() or done.stderr.strip()


def _binary_path(*, source: Path, repo_root: Path, cache_dir: Path, toolchain: str) -> Path:
    digest = source_hash(testee_dir=source, kit_dir=repo_root / KIT_DIR, toolchain=toolchain)
    return cache_dir / f"{source.name}-{digest}" / source.name


def _is_built(binary: Path) -> bool:
    return binary.is_file() and os.access(binary, os.X_OK)


def _build_one(
    *,
    source: Path,
    repo_root: Path,
    cache_dir: Path,
    go: str,
    env: Mapping[str, str],
    toolchain: str,
) -> GoTestee | GoUnavailable:
    name = go_testee_name(source=source)
    binary = _binary_path(source=source, repo_root=repo_root, cache_dir=cache_dir,
                          toolchain=toolchain)
    if _is_built(binary):
        return GoTestee(name=name, command=(str(binary),), source=source)
    binary.parent.mkdir(parents=True, exist_ok=True)
    partial = binary.with_name(f".{source.name}.{os.getpid()}.partial")
    command = [go, "build", "-trimpath", "-o", str(partial), "."]
    shown = " ".join([*command[:-2], str(binary), "."])
    try:
        done = subprocess.run(
            command,
            cwd=source,
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        partial.unlink(missing_ok=True)
        return GoUnavailable(
            name=name,
            reason=f"build timed out after {BUILD_TIMEOUT_SECONDS:g}s: {shown} (in {source})",
        )
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        output = _tail(done.stdout + done.stderr)
        return GoUnavailable(
            name=name,
            reason=f"build failed: {shown} (in {source}) exited {done.returncode}:\n{output}",
        )
    # Renaming into place keeps concurrent harness runs from seeing half a binary.
    os.replace(partial, binary)
    prune_old_builds(cache_dir=cache_dir, testee=source.name, keep=binary.parent.name)
    return GoTestee(name=name, command=(str(binary),), source=source)


def prune_old_builds(*, cache_dir: Path, testee: str, keep: str) -> list[Path]:
    """Remove the cache folders of a testee's earlier builds (all but `keep`); returns them.

    A process still running an old binary keeps it open, so removal is safe on POSIX.
    """
    pattern = re.compile(re.escape(testee) + r"-[0-9a-f]{16}")
    removed: list[Path] = []
    for folder in sorted(cache_dir.iterdir()):
        if folder.name != keep and pattern.fullmatch(folder.name) and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def toolchain_missing(
    *, repo_root: Path, sources: Sequence[Path], go: str | None = None
) -> dict[str, str] | None:
    """Why each testee cannot be built when no go command is on PATH; None when one is.

    Cheap (no build, no subprocess), so selecting implementations can tell early.
    """
    if go is not None or shutil.which("go") is not None:
        return None
    root = repo_root.resolve()
    return {
        go_testee_name(source=s): "go toolchain not found on PATH (needed to build "
        f"{s.resolve().relative_to(root).as_posix()})"
        for s in sources
    }


def discover_go_testees(
    *,
    repo_root: Path,
    cache_dir: Path | None = None,
    go: str | None = None,
    include: Callable[[str], bool] | None = None,
    progress: TextIO | None = None,
) -> list[GoTestee | GoUnavailable]:
    """Build (or reuse) the Go SDK testees; one entry per ``adapters/go/sdk-*`` directory
    whose harness name `include` accepts (default: all).

    When anything must be built (the first use, or a changed source), progress goes
    to `progress` (default stderr; see harness/progress.py); reuse is silent.
    """
    repo_root = repo_root.resolve()
    sources = [
        s for s in find_testee_dirs(repo_root=repo_root)
        if include is None or include(go_testee_name(source=s))
    ]
    missing = toolchain_missing(repo_root=repo_root, sources=sources, go=go)
    if missing is not None:
        return [GoUnavailable(name=n, reason=why) for n, why in missing.items()]
    go = go if go is not None else shutil.which("go")
    assert go is not None
    cache_dir = (cache_dir if cache_dir is not None else repo_root / ".cache" / "testees").resolve()
    env = build_env(repo_root=repo_root)
    try:
        toolchain = _toolchain_version(go, env)
    except (OSError, subprocess.SubprocessError) as exc:
        return [
            GoUnavailable(name=go_testee_name(source=s), reason=f"{go} version: {exc}")
            for s in sources
        ]
    pending = [
        go_testee_name(source=s) for s in sources
        if not _is_built(_binary_path(source=s, repo_root=repo_root, cache_dir=cache_dir,
                                      toolchain=toolchain))
    ]
    if not pending:
        return [_build_one(source=s, repo_root=repo_root, cache_dir=cache_dir, go=go, env=env,
                           toolchain=toolchain) for s in sources]
    bar = Progress(label=f"building {len(pending)} Go testee(s)", total=len(pending),
                   unit="built", stream=progress, ticking=True)
    bar.note(text=f"go build: {', '.join(pending)} (first use of this source and toolchain; "
             "about a minute each, two at a time)")

    def build(source: Path) -> GoTestee | GoUnavailable:
        name = go_testee_name(source=source)
        started = time.monotonic()
        result = _build_one(source=source, repo_root=repo_root, cache_dir=cache_dir, go=go,
                            env=env, toolchain=toolchain)
        if name in pending:
            seconds = time.monotonic() - started
            verdict = "built" if isinstance(result, GoTestee) else "FAILED"
            bar.advance(detail=f"{name} {verdict} in {seconds:.0f}s")
        return result

    with bar, ThreadPoolExecutor(max_workers=PARALLEL_BUILDS) as pool:
        futures = [pool.submit(build, s) for s in sources]
        return [f.result() for f in futures]


def main(argv: Sequence[str] | None = None) -> int:
    """Build all Go testees and print one line each; exit 1 if any is unavailable."""
    parser = argparse.ArgumentParser(prog="python -m harness.gobuild", description=__doc__)
    parser.add_argument("--repo-root", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--cache-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    results = discover_go_testees(repo_root=args.repo_root, cache_dir=args.cache_dir)
    for result in results:
        if isinstance(result, GoTestee):
            print(f"{result.name}\t{' '.join(result.command)}")
        else:
            print(f"{result.name}\tunavailable: {result.reason}")
    return 0 if all(isinstance(r, GoTestee) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
