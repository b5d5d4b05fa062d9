"""Message classes: strict, go-types (modulo Go type and package names) and off."""

from __future__ import annotations

from pathlib import Path

import pytest
from planted import RewordedSession, TypeRenamingSession

from harness.cli import main
from harness.data import Outcome, RunResult
from harness.messages import (
    GO_TYPE_NAMES,
    MESSAGE,
    classify,
    go_types_form,
    json_field_path,
    messages_match,
)
from harness.paths import ProjectPaths
from harness.report.markdown import render_markdown
from harness.report.terminal import render_terminal
from harness.session import RunConfig, execute_run
from harness.testee import InProcessTestee

REPO = Path(__file__).resolve().parents[2]
SDK_FIELD = ("load: parse: json: cannot unmarshal number into Go struct field "
             "Token.tokens.access_token of type string")
COPY_FIELD = ("load: parse: json: cannot unmarshal number into Go struct field "
              "fileEntry.tokens.Token.access_token of type string")


def test_struct_field_paths_reduce_to_json_keys() -> None:
    """The issue's example: an embedded-struct hop and the holding type's name go."""
    assert json_field_path(path="fileEntry.tokens.Token.access_token") == "tokens.access_token"
    assert json_field_path(path="Token.tokens.access_token") == "tokens.access_token"
    assert json_field_path(path="tokenCacheFile.version") == "version"
    assert go_types_form(message=SDK_FIELD) == go_types_form(message=COPY_FIELD)
    assert messages_match(expected=SDK_FIELD, obtained=COPY_FIELD, mode="go-types")
    assert not messages_match(expected=SDK_FIELD, obtained=COPY_FIELD, mode="strict")


def test_type_names_go_but_builtin_types_and_other_words_stay() -> None:
    """Package-qualified names are removed; `int` vs `int64` and reworded text still differ."""
    sdk = "json: cannot unmarshal string into Go value of type cache.tokenCacheFile"
    copy = "json: cannot unmarshal string into Go value of type storage.tokenStoreFile"
    assert classify(expected=sdk, obtained=copy) == GO_TYPE_NAMES
    assert classify(
        expected="cannot unmarshal array into Go struct field tokenCacheFile.tokens of type "
        "map[string]*oauth2.Token",
        obtained="cannot unmarshal array into Go struct field tokenStoreFile.tokens of type "
        "map[string]*storage.fileEntry",
    ) == GO_TYPE_NAMES
    assert classify(
        expected="Go struct field tokenCacheFile.version of type int",
        obtained="Go struct field tokenStoreFile.version of type int64",
    ) == MESSAGE
    assert classify(expected="token not found", obtained="no such token") == MESSAGE
    # File names with dots are not types.
    assert go_types_form(message="read {sandbox}/c/cache.json: is a directory") == (
        "read {sandbox}/c/cache.json: is a directory"
    )
    assert messages_match(expected="a", obtained="b", mode="off")


def _run(*, session: type, messages: str = "strict", strict: bool = True,
         substring: str = "decode.type.") -> RunResult:
    paths = ProjectPaths.at(root=REPO)
    return execute_run(config=RunConfig(
        paths=paths, use_go=False, only_impls=("reference",), substring=substring,
        messages=messages, strict_messages=strict,
        extra_testees=(InProcessTestee(name="renamed", session_factory=session),),
    ))


def _failed(run: RunResult) -> list[str]:
    return [r.case_id for r in run.results if r.impl == "renamed" and r.outcome.unexpected]


@pytest.mark.slow
def test_renamed_types_fail_strict_and_pass_go_types() -> None:
    """A build naming Go types differently fails only in messages, and passes under go-types."""
    strict = _run(session=TypeRenamingSession)
    failed = [r for r in strict.results if r.impl == "renamed" and r.outcome is Outcome.FAIL]
    assert len(failed) >= 8, render_terminal(run=strict)
    assert all(r.message_only and r.type_names_only for r in failed)
    text = render_terminal(run=strict)
    assert "MESSAGE-ONLY DIFFERENCES" in text and "\nDETAILS" not in text
    assert (f"renamed: {len(failed)} case(s) differ only in error messages, all only in Go "
            "type names (they pass with --messages go-types)") in text
    assert "only Go type names differ" in text
    md = render_markdown(run=strict)
    assert "## Message-only differences" in md and "## Failures" not in md
    assert _failed(_run(session=TypeRenamingSession, messages="go-types")) == []
    assert _failed(_run(session=TypeRenamingSession, strict=False)) == []


@pytest.mark.slow
def test_go_types_still_catches_a_reworded_message() -> None:
    """A message changed beyond type names still fails under go-types, and is not type-only."""
    run = _run(session=RewordedSession, messages="go-types", substring="errors.lookup.")
    failed = [r for r in run.results if r.impl == "renamed" and r.outcome is Outcome.FAIL]
    assert failed and all(r.message_only and not r.type_names_only for r in failed)
    assert "go-types messages" in render_terminal(run=run)


@pytest.mark.slow
def test_cli_messages_option_and_its_alias(capsys: pytest.CaptureFixture[str]) -> None:
    """`--messages go-types|off|strict` parse; `--no-strict-messages` is `--messages off`."""
    base = ["run", "--root", str(REPO), "--no-go", "-k", "errors.lookup.missing-key"]
    for extra in (["--messages", "go-types"], ["--messages", "off"], ["--no-strict-messages"]):
        assert main([*base, *extra]) == 0
    with pytest.raises(SystemExit):
        main([*base, "--messages", "loose"])
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.slow
def test_html_groups_message_only_differences_apart() -> None:
    """The HTML page lists message-only failures under their own heading."""
    from harness.report.html import render_html

    page = render_html(run=_run(session=TypeRenamingSession))
    assert '<h3 id="message-only">Differences only in error messages (' in page
    failures = page.split('<h2 id="failures">', 1)[1].split('<h3 id="message-only">', 1)[0]
    assert 'class="detail"' not in failures  # no failure in behaviour before the group
    assert "only in Go type names (they pass with --messages go-types)" in page
