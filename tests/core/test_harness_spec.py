"""Loading case files: errors name file, case and field; bad files don't stop good ones."""

from __future__ import annotations

from pathlib import Path

from tcc_helpers import OPEN, case, store

from harness.protocol import protocol_op
from harness.spec import load_cases


def test_good_file_loads_with_defaults(project: Path, write_cases) -> None:
    """A minimal case gets the documented defaults (HOME env, umask 022, home dir)."""
    write_cases("a", [case("a.one", OPEN, store("k"))])
    loaded = load_cases(cases_dir=project / "golden" / "cases")
    assert loaded.errors == ()
    (c,) = loaded.cases
    assert c.env == {"HOME": "home"}
    assert c.sandbox.umask == 0o022 and c.sandbox.home
    assert c.final_file() == "home/.databricks/token-cache.json"
    assert [protocol_op(op=s.op) for s in c.steps] == ["open", "store"]


def test_malformed_case_names_file_case_and_field_and_others_still_load(
    project: Path, write_cases
) -> None:
    """A bad field gives an error with file, case id and field path; other files and cases load."""
    write_cases("bad", [case("bad.one", OPEN, {"op": "store", "key": 5, "token": None}),
                        case("bad.two", OPEN)])
    write_cases("good", [case("good.one", OPEN)])
    loaded = load_cases(cases_dir=project / "golden" / "cases")
    assert sorted(c.id for c in loaded.cases) == ["bad.two", "good.one"]
    (err,) = loaded.errors
    assert (err.file, err.case, err.field) == ("bad.json", "bad.one", "steps[1].key")
    assert "bad.json" in str(err) and "bad.one" in str(err) and "steps[1].key" in str(err)


def test_case_without_id_is_named_by_index(project: Path, write_cases) -> None:
    """A case missing its id is reported by its index in the file."""
    write_cases("x", [case("x.ok", OPEN), {"description": "no id", "steps": [OPEN]}])
    loaded = load_cases(cases_dir=project / "golden" / "cases")
    (err,) = loaded.errors
    assert err.case == "#1" and "'id' is a required property" in err.message


def test_unreadable_json_is_a_file_error(project: Path, write_cases) -> None:
    """Invalid JSON is reported against the file, and the run continues with other files."""
    write_cases("broken", raw="{not json")
    write_cases("fine", [case("fine.one", OPEN)])
    loaded = load_cases(cases_dir=project / "golden" / "cases")
    assert [c.id for c in loaded.cases] == ["fine.one"]
    assert loaded.errors[0].file == "broken.json" and loaded.errors[0].case is None


def test_duplicate_ids_across_files_are_rejected(project: Path, write_cases) -> None:
    """The second definition of an id is an error naming the first file."""
    write_cases("a", [case("same.id", OPEN)])
    write_cases("b", [case("same.id", OPEN)])
    loaded = load_cases(cases_dir=project / "golden" / "cases")
    assert len(loaded.cases) == 1
    (err,) = loaded.errors
    assert err.file == "b.json" and "a.json" in err.message


def test_unsafe_paths_are_rejected(project: Path, write_cases) -> None:
    """`..`, absolute paths and symlink targets leaving the sandbox are errors with their field."""
    write_cases("u", [
        case("u.dotdot", {"op": "open", "path": "home/../../etc/x"}),
        case("u.abs", OPEN, final={"file": "/etc/passwd"}),
        case("u.link", OPEN, sandbox={"symlinks": [{"path": "a/l", "target": "../../x"}]}),
        case("u.linkok", OPEN, sandbox={"symlinks": [{"path": "a/l", "target": "../x"}]}),
    ])
    loaded = load_cases(cases_dir=project / "golden" / "cases")
    fields = {e.case: e.field for e in loaded.errors}
    assert fields == {"u.dotdot": "steps[0].path", "u.abs": "final.file",
                      "u.link": "sandbox.symlinks[0].target"}
    assert [c.id for c in loaded.cases] == ["u.linkok"]


def test_bad_expect_and_unknown_field_are_rejected(project: Path, write_cases) -> None:
    """Unknown step fields and bad error kinds fail validation."""
    write_cases("e", [
        case("e.kind", OPEN, {"op": "lookup", "key": "k", "expect": {"error": "boom"}}),
        case("e.extra", {"op": "open", "colour": "red"}),
    ])
    loaded = load_cases(cases_dir=project / "golden" / "cases")
    assert {e.case for e in loaded.errors} == {"e.kind", "e.extra"}
    assert not loaded.cases
