"""Helpers for harness tests: building cases and running the fake testee."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from harness.data import CaseResult, RunResult

FAKE_SCRIPT = Path(__file__).with_name("tcc_fake_testee.py")
# Every in-process reference column (one per modelled toolchain), for tests that
# run only a fake testee.
REFERENCE_NAMES: tuple[str, ...] = ("reference", "reference+go1.27.3")


def skip_references(*, option: str = "--skip-impl") -> list[str]:
    """Command-line options that leave out every in-process reference column."""
    return [arg for name in REFERENCE_NAMES for arg in (option, name)]


def fake_command() -> tuple[str, ...]:
    """argv of the fake testee as a subprocess."""
    return (sys.executable, str(FAKE_SCRIPT))


def case(cid: str, *steps: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A minimal valid case."""
    return {"id": cid, "description": f"case {cid}", "steps": list(steps), **extra}


def store(key: str, token: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A store step."""
    tok = token if token is not None else {"access_token": "a"}
    return {"op": "store", "key": key, "token": tok, **extra}


OPEN: dict[str, Any] = {"op": "open"}


def cell(run: RunResult, *, case_id: str, impl: str) -> CaseResult | None:
    """The result of one cell of a run's matrix, if there is one."""
    return next((r for r in run.results if r.case_id == case_id and r.impl == impl), None)
