"""The spec's fault field and edit steps: parsed, validated, and named with file/case/field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tcc_helpers import OPEN, case, store

from harness.spec import load_cases
from harness.stepspec import Edit, Fault

CF = "home/.databricks/token-cache.json"


def _load(project: Path, write_cases: Any, *steps: dict[str, Any]) -> Any:
    write_cases("f", [case("f.one", *steps)])
    return load_cases(cases_dir=project / "golden" / "cases")


def test_faults_parse_and_stay_out_of_the_request_fields(project: Path, write_cases) -> None:
    """Each fault kind becomes a Fault on its step; `fault` is not a request field."""
    loaded = _load(
        project, write_cases,
        {**OPEN, "fault": {"kind": "disk_full"}},
        store("k", fault={"kind": "file_size_limit", "bytes": 16}),
        {"op": "lookup", "key": "k", "fault": {"kind": "immutable", "path": "home/./x"}},
    )
    assert loaded.errors == ()
    (c,) = loaded.cases
    assert [s.fault for s in c.steps] == [
        Fault(kind="disk_full"),
        Fault(kind="file_size_limit", limit=16),
        Fault(kind="immutable", path="home/x"),
    ]
    assert all("fault" not in s.fields for s in c.steps)
    assert "home/x" in c.named_paths()


@pytest.mark.parametrize(
    ("fault", "field", "text"),
    [
        ({"kind": "file_size_limit"}, "steps[1].fault", "bytes"),
        ({"kind": "file_size_limit", "bytes": -1}, "steps[1].fault", "minimum"),
        ({"kind": "disk_full", "bytes": 3}, "steps[1].fault", "Unevaluated properties"),
        ({"kind": "quota"}, "steps[1].fault", "quota"),
        ({"kind": "immutable", "path": "../out"}, "steps[1].fault.path", "'..' is not allowed"),
        ({"kind": "immutable", "path": "/etc/passwd"}, "steps[1].fault.path", "relative"),
    ],
)
def test_bad_faults_are_load_errors_naming_the_field(
    project: Path, write_cases, fault: dict[str, Any], field: str, text: str
) -> None:
    """A malformed or unsafe fault is an error naming file, case and field; nothing runs."""
    loaded = _load(project, write_cases, OPEN, store("k", fault=fault))
    assert loaded.cases == ()
    (err,) = loaded.errors
    assert (err.file, err.case) == ("f.json", "f.one")
    assert err.field.startswith(field) and text in err.message, err


def test_edit_steps_parse_each_action(project: Path, write_cases) -> None:
    """text, base64, symlink, remove, directory and a bare mode each give their Edit."""
    loaded = _load(
        project, write_cases, OPEN,
        {"op": "edit", "path": CF, "text": "{}"},
        {"op": "edit", "path": CF, "base64": "AAE=", "mode": "0644"},
        {"op": "edit", "path": CF, "symlink": "../other.json"},
        {"op": "edit", "path": CF, "remove": True},
        {"op": "edit", "path": CF, "directory": True},
        {"op": "edit", "path": CF, "mode": "0400"},
    )
    assert loaded.errors == ()
    (c,) = loaded.cases
    assert [s.edit for s in c.steps[1:]] == [
        Edit(path=CF, action="write", content=b"{}", mode=0o600),
        Edit(path=CF, action="write", content=b"\x00\x01", mode=0o644),
        Edit(path=CF, action="symlink", target="../other.json"),
        Edit(path=CF, action="remove"),
        Edit(path=CF, action="directory", mode=0o700),
        Edit(path=CF, action="chmod", mode=0o400),
    ]
    assert all(s.harness_side for s in c.steps[1:]) and not c.steps[0].harness_side
    assert CF in c.named_paths()
    assert c.final_file() == CF  # edits do not move the final file like an open does


@pytest.mark.parametrize(
    ("edit", "field", "text"),
    [
        ({"path": CF}, "steps[1]", "is not valid under any of the given schemas"),
        ({"path": CF, "text": "a", "remove": True}, "steps[1]", "one thing"),
        ({"path": CF, "symlink": "x", "mode": "0600"}, "steps[1].mode", "cannot be combined"),
        ({"path": CF, "text": "a", "expect": {"ok": {}}}, "steps[1]", "should not be valid"),
        ({"path": CF, "text": "a", "fault": {"kind": "disk_full"}}, "steps[1]",
         "should not be valid"),
        ({"path": CF, "symlink": "../../../x"}, "steps[1].symlink", "leaves the sandbox"),
        ({"path": CF, "symlink": "/etc"}, "steps[1].symlink", "must be relative"),
        ({"path": "../x", "text": "a"}, "steps[1].path", "'..' is not allowed"),
        ({"path": CF, "base64": "!!"}, "steps[1].base64", "invalid base64"),
        ({"path": CF, "remove": False}, "steps[1].remove", "True was expected"),
    ],
)
def test_bad_edits_are_load_errors_naming_the_field(
    project: Path, write_cases, edit: dict[str, Any], field: str, text: str
) -> None:
    """An edit that does nothing, several things, escapes or answers is refused at load."""
    loaded = _load(project, write_cases, OPEN, {"op": "edit", **edit})
    assert loaded.cases == ()
    (err,) = loaded.errors
    assert err.case == "f.one" and err.field == field and text in err.message, err


def test_an_open_steps_env_is_merged_over_the_case_env(project: Path, write_cases) -> None:
    """`open` may carry its own env: checked like the case's, sent merged, and it moves the
    default final file with its HOME."""
    from harness.protocol import OpenRequest
    from harness.runner import build_request
    from harness.sandbox import CaseSandbox

    loaded = _load(project, write_cases, OPEN,
                   {"op": "open", "env": {"HOME": "other", "TMPDIR": None, "X": ""}})
    assert loaded.errors == ()
    (c,) = loaded.cases
    assert c.final_file() == "other/.databricks/token-cache.json"
    assert "other" in c.named_paths()
    with CaseSandbox(spec=c.sandbox) as sb:
        req = build_request(step=c.steps[1], case=c, sandbox=sb)
        first = build_request(step=c.steps[0], case=c, sandbox=sb)
        assert isinstance(req, OpenRequest) and isinstance(first, OpenRequest)
        assert dict(req.env) == {"HOME": f"{sb.root}/other", "TMPDIR": None, "X": ""}
        assert dict(first.env) == {"HOME": f"{sb.root}/home"}
    bad = _load(project, write_cases, {"op": "open", "env": {"HOME": "../up"}})
    (err,) = bad.errors
    assert err.field == "steps[0].env.HOME" and "'..' is not allowed" in err.message
