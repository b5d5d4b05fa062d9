"""Choosing implementations: filters apply to names before any Go testee is built."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
from tcc_helpers import fake_command

import harness.gobuild as gobuild
from harness.exceptions import UsageError
from harness.impls import select_impls
from harness.pool import TesteePool


@pytest.fixture
def builds(project: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Two Go testee folders in the project; records which ones get built (nothing is run)."""
    for version in ("v1.0.0", "v2.0.0"):
        d = project / "adapters" / "go" / f"sdk-{version}"
        d.mkdir(parents=True)
        (d / "go.mod").write_text(f"module x/sdk-{version}\n")
    built: list[str] = []

    def fake_build(*, source: Path, extra: str = "", **_: Any) -> gobuild.GoTestee:
        built.append(f"{source.name}+{extra}" if extra else source.name)
        return gobuild.GoTestee(name=gobuild.go_testee_name(source=source, toolchain=extra),
                                command=("/bin/true",), source=source, toolchain=extra)

    def fake_toolchain(*, go: str, repo_root: Path, extra: str) -> Any:
        return gobuild._Toolchain(extra=extra, env={}, version=f"go version {extra or 'go0'}")

    monkeypatch.setattr(gobuild, "_build_one", fake_build)
    monkeypatch.setattr(gobuild, "_resolve_toolchain", fake_toolchain)
    monkeypatch.setattr(gobuild.shutil, "which", lambda name: "/fake/bin/go")
    return built


def _names(project: Path, **kw: Any) -> list[str]:
    return [t.name for t in select_impls(repo_root=project, **kw).testees]


def _start_all(project: Path, **kw: Any) -> list[str]:
    selection = select_impls(repo_root=project, **kw)
    pool = TesteePool(testees=selection.testees)
    try:
        pool.start_all()
    finally:
        pool.close()
    return [t.name for t in selection.testees]


def test_selecting_builds_nothing(project: Path, builds: list[str]) -> None:
    """Choosing implementations (and so collecting tests) compiles no Go testee."""
    # Newest release first, each next to its go1.27.3 build.
    assert _names(project) == [
        "reference", "reference+go1.27.3", "go-sdk@v2.0.0", "go-sdk@v2.0.0+go1.27.3",
        "go-sdk@v1.0.0", "go-sdk@v1.0.0+go1.27.3",
    ]
    assert builds == []


def test_only_reference_builds_no_go_testee(project: Path, builds: list[str]) -> None:
    """--only-impl reference never builds a Go testee, even when started."""
    assert _start_all(project, only=("reference",)) == ["reference"]
    assert _start_all(project, only=("reference+go1.27.3",)) == ["reference+go1.27.3"]
    assert builds == []


def test_only_and_skip_build_just_what_runs(project: Path, builds: list[str]) -> None:
    """Only the selected Go testees are built, on first start; skipped ones are not."""
    assert _start_all(project, only=("go-sdk@v1.0.0",)) == ["go-sdk@v1.0.0"]
    assert builds == ["sdk-v1.0.0"]
    builds.clear()
    assert _start_all(project, only=("go-sdk@v1.0.0+go1.27.3",)) == ["go-sdk@v1.0.0+go1.27.3"]
    assert builds == ["sdk-v1.0.0+go1.27.3"]
    builds.clear()
    assert _start_all(project, skip=("go-sdk@v2.0.0", "go-sdk@v2.0.0+go1.27.3")) == [
        "reference", "reference+go1.27.3", "go-sdk@v1.0.0", "go-sdk@v1.0.0+go1.27.3"
    ]
    assert builds == ["sdk-v1.0.0", "sdk-v1.0.0+go1.27.3"]
    builds.clear()
    assert _start_all(project) == [
        "reference", "reference+go1.27.3", "go-sdk@v2.0.0", "go-sdk@v2.0.0+go1.27.3",
        "go-sdk@v1.0.0", "go-sdk@v1.0.0+go1.27.3",
    ]
    assert sorted(builds) == [
        "sdk-v1.0.0", "sdk-v1.0.0+go1.27.3", "sdk-v2.0.0", "sdk-v2.0.0+go1.27.3"
    ]


def test_unknown_and_clashing_names_fail_before_building(
    project: Path, builds: list[str]
) -> None:
    """An unknown --only-impl name or an --impl clashing with a Go name is a usage error."""
    with pytest.raises(UsageError, match=r"unknown implementation\(s\) \['go-sdk@v3'\]"):
        select_impls(repo_root=project, only=("go-sdk@v3",))
    with pytest.raises(UsageError, match=r"go-sdk@v1\.0\.0: an implementation with that name"):
        select_impls(repo_root=project, extra=("go-sdk@v1.0.0=" + shlex.join(fake_command()),))
    assert builds == []
