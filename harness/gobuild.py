"""Build the Go testees (adapters/go/sdk-*, adapters/go/example-*) once into a
content-addressed cache.

`sdk-*` are the SDK release columns of every run; `example-*` are worked
examples (docs/go-kit.md), built and run only when a run names them
(`--only-impl example-storecopy`).

A binary's path carries a hash of its testee's and the kit's go.mod, go.sum and
*.go files plus the toolchain version, so any change rebuilds and an unchanged
tree reuses the binary. Builds never write the caller's home directory.

The toolchain axis: every testee is built with the machine's own Go (its
column keeps the plain name, ``go-sdk@v0.129.0``) and again with each of
``EXTRA_TOOLCHAINS`` (``go-sdk@v0.129.0+go1.27.3``), fetched through the Go
module proxy into ``.cache/go/mod`` by ``GOTOOLCHAIN=<version>``.

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
EXAMPLE_GLOB = "example-*"
BUILD_TIMEOUT_SECONDS = 900.0
OUTPUT_TAIL_LINES = 20
PARALLEL_BUILDS = 2
# Toolchains every testee is also built with, besides the machine's own Go.
EXTRA_TOOLCHAINS: tuple[str, ...] = ("go1.27.3",)


@dataclass(frozen=True)
class GoTestee:
    """A built Go testee: its harness name, the command that serves protocol v1, its source.

    `toolchain` is the extra toolchain it was built with, "" for the machine's own Go.
    """

    name: str
    command: tuple[str, ...]
    source: Path
    toolchain: str = ""


@dataclass(frozen=True)
class GoUnavailable:
    """A Go testee that could not be built, and why."""

    name: str
    reason: str


def go_testee_name(*, source: Path, toolchain: str = "") -> str:
    """The harness name of a testee directory: ``sdk-v0.129.0`` -> ``go-sdk@v0.129.0``,
    built with an extra toolchain ``go-sdk@v0.129.0+go1.27.3``; an example keeps its
    directory's name (``example-storecopy``)."""
    if source.name.startswith("sdk-"):
        name = "go-sdk@" + source.name.removeprefix("sdk-")
    else:
        name = source.name
    return f"{name}+{toolchain}" if toolchain else name


def opt_in(*, name: str) -> bool:
    """True for a testee that runs only when named (the worked examples, not a column)."""
    return name.startswith("example-")


def _version_key(source: Path) -> tuple[tuple[int, ...], str]:
    numbers = tuple(int(n) for n in re.findall(r"\d+", source.name))
    return numbers, source.name


def find_testee_dirs(*, repo_root: Path) -> list[Path]:
    """Every ``adapters/go/sdk-*`` directory with a go.mod, newest SDK release first, then
    every ``adapters/go/example-*`` one by name."""
    base = repo_root / GO_ADAPTERS
    dirs = [d for d in base.glob(TESTEE_GLOB) if (d / "go.mod").is_file()]
    examples = [d for d in base.glob(EXAMPLE_GLOB) if (d / "go.mod").is_file()]
    return sorted(dirs, key=_version_key, reverse=True) + sorted(examples)


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


def build_env(
    *, repo_root: Path, base: Mapping[str, str] | None = None, toolchain: str = ""
) -> dict[str, str]:
    """The environment for ``go build``: read-only module graph, no HOME writes, and
    the machine's own Go (`toolchain` "") or that release via ``GOTOOLCHAIN``."""
    env = dict(os.environ if base is None else base)
    go_root = repo_root / ".cache" / "go"
    # Module cache files are read-only by default; -modcacherw keeps .cache deletable.
    env["GOFLAGS"] = "-mod=readonly -modcacherw -buildvcs=false"
    # Set explicitly every time: a machine starts on its own Go, whatever go.mod says.
    env["GOTOOLCHAIN"] = toolchain or "local"
    env["GOENV"] = "off"
    # Modules and downloaded toolchains (~250 MB each) live under .cache, never in
    # a GOMODCACHE or GOPATH the caller's environment points into their home.
    env["GOPATH"] = str(go_root / "path")
    env["GOMODCACHE"] = str(go_root / "mod")
    env.setdefault("GOCACHE", str(go_root / "build"))
    # Telemetry counters go to the user config dir, which defaults under HOME.
    home = go_root / "home"
    env["HOME"] = str(home)
    env["XDG_CONFIG_HOME"] = str(home / ".config")
    return env


def _tail(text: str) -> str:
    return "\n".join(text.rstrip().splitlines()[-OUTPUT_TAIL_LINES:])


@dataclass(frozen=True)
class _Toolchain:
    """One point of the toolchain axis: its environment and what `go version` said."""

    extra: str  # "" for the machine's own Go
    env: Mapping[str, str]
    version: str = ""
    unavailable: str = ""


def _resolve_toolchain(*, go: str, repo_root: Path, extra: str) -> _Toolchain:
    """Ask `go version` under the build environment (this fetches an extra toolchain)."""
    env = build_env(repo_root=repo_root, toolchain=extra)
    shown = f"GOTOOLCHAIN={env['GOTOOLCHAIN']} {go} version"
    try:
        done = subprocess.run(
            [go, "version"], env=dict(env), capture_output=True, text=True,
            timeout=BUILD_TIMEOUT_SECONDS, check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return _Toolchain(extra=extra, env=env, unavailable=f"{shown}: {exc}")
    version = done.stdout.strip()
    if done.returncode != 0 or not version:
        output = _tail(done.stdout + done.stderr)
        return _Toolchain(
            extra=extra, env=env,
            unavailable=f"{shown} exited {done.returncode}:\n{output}",
        )
    # A Go older than 1.21 ignores GOTOOLCHAIN and would build with itself.
    if extra and f"{extra} " not in f"{version} ":
        return _Toolchain(
            extra=extra, env=env, unavailable=f"{shown} reports {version!r}, not {extra}"
        )
    return _Toolchain(extra=extra, env=env, version=version)


def _binary_path(
    *, source: Path, repo_root: Path, cache_dir: Path, toolchain: str, extra: str = ""
) -> Path:
    digest = source_hash(testee_dir=source, kit_dir=repo_root / KIT_DIR, toolchain=toolchain)
    stem = f"{source.name}+{extra}" if extra else source.name
    return cache_dir / f"{stem}-{digest}" / source.name


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
    extra: str = "",
) -> GoTestee | GoUnavailable:
    name = go_testee_name(source=source, toolchain=extra)
    binary = _binary_path(source=source, repo_root=repo_root, cache_dir=cache_dir,
                          toolchain=toolchain, extra=extra)
    stem = binary.parent.name.rsplit("-", 1)[0]
    if _is_built(binary):
        return GoTestee(name=name, command=(str(binary),), source=source, toolchain=extra)
    binary.parent.mkdir(parents=True, exist_ok=True)
    partial = binary.with_name(f".{source.name}.{os.getpid()}.partial")
    command = [go, "build", "-trimpath", "-o", str(partial), "."]
    shown = " ".join([*command[:-2], str(binary), "."])
    if extra:
        shown = f"GOTOOLCHAIN={extra} {shown}"
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
    prune_old_builds(cache_dir=cache_dir, testee=stem, keep=binary.parent.name)
    return GoTestee(name=name, command=(str(binary),), source=source, toolchain=extra)


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
    *,
    repo_root: Path,
    sources: Sequence[Path],
    go: str | None = None,
    extra_toolchains: Sequence[str] = EXTRA_TOOLCHAINS,
) -> dict[str, str] | None:
    """Why each testee column (one per toolchain) cannot be built when no go command
    is on PATH; None when one is.

    Cheap (no build, no subprocess), so selecting implementations can tell early.
    """
    if go is not None or shutil.which("go") is not None:
        return None
    root = repo_root.resolve()
    return {
        go_testee_name(source=s, toolchain=extra): "go toolchain not found on PATH (needed "
        f"to build {s.resolve().relative_to(root).as_posix()})"
        for s in sources
        for extra in ("", *extra_toolchains)
    }


def column_names(
    *, repo_root: Path, extra_toolchains: Sequence[str] = EXTRA_TOOLCHAINS
) -> list[str]:
    """Every Go column's name, found without building: newest release first, each
    with the machine's Go and then with each extra toolchain."""
    return [
        go_testee_name(source=s, toolchain=extra)
        for s in find_testee_dirs(repo_root=repo_root)
        for extra in ("", *extra_toolchains)
    ]


def discover_go_testees(
    *,
    repo_root: Path,
    cache_dir: Path | None = None,
    go: str | None = None,
    include: Callable[[str], bool] | None = None,
    extra_toolchains: Sequence[str] = EXTRA_TOOLCHAINS,
    progress: TextIO | None = None,
) -> list[GoTestee | GoUnavailable]:
    """Build (or reuse) the Go testees: one entry per ``adapters/go/sdk-*`` directory
    (newest first), then ``adapters/go/example-*`` directory, and toolchain (the
    machine's own Go, then each of `extra_toolchains`) whose harness name `include`
    accepts (default: all).

    When anything must be built (the first use, or a changed source), progress goes
    to `progress` (default stderr; see harness/progress.py); reuse is silent.
    """
    repo_root = repo_root.resolve()
    wanted = [
        (s, extra)
        for s in find_testee_dirs(repo_root=repo_root)
        for extra in ("", *extra_toolchains)
        if include is None or include(go_testee_name(source=s, toolchain=extra))
    ]
    missing = toolchain_missing(
        repo_root=repo_root, sources=list(dict.fromkeys(s for s, _ in wanted)), go=go,
        extra_toolchains=extra_toolchains,
    )
    if missing is not None:
        names = [go_testee_name(source=s, toolchain=extra) for s, extra in wanted]
        return [GoUnavailable(name=n, reason=missing[n]) for n in names]
    go = go if go is not None else shutil.which("go")
    assert go is not None
    cache_dir = (cache_dir if cache_dir is not None else repo_root / ".cache" / "testees").resolve()
    toolchains = {
        extra: _resolve_toolchain(go=go, repo_root=repo_root, extra=extra)
        for extra in dict.fromkeys(extra for _, extra in wanted)
    }
    results: dict[int, GoTestee | GoUnavailable] = {}
    todo: dict[int, tuple[Path, str]] = {}
    for index, (s, extra) in enumerate(wanted):
        tc = toolchains[extra]
        if tc.unavailable:
            results[index] = GoUnavailable(
                name=go_testee_name(source=s, toolchain=extra), reason=tc.unavailable
            )
        else:
            todo[index] = (s, extra)

    def build(source: Path, extra: str) -> GoTestee | GoUnavailable:
        tc = toolchains[extra]
        return _build_one(source=source, repo_root=repo_root, cache_dir=cache_dir, go=go,
                          env=tc.env, toolchain=tc.version, extra=extra)

    pending = [
        go_testee_name(source=s, toolchain=extra) for s, extra in todo.values()
        if not _is_built(_binary_path(source=s, repo_root=repo_root, cache_dir=cache_dir,
                                      toolchain=toolchains[extra].version, extra=extra))
    ]
    if not pending:
        results.update({i: build(s, extra) for i, (s, extra) in todo.items()})
        return [results[index] for index in range(len(wanted))]
    bar = Progress(label=f"building {len(pending)} Go testee(s)", total=len(pending),
                   unit="built", stream=progress, ticking=True)
    bar.note(text=f"go build: {', '.join(pending)} (first use of this source and toolchain; "
             "about a minute each, two at a time)")

    def tracked(source: Path, extra: str) -> GoTestee | GoUnavailable:
        name = go_testee_name(source=source, toolchain=extra)
        started = time.monotonic()
        result = build(source, extra)
        if name in pending:
            seconds = time.monotonic() - started
            verdict = "built" if isinstance(result, GoTestee) else "FAILED"
            bar.advance(detail=f"{name} {verdict} in {seconds:.0f}s")
        return result

    with bar, ThreadPoolExecutor(max_workers=PARALLEL_BUILDS) as pool:
        futures = {i: pool.submit(tracked, s, extra) for i, (s, extra) in todo.items()}
        results.update({i: f.result() for i, f in futures.items()})
    return [results[index] for index in range(len(wanted))]


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
