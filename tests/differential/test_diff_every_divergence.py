"""`diff` finds every distinct divergence: signatures, rounds, known divergences, file keys."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from planted import (
    StaleLookupIndexSession,
    ThreeBugsSession,
    TypeRenamingSession,
    three_bugs_testee,
)

from harness.cli import main
from harness.data import Outcome
from harness.differential.engine import Engine, build_machine, keys_in_file
from harness.differential.known import parse_known_text
from harness.differential.observe import Answer, DiskState
from harness.differential.options import DiffOptions
from harness.differential.run import DiffResult, run_diff
from harness.differential.signatures import file_difference, parse_signature, signature_of
from harness.exceptions import Divergence
from harness.paths import ProjectPaths
from harness.session import RunConfig, execute_run
from harness.spec import load_case_file
from harness.testee import InProcessTestee, SubprocessTestee

REPO = Path(__file__).resolve().parents[2]
DROPPED_REFRESH = "store: file bytes at tokens.*.refresh_token (structure)"
NULL_TOKENS = "delete: file bytes at tokens (structure)"
WIDE_INDENT = "delete: file bytes at $ (formatting)"
INDENTED = (b'{\n  "version": 1,\n  "tokens": {\n    "k": {\n      "access_token": "a"\n'
            b"    }\n  }\n}")


def test_file_differences_name_a_path_and_a_class() -> None:
    """Value, structure and formatting differences are told apart, token keys become `*`."""
    assert file_difference(a=INDENTED, b=INDENTED.replace(b'"a"', b'"b"')) == (
        "tokens.*.access_token", "value")
    assert file_difference(a=INDENTED, b=INDENTED.replace(b'"k"', b'"j"')) == (
        "tokens.*", "structure")
    empty = b'{\n  "version": 1,\n  "tokens": {}\n}'
    assert file_difference(a=empty, b=empty.replace(b"{}", b"null")) == ("tokens", "structure")
    assert file_difference(a=INDENTED, b=INDENTED.replace(b"\n  ", b"\n    ")) == (
        "$", "formatting")
    assert file_difference(a=INDENTED, b=INDENTED.replace(b'"a"', b'"\\u0061"')) == (
        "tokens.*.access_token", "formatting")
    assert file_difference(a=b'{"version":1,"x":{"y":1}}', b=b'{"version":1,"x":{"y":2}}') == (
        "<unknown>", "value")
    assert file_difference(a=b"{", b=b"{}") == ("$", "structure")


def test_signatures_carry_the_op_and_every_aspect() -> None:
    """A signature names the op and what differed; its text parses back to itself."""
    answers = (Answer(compared={"ok": {}}), Answer(compared={"error": "error", "message": "m"}))
    disks = (DiskState("regular", 0o600, INDENTED, 0o700, ("token-cache.json",)),
             DiskState("regular", 0o644, INDENTED.replace(b'"a"', b'"b"'), 0o700,
                       (".token-cache-*.tmp", "token-cache.json")))
    sig = signature_of(step={"op": "dual_store", "via": "sdk"}, answers=answers, disks=disks)
    assert sig.op == "dual_store sdk"
    assert sig.aspects == (
        "file bytes at tokens.*.access_token (value)", "file mode 0600/0644",
        "listing only in b: .token-cache-*.tmp", "response kind ok/error",
    )
    assert parse_signature(text=sig.text) == sig and sig.id.startswith("sig-") and len(sig.id) == 12
    typed = signature_of(
        step={"op": "open"},
        answers=(Answer(compared={"error": "error", "message": "of type cache.tokenCacheFile"}),
                 Answer(compared={"error": "error", "message": "of type storage.storeFile"})),
        disks=(disks[0], disks[0]),
    )
    assert typed.text == "open: response message (go-type-names)" and typed.type_names_only


def test_keys_of_hand_edited_files_are_read_as_go_would() -> None:
    """Keys under any member folding to `tokens`; lone surrogate escapes read as U+FFFD."""
    data = b'{"version":1,"TOKENS":{"a":null,"k\\ud800":{}},"tokens":{"b":{}}}'
    assert keys_in_file(data=data) == ["a", "k\ufffd", "b"]
    assert keys_in_file(data=b"not json") == [] and keys_in_file(data=b"[1]") == []


@pytest.fixture(scope="module")
def three_bugs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DiffResult]:
    """One diff run against the reference with three independent planted bugs."""
    out = tmp_path_factory.mktemp("three-bugs")
    result = run_diff(a=InProcessTestee(name="reference"), b=three_bugs_testee(),
                      options=DiffOptions(examples=150, out_dir=out))
    return out, result


@pytest.mark.slow
def test_one_run_reports_three_independent_bugs(three_bugs: tuple[Path, DiffResult]) -> None:
    """Two bugs that show only in the bytes after a delete and one after a store: all found."""
    _, result = three_bugs
    texts = {f.signature.text for f in result.findings}
    assert {DROPPED_REFRESH, NULL_TOKENS, WIDE_INDENT} <= texts, result.render()
    summary = result.render()
    for text in (DROPPED_REFRESH, NULL_TOKENS, WIDE_INDENT):
        assert text in summary
    assert summary.count("step 1: ") == len(result.findings)


@pytest.mark.slow
def test_each_distinct_divergence_is_its_own_valid_spec_case(
    three_bugs: tuple[Path, DiffResult],
) -> None:
    """A shrunk case per signature under --out/cases: loadable, passing on the reference and
    failing on the planted testee."""
    out, result = three_bugs
    files = sorted((out / "cases").iterdir())
    assert len(files) == len(result.findings)
    for f in files:
        cases, errors = load_case_file(path=f)
        assert not errors and len(cases) == 1
    run = execute_run(config=RunConfig(
        paths=ProjectPaths.at(root=REPO, cases_dir=out / "cases", golden_dir=out / "files",
                              xfail_dir=out / "none"),
        use_go=False, only_impls=("reference",),
        extra_testees=(InProcessTestee(name="three-bugs", session_factory=ThreeBugsSession),),
    ))
    outcomes = {(r.case_id, r.impl): r.outcome for r in run.results}
    assert {o for (_, impl), o in outcomes.items() if impl == "reference"} == {Outcome.PASS}
    assert {o for (_, impl), o in outcomes.items() if impl == "three-bugs"} == {Outcome.FAIL}
    observed = json.loads(next((out / "observed").iterdir()).read_text())
    assert observed["signature"]["id"].startswith("sig-")


@pytest.mark.slow
def test_max_divergences_stops_the_search(tmp_path: Path) -> None:
    """With --max-divergences 1 the run ends at the first distinct divergence."""
    result = run_diff(a=InProcessTestee(name="reference"), b=three_bugs_testee(),
                      options=DiffOptions(examples=150, out_dir=tmp_path, max_divergences=1))
    assert len(result.findings) == 1 and result.rounds == 1
    assert len(list((tmp_path / "cases").iterdir())) == 1


@pytest.mark.slow
def test_known_divergences_are_set_aside_and_stale_entries_reported(
    tmp_path: Path, three_bugs: tuple[Path, DiffResult]
) -> None:
    """Known signatures (text or id) and replayed case ids are not findings; a case that no
    longer diverges and one that cannot be found are stale and fail the run."""
    out, first = three_bugs
    by_text = {f.signature.text: f for f in first.findings}
    null_case = by_text[NULL_TOKENS].written.case_id
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "quiet.json").write_text(json.dumps({"cases": [{
        "id": "counterexample.quiet", "description": "Open and look up: no divergence.",
        "steps": [{"op": "open"}, {"op": "lookup", "key": "k", "expect": {"error": "not_found"}}],
    }]}))
    for f in (out / "cases").iterdir():
        (tmp_path / "cases" / f.name).write_bytes(f.read_bytes())
    known_text = "\n".join([
        "# accepted by the team",
        f"{DROPPED_REFRESH} # refresh tokens are not ours to keep",
        f"{by_text[WIDE_INDENT].signature.id} # cosmetic",
        f"{null_case} # tracked elsewhere",
        "counterexample.quiet # fixed long ago",
        "counterexample.missing # never written",
        "sig-00000000 # a signature this run never meets",
    ])
    known = parse_known_text(text=known_text, source="known.txt")
    assert not known.errors
    result = run_diff(
        a=InProcessTestee(name="reference"), b=three_bugs_testee(),
        options=DiffOptions(examples=60, out_dir=tmp_path / "out", known=known,
                            case_dirs=(tmp_path / "cases",)),
    )
    texts = {f.signature.text for f in result.findings}
    assert not texts & {DROPPED_REFRESH, NULL_TOKENS, WIDE_INDENT}, result.render()
    uses = {u.entry.value: u for u in result.known}
    assert uses["counterexample.quiet"].stale and uses["counterexample.missing"].stale
    assert not uses[null_case].stale and uses["sig-00000000"].seen == 0
    assert sum(u.seen for u in result.known) > 0
    assert not result.ok
    text = result.render()
    assert "STALE" in text and "not met in this run" in text and "never written" in text
    assert any("counterexample.missing is in none of" in e for e in result.known_errors)


def test_a_malformed_known_line_names_file_and_line() -> None:
    """A line without a reason, or neither a signature nor a case id, is an error with its place."""
    known = parse_known_text(text="sig-12345678\nNot An Id # why\n", source="k.txt")
    assert known.entries == ()
    assert known.errors[0].startswith("k.txt:1:") and known.errors[1].startswith("k.txt:2:")


@pytest.mark.slow
def test_lookups_and_deletes_draw_keys_of_hand_edited_files(tmp_path: Path) -> None:
    """A bug only a lookup or a delete of a key that a hand-edited file holds can show is found."""
    # Stops at the first divergence; the bound leaves room for an unlucky stream (a session's
    # other modules shift hypothesis's draws, harness/differential/strategies.py's tests say how).
    result = run_diff(
        a=InProcessTestee(name="reference"),
        b=InProcessTestee(name="stale", session_factory=StaleLookupIndexSession),
        options=DiffOptions(examples=1500, out_dir=tmp_path, max_divergences=1),
    )
    assert [f.signature.text for f in result.findings] in (
        ["delete: file bytes at tokens.* (structure)"],
        ["lookup: response kind ok/not_found"],
    ), result.render()
    cx = result.findings[0].counterexample
    assert cx.file is not None and cx.steps[-1].step["op"] in ("delete", "lookup")
    assert cx.steps[-1].step["key"] in keys_in_file(data=cx.file)


@pytest.mark.slow
def test_message_only_divergences_are_grouped_and_go_type_names_can_be_allowed(
    tmp_path: Path,
) -> None:
    """Type-name-only message differences are listed apart; --allow go-type-names drops them."""
    renamed = InProcessTestee(name="renamed", session_factory=TypeRenamingSession)
    result = run_diff(a=InProcessTestee(name="reference"), b=renamed,
                      options=DiffOptions(examples=150, out_dir=tmp_path / "a",
                                          max_divergences=2))
    assert result.findings and all(f.signature.type_names_only for f in result.findings)
    text = result.render()
    assert "differences only in error messages" in text and "differences in behaviour" not in text
    allowed = run_diff(a=InProcessTestee(name="reference"), b=renamed,
                       options=DiffOptions(examples=150, out_dir=tmp_path / "b",
                                           allow=frozenset({"go-type-names"})))
    assert allowed.ok, allowed.render()


@pytest.mark.slow
def test_generation_draws_only_enabled_ops(tmp_path: Path) -> None:
    """No test case is rejected for a rule draw: hypothesis records no invalid test case."""
    result = run_diff(a=InProcessTestee(name="reference"), b=InProcessTestee(name="copy"),
                      options=DiffOptions(examples=150, out_dir=tmp_path))
    assert result.ok and result.counts is not None
    assert result.counts.invalid == 0, result.render()


@pytest.mark.slow
def test_cli_known_json_and_max_divergences(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`diff --known FILE --json FILE --max-divergences N` from the command line."""
    known = tmp_path / "known.txt"
    known.write_text(f"{NULL_TOKENS} # tracked\n")
    report = tmp_path / "diff.json"
    code = main(["diff", "reference", "copy", "--no-go", "--root", str(REPO),
                 "--impl", f"copy={sys.executable} -m reference_impl",
                 "--examples", "20", "--known", str(known), "--json", str(report),
                 "--max-divergences", "3", "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0, out
    doc = json.loads(report.read_text())
    assert doc["ok"] and doc["examples"] >= 20 and isinstance(doc["seconds"], float)
    assert doc["known"] == [{"entry": NULL_TOKENS, "reason": "tracked", "set_aside": 0,
                             "stale": None}]
    assert "not met in this run" in out
    with pytest.raises(SystemExit):
        main(["diff", "reference", "copy", "--max-divergences", "0"])


@pytest.mark.slow
@pytest.mark.parametrize("overlap", [True, False], ids=["overlap", "lockstep"])
def test_a_subprocess_side_overlapping_generation_finds_the_same_divergences(
    tmp_path: Path, overlap: bool,
) -> None:
    """With a subprocess side a step is compared when the next begins, or at the end of the
    example: the divergences, and shrunk cases that end with the diverging delete, are the same."""
    served = Path(__file__).resolve().parents[1] / "serve_planted.py"
    testee = SubprocessTestee(name="three-bugs", command=(sys.executable, str(served),
                                                         "ThreeBugsSession"))
    result = run_diff(a=InProcessTestee(name="reference"), b=testee,
                      options=DiffOptions(examples=150, out_dir=tmp_path, overlap=overlap))
    found = {f.signature.text: f for f in result.findings}
    assert {DROPPED_REFRESH, NULL_TOKENS, WIDE_INDENT} <= set(found), result.render()
    for text in (NULL_TOKENS, WIDE_INDENT):
        assert found[text].counterexample.steps[-1].step["op"] == "delete"


def test_a_pending_step_is_compared_by_the_next_step_or_the_machine_teardown(
    tmp_path: Path,
) -> None:
    """step(wait=False) leaves a subprocess side's answer pending; settle (or the machine's
    teardown at the end of an example) compares it and raises its divergence."""
    served = Path(__file__).resolve().parents[1] / "serve_planted.py"
    testee = SubprocessTestee(name="three-bugs", command=(sys.executable, str(served),
                                                         "ThreeBugsSession"))
    engine = Engine(a=InProcessTestee(name="reference"), b=testee,
                    options=DiffOptions(out_dir=tmp_path, sandbox_parent=tmp_path))
    try:
        assert engine.overlap
        machine = build_machine(engine=engine)()
        for settle in (engine.settle, machine.teardown):
            engine.begin_example()
            assert engine.step(step={"op": "open", "path": None}, wait=True) is not None
            assert engine.step(step={"op": "delete", "key": "k"}, wait=False) is None
            with pytest.raises(Divergence):
                settle()
            assert engine.failure is not None
            assert [s.step["op"] for s in engine.failure.steps] == ["open", "delete"]
            assert engine.failure.signature is not None
            assert engine.failure.signature.text == NULL_TOKENS
    finally:
        engine.close()
