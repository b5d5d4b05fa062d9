"""Interop matrix: writer x reader pairs, losses and unreadable files, and its renderings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from diff_helpers import GO_TOOLCHAIN_YARDSTICK, GO_YARDSTICK, go_testees

from harness.interop import (
    ALTERED,
    EXTRA_KEY,
    OK,
    UNREADABLE,
    run_interop,
)
from harness.report.interop import (
    render_interop_json,
    render_interop_markdown,
    render_interop_terminal,
)
from harness.testee import InProcessTestee, SubprocessTestee
from harness.toolchains import reference_testee
from reference_impl.protocol import Session


class OldOauth2Session(Session):
    """Behaves like a release built with oauth2 < v0.23.0: expires_in never reaches the file."""

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        token = request.get("token")
        if isinstance(token, dict):
            request = {**request, "token": {k: v for k, v in token.items() if k != "expires_in"}}
        return super().handle(request)


class PickySession(Session):
    """Refuses to open any cache file it did not create in this session."""

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        if request.get("op") == "open":
            home = (request.get("env") or {}).get("HOME") or ""
            from pathlib import Path

            if (Path(home) / ".databricks" / "token-cache.json").exists():
                return {"id": request.get("id"), "ok": False,
                        "error": {"kind": "error", "message": "load: needs version 2"}}
        return super().handle(request)


def test_reference_pairs_are_all_ok() -> None:
    """Two reference copies keep every token in both directions and on the diagonal."""
    result = run_interop(
        testees=[InProcessTestee(name="reference"), InProcessTestee(name="copy")]
    )
    assert [c.status for c in result.cells] == [OK] * 4, render_interop_terminal(result=result)
    assert result.ok


def test_dropped_expires_in_is_reported_per_pair() -> None:
    """A writer or reader that drops expires_in alters exactly those tokens that carry one."""
    result = run_interop(
        testees=[
            InProcessTestee(name="reference"),
            InProcessTestee(name="old", session_factory=OldOauth2Session),
        ]
    )
    assert result.cell(writer="reference", reader="reference").status == OK  # type: ignore[union-attr]
    cell = result.cell(writer="reference", reader="old")
    assert cell is not None and cell.status == ALTERED
    assert {c.field for c in cell.changes} == {"expires_in"}
    # The old reader wrote the extra token without expires_in; the writer sees that too.
    assert any(c.key == EXTRA_KEY and c.phase == "writer rereads" for c in cell.changes)
    assert cell.summary() == f"{len(cell.changes)} altered (expires_in)"
    assert not result.ok


def test_unreadable_file_is_reported_for_the_side_that_cannot_open() -> None:
    """A reader that cannot open the writer's file makes the cell unreadable by the reader."""
    result = run_interop(
        testees=[InProcessTestee(name="reference"),
                 InProcessTestee(name="picky", session_factory=PickySession)]
    )
    cell = result.cell(writer="reference", reader="picky")
    assert cell is not None and cell.status == UNREADABLE
    assert not cell.readable_by_reader and cell.summary() == "unreadable by reader"
    back = result.cell(writer="picky", reader="reference")
    assert back is not None and back.status == UNREADABLE and not back.readable_by_writer


def test_renderings_show_the_grid() -> None:
    """Terminal, Markdown and JSON all carry every pair and the changes."""
    result = run_interop(
        testees=[InProcessTestee(name="reference"),
                 InProcessTestee(name="old", session_factory=OldOauth2Session)]
    )
    term = render_interop_terminal(result=result)
    assert "writer \\ reader  reference  old" in term and "reference -> old" in term
    md = render_interop_markdown(result=result)
    assert "| writer \\ reader | reference | old |" in md
    assert "| reference | ok |" in md
    doc = json.loads(render_interop_json(result=result))
    assert len(doc["cells"]) == 4 and doc["ok"] is False
    assert {c["status"] for c in doc["cells"]} == {OK, ALTERED}


@pytest.mark.go
def test_go_releases_interop() -> None:
    """The reference and go-sdk@v0.129.0 agree; a v0.20.0-oauth2 release drops expires_in."""
    built = go_testees()
    testees: list[Any] = [InProcessTestee(name="reference")]
    for name in (GO_YARDSTICK, "go-sdk@v0.110.0"):
        if name in built:
            testees.append(SubprocessTestee(name=name, command=built[name].command))
    result = run_interop(testees=testees)
    for w in ("reference", GO_YARDSTICK):
        for r in ("reference", GO_YARDSTICK):
            cell = result.cell(writer=w, reader=r)
            assert cell is not None and cell.status == OK, render_interop_terminal(result=result)
    old = result.cell(writer="reference", reader="go-sdk@v0.110.0")
    if old is not None:
        assert old.status == ALTERED and {c.field for c in old.changes} == {"expires_in"}


@pytest.mark.go
def test_caches_written_by_one_toolchain_read_the_same_on_the_other() -> None:
    """go1.26.8 and go1.27.3 builds (and models) of v0.129.0 hand every token back intact."""
    built = go_testees(needed=GO_TOOLCHAIN_YARDSTICK)
    model = reference_testee(name="reference+go1.27.3")
    assert model is not None
    testees: list[Any] = [InProcessTestee(name="reference"), model]
    for name in (GO_YARDSTICK, GO_TOOLCHAIN_YARDSTICK):
        testees.append(SubprocessTestee(name=name, command=built[name].command))
    result = run_interop(testees=testees)
    names = [t.name for t in testees]
    for w in names:
        for r in names:
            cell = result.cell(writer=w, reader=r)
            assert cell is not None and cell.status == OK, render_interop_terminal(result)
