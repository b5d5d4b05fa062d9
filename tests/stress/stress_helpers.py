"""Helpers for the stress tests: the planted-bug fake writer and resolved implementations."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.options import require_go_default
from harness.stress.plan import ResolvedImpl, resolve_impls

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FAKE_WRITER = HERE / "stress_fake_writer.py"
GO = "go-sdk@v0.129.0"

Resolve = Callable[..., dict[str, ResolvedImpl]]


def fake_impl(*, mode: str, locking: bool = False) -> ResolvedImpl:
    """The fake writer in `mode` (see stress_fake_writer.py), started with sys.executable."""
    command = (sys.executable, str(FAKE_WRITER), mode)
    return ResolvedImpl(name=f"fake-{mode}" + ("+lock" if locking else ""),
                        command=(*command, "--lock") if locking else command, locking=locking)


def resolve_or_skip(*names: str) -> dict[str, ResolvedImpl]:
    """Resolve implementation names; Go ones skip (or fail, when Go is required) if unbuilt."""
    resolution = resolve_impls(names=names, repo_root=REPO)
    if resolution.errors:
        why = "; ".join(resolution.errors)
        if require_go_default():
            pytest.fail(f"unavailable but TOKENCACHE_COMPAT_REQUIRE_GO is set: {why}")
        pytest.skip(f"unavailable (Go toolchain or build missing): {why}")
    return resolution.impls
