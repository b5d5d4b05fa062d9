"""Item 9 and the reliability section: the README true for a newcomer, checked against the code."""

from __future__ import annotations

import argparse
import json
import re
import shlex

import pytest

from harness.cli import build_parser
from harness.differential.options import ALLOW_CLASSES
from harness.paths import find_repo_root

REPO = find_repo_root()
README = (REPO / "README.md").read_text()


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end != -1 else None]


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _sh_commands() -> list[str]:
    """Every `tokencache-compat ...` command in the README's ```sh blocks, continuations joined."""
    out = []
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S):
        text = block.replace("\\\n", " ")
        for line in text.splitlines():
            line = line.split("  #", 1)[0].strip()
            if line.startswith("tokencache-compat "):
                out.append(line)
    return out


def test_plain_pytest_install_is_documented() -> None:
    """A newcomer is told to install the test extra before running plain pytest."""
    assert "pip install -e '.[test]'" in README
    assert re.search(r"pip install -e '\.\[test\]'.*\n\s*pytest", README)


def test_every_sh_command_parses_with_the_real_cli() -> None:
    """Each command shown in a shell block is accepted by the command line as written."""
    commands = _sh_commands()
    assert any(c.startswith("tokencache-compat diff ") for c in commands)
    for command in commands:
        argv = shlex.split(command)[1:]
        try:
            build_parser().parse_args(argv)
        except SystemExit:
            pytest.fail(f"README command does not parse: {command}")


def test_ci_gate_diff_line_names_root_and_impl() -> None:
    """The CI-gate recipe's diff line carries the --root and --impl it cannot work without."""
    (diff,) = [c for c in _sh_commands() if c.startswith("tokencache-compat diff reference mine")]
    assert "--root " in diff and "--impl mine=" in diff


def test_command_list_matches_help() -> None:
    """Every subcommand and every option of it appears in the README's command list."""
    block = _section("Commands")
    listing = re.search(r"```\n(.*?)```", block, flags=re.S)
    assert listing is not None
    text = listing.group(1)
    entries: dict[str, str] = {}
    for name, entry in re.findall(r"^tokencache-compat (\w+)(.*?)(?=^tokencache-compat |^IMPL-)",
                                  text, flags=re.S | re.M):
        entries[name] = entries.get(name, "") + entry  # a command may take several lines
    impl_line = text[text.index("IMPL-OPTIONS:"):]
    parsers = _subparsers()
    assert sorted(entries) == sorted(parsers)
    shared = {"--root", "--cases", "--golden-dir", "--xfail-dir", "-h", "--help"}
    for name, sub in parsers.items():
        entry = entries[name]
        where = entry + (impl_line if "IMPL-OPTIONS" in entry else "")
        for action in sub._actions:
            flags = [f for f in action.option_strings if f not in shared]
            if not flags:
                continue
            # An option is listed under any of its names (--no-go for --skip-go too).
            assert any(re.search(rf"{re.escape(f)}\b", where) for f in flags), \
                f"{name}: {flags} not listed"
    assert all(f"[{flag}" in text for flag in ("--root DIR", "--cases DIR"))


def test_require_go_confine_and_their_variables_are_documented() -> None:
    """--require-go, --confine, --max-timeouts and the variables that set them are explained."""
    for text in ("--require-go", "TOKENCACHE_COMPAT_REQUIRE_GO", "--confine",
                 "TOKENCACHE_COMPAT_CONFINE", "--max-timeouts"):
        assert text in README, text


def test_default_divergence_classes_are_documented() -> None:
    """Every class `diff` can allow is named, with the automatic ones explained."""
    for name in ALLOW_CLASSES:
        assert f"`{name}`" in README, name
    assert "--no-auto-allow" in README


def test_interop_exit_status_and_allow_altered_are_documented() -> None:
    """interop's failing exit and --allow-altered (which replaced --strict) are in the README."""
    assert "--allow-altered" in README and "exits 1 when any pair differs" in README


def test_stock_sdk_xfail_list_is_named_and_exists() -> None:
    """The expected-failure list a stock SDK build starts from is named and present."""
    match = re.search(r"`(adapters/xfail/go-sdk@v[\d.]+\.txt)`", README)
    assert match is not None
    assert (REPO / match.group(1)).is_file()


def test_case_counts_in_docs_match_the_cases() -> None:
    """docs/cases.md's per-file counts, total and levels are those of golden/cases."""
    table = (REPO / "docs" / "cases.md").read_text()
    counts: dict[str, int] = {}
    levels: dict[str, int] = {}
    for path in sorted((REPO / "golden" / "cases").glob("*.json")):
        cases = json.loads(path.read_text())["cases"]
        counts[path.name] = len(cases)
        for c in cases:
            levels[c.get("level", "required")] = levels.get(c.get("level", "required"), 0) + 1
    documented = {m[0]: int(m[1]) for m in re.findall(r"\| `([\w-]+\.json)`\s*\|\s*(\d+) \|",
                                                       table)}
    assert documented == counts
    total = sum(counts.values())
    assert f"**{total}**" in table
    assert f"{levels['required']} `required`, {levels['recommended']} `recommended`" in table
    assert f"holds {total} language-neutral spec cases" in README


def test_cache_contents_and_ci_caching_are_documented() -> None:
    """What .cache/ holds, its size and the go.sum cache key are in the README."""
    assert "`.cache/`" in README and "MB" in README and "go.sum" in README


def test_reliability_section_lists_guarantees_and_limits() -> None:
    """The hostile-testee section says what is guaranteed and what is not."""
    section = _section("Hostile testees")
    assert "guarantees:" in section and "What it does not guarantee:" in section
    for text in ("--max-timeouts", "exits 130", "--confine", "must be trusted", "FIFO",
                 "process group", "byte-identical", "partial line"):
        assert text in section, text
