"""Per-toolchain expectations and golden variants, picked by the implementation's hello."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tcc_helpers import OPEN, case, store

from harness import exceptions
from harness.data import Outcome
from harness.golden import sync_golden
from harness.protocol import Success, parse_hello
from harness.runner import RunOptions, run_case
from harness.spec import Expect, load_cases
from harness.testee import InProcessTestee
from harness.toolchains import (
    ReferenceSession,
    golden_for,
    implementation_toolchain,
    pick_variant,
    reference_names,
    reference_testee,
    reference_variants,
    release_of,
    resolve_case,
    split_golden_name,
)

ESCAPED_Z = (
    '{"version":1,"tokens":{"k":{"access_token":"a","expiry":"2024-01-01T00:00:00\\u005a"}}}'
)
SANDBOX = {
    "dirs": [{"path": "home/.databricks", "mode": "0700"}],
    "files": [{"path": "home/.databricks/token-cache.json", "mode": "0600", "text": ESCAPED_Z}],
}
REFUSED = {"error": "error"}  # go1.26.8 cannot parse the escaped Z


def _rewrite_case(**by_toolchain: Any) -> dict[str, Any]:
    """Open the escaped-Z file, store one token; go1.27.3 can, go1.26.8 cannot."""
    steps = [
        {"op": "open", "expect": REFUSED, "expect_by_toolchain": by_toolchain or {
            "go1.27.3": {"ok": {}}}},
        {"op": "store", "key": "n", "token": {"access_token": "n"}, "expect": {"error": "any"},
         "expect_by_toolchain": {"go1.27.3": {"ok": {}}}},
    ]
    return case("t.rewrite", *steps, sandbox=SANDBOX, final={"golden": True})


def _models() -> tuple[InProcessTestee, InProcessTestee]:
    new = reference_testee(name="reference+go1.27.3")
    assert new is not None
    return InProcessTestee(name="reference"), new


def _run(project: Path, testee: InProcessTestee) -> Any:
    [loaded] = load_cases(cases_dir=project / "golden" / "cases").cases
    testee.start()
    try:
        return run_case(
            case=loaded, testee=testee, options=RunOptions(golden_dir=project / "golden" / "files")
        )
    finally:
        testee.close()


@pytest.mark.parametrize(
    ("variants", "toolchain", "chosen"),
    [
        (["go1.27.3"], "go1.27.3", "go1.27.3"),
        (["go1.27.3"], "go1.28.1", "go1.27.3"),
        (["go1.27.3"], "go1.27.2", None),
        (["go1.27.3"], "go1.26.8", None),
        (["go1.27.3", "go1.28"], "go1.28.0", "go1.28"),
        (["go1.27.3", "go1.28"], "go1.27.9", "go1.27.3"),
        (["go1.27.3", "not-a-toolchain"], "go1.30", "go1.27.3"),
        (["go1.27.3"], None, None),
    ],
)
def test_the_newest_variant_not_newer_than_the_toolchain_applies(
    variants: list[str], toolchain: str | None, chosen: str | None
) -> None:
    """An entry covers its toolchain and later ones, until a later entry takes over."""
    assert pick_variant(variants=variants, toolchain=toolchain) == chosen


@pytest.mark.parametrize(
    ("announced", "toolchain"),
    [
        ("go1.27.3", "go1.27.3"),
        ("go1.26.8-X:jsonv2", "go1.26.8"),
        ("devel go1.28-abcdef", None),
        (None, None),
    ],
)
def test_the_release_at_the_start_of_hello_toolchain_counts(
    announced: str | None, toolchain: str | None
) -> None:
    """go1.26.8-X:jsonv2 is go1.26.8; a devel build or no toolchain names none."""
    assert release_of(announced=announced) == toolchain


def test_only_hellos_toolchain_field_names_the_toolchain() -> None:
    """The field is parsed into Hello; runtime alone names nothing; a non-string is refused."""
    def hello(**extra: Any) -> Any:
        doc = {"protocol": 1, "ops": [], "dual_store_via": [], "runtime": "go1.27.3", **extra}
        return parse_hello(response=Success(id=1, result=doc))

    assert implementation_toolchain(hello=hello(toolchain="go1.27.3")) == "go1.27.3"
    assert implementation_toolchain(hello=hello()) is None
    with pytest.raises(exceptions.TesteeUnavailable, match="toolchain must be a string"):
        hello(toolchain=127)


def test_resolve_case_swaps_in_the_toolchains_expectations(project: Path, write_cases) -> None:
    """Each step with an entry for the toolchain gets it; other steps and toolchains keep theirs."""
    write_cases("t", [_rewrite_case()])
    [loaded] = load_cases(cases_dir=project / "golden" / "cases").cases
    assert loaded.steps[0].expect_by_toolchain == {"go1.27.3": Expect(kind="ok", result={})}
    new = resolve_case(case=loaded, toolchain="go1.27.3")
    assert [s.expect.kind for s in new.steps] == ["ok", "ok"]
    assert resolve_case(case=loaded, toolchain="go1.26.8") is loaded
    assert resolve_case(case=loaded, toolchain=None) is loaded


def test_each_model_passes_with_its_own_expectations_and_golden(project: Path, write_cases) -> None:
    """go1.26.8 must refuse and leave the file; go1.27.3 must read, store and match its variant."""
    write_cases("t", [_rewrite_case()])
    files = project / "golden" / "files"
    (files / "t.rewrite.json").write_text(ESCAPED_Z)
    old, new = _models()
    assert _run(project, old).outcome is Outcome.PASS
    # Without a variant go1.27.3 is held to the go1.26.8 bytes and fails on them.
    missing = _run(project, new)
    assert missing.outcome is Outcome.FAIL and "golden bytes differ" in "\n".join(missing.diffs)
    report = sync_golden(
        cases=load_cases(cases_dir=project / "golden" / "cases").cases, testee=old,
        options=RunOptions(golden_dir=files), update=True, variants=reference_variants(),
    )
    assert [(e.path.name, e.status) for e in report.entries] == [
        ("t.rewrite.json", "unchanged"), ("t.rewrite@go1.27.3.json", "added")
    ]
    assert json.loads((files / "t.rewrite@go1.27.3.json").read_text())["tokens"]["n"]
    assert _run(project, new).outcome is Outcome.PASS
    assert _run(project, old).outcome is Outcome.PASS


def test_a_wrong_toolchain_expectation_fails_only_that_toolchain(
    project: Path, write_cases
) -> None:
    """An override that is wrong for go1.27.3 fails go1.27.3's model, not go1.26.8's."""
    write_cases("t", [_rewrite_case(**{"go1.27.3": {"error": "error"}})])
    (project / "golden" / "files" / "t.rewrite.json").write_text(ESCAPED_Z)
    old, new = _models()
    assert _run(project, old).outcome is Outcome.PASS
    result = _run(project, new)
    assert result.outcome is Outcome.FAIL
    assert result.diffs[0].startswith("step 1 (open): expected error 'error', got success")


def test_golden_check_flags_needless_and_missing_variants(project: Path, write_cases) -> None:
    """--check fails on a variant with the same bytes and on one that is missing; --update
    removes the first and writes the second."""
    write_cases("t", [
        _rewrite_case(),
        case("t.same", OPEN, store("k"), final={"golden": True}),
    ])
    files = project / "golden" / "files"
    old, _ = _models()

    def sync(update: bool) -> Any:
        return sync_golden(
            cases=load_cases(cases_dir=project / "golden" / "cases").cases, testee=old,
            options=RunOptions(golden_dir=files), update=update, variants=reference_variants(),
        )

    sync(update=True)
    assert sorted(p.name for p in files.iterdir()) == [
        "t.rewrite.json", "t.rewrite@go1.27.3.json", "t.same.json"
    ]
    assert sync(update=False).ok
    (files / "t.same@go1.27.3.json").write_bytes((files / "t.same.json").read_bytes())
    (files / "t.rewrite@go1.27.3.json").unlink()
    (files / "t.same@go1.99.json").write_text("{}")
    check = sync(update=False)
    statuses = {e.path.name: e.status for e in check.entries if e.status != "unchanged"}
    assert statuses == {
        "t.rewrite@go1.27.3.json": "missing", "t.same@go1.27.3.json": "stale",
        "t.same@go1.99.json": "stale",
    }
    assert not check.ok
    details = {e.path.name: e.detail for e in check.entries}
    assert details["t.same@go1.27.3.json"] == "go1.27.3 leaves the same bytes as t.same.json"
    assert details["t.same@go1.99.json"] == "the reference does not model go1.99"
    sync(update=True)
    assert sorted(p.name for p in files.iterdir() if not p.name.endswith(".obtained")) == [
        "t.rewrite.json", "t.rewrite@go1.27.3.json", "t.same.json"
    ]
    assert sync(update=False).ok


def test_golden_variant_files_are_found_by_case_and_toolchain(tmp_path: Path) -> None:
    """`<id>@<toolchain>.json` names a variant; another case's or a malformed name does not."""
    for name in ("a.b.json", "a.b@go1.27.3.json", "a.b@go1.28.json", "a.bc@go1.27.3.json",
                 "a.b@latest.json"):
        (tmp_path / name).write_text("{}")
    assert golden_for(golden_dir=tmp_path, case_id="a.b", toolchain="go1.27.5") == (
        tmp_path / "a.b@go1.27.3.json")
    assert golden_for(golden_dir=tmp_path, case_id="a.b", toolchain="go1.29.0") == (
        tmp_path / "a.b@go1.28.json")
    assert golden_for(golden_dir=tmp_path, case_id="a.b", toolchain="go1.26.8") is None
    assert split_golden_name(name="a.b@go1.27.3.json") == ("a.b", "go1.27.3")
    assert split_golden_name(name="a.b.json") == ("a.b", None)


def test_spec_rejects_malformed_toolchain_entries(project: Path, write_cases) -> None:
    """A key that is not a toolchain name, an empty mapping or a bad expect is a load error."""
    bad = [
        {"op": "open", "expect_by_toolchain": {"1.27.3": {"ok": {}}}},
        {"op": "open", "expect_by_toolchain": {}},
        {"op": "open", "expect_by_toolchain": {"go1.27.3": {"error": "maybe"}}},
    ]
    write_cases("t", [case(f"t.bad{i}", step) for i, step in enumerate(bad)])
    loaded = load_cases(cases_dir=project / "golden" / "cases")
    assert loaded.cases == ()
    assert [e.case for e in loaded.errors] == ["t.bad0", "t.bad1", "t.bad2"]
    assert all(e.field.startswith("steps[0]") for e in loaded.errors)


def test_the_reference_offers_one_column_per_modelled_toolchain() -> None:
    """reference and reference+go1.27.3, the latter with a session factory that pickles."""
    assert reference_names() == ["reference", "reference+go1.27.3"]
    [(toolchain, testee)] = reference_variants()
    assert toolchain == "go1.27.3" and testee.session_factory == ReferenceSession("go1.27.3")
    testee.start()
    try:
        assert testee.hello.toolchain == "go1.27.3"
    finally:
        testee.close()
    assert reference_testee(name="reference+go1.99") is None
