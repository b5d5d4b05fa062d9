"""Writer groups, options and how stress resolves implementation names to commands."""

from __future__ import annotations

import sys

import pytest
from stress_helpers import REPO

from harness.exceptions import UsageError
from harness.stress.plan import (
    MAX_WRITERS,
    REFERENCE_COMMAND,
    StressOptions,
    WriterGroup,
    merge_groups,
    parse_writers_arg,
    resolve_impls,
)


def test_writers_arg_is_impl_equals_count() -> None:
    """`IMPL=N` parses; the name may itself hold `=`-free punctuation like `@` and `+`."""
    assert parse_writers_arg(text="go-sdk@v0.129.0+lock=4") == WriterGroup(
        impl="go-sdk@v0.129.0+lock", count=4)


@pytest.mark.parametrize("text", ["reference", "reference=", "=2", "reference=0",
                                  "reference=-1", "reference=two"])
def test_bad_writers_args_are_usage_errors(text: str) -> None:
    """A malformed --writers names itself in the error."""
    with pytest.raises(UsageError, match="--writers expects IMPL=N"):
        parse_writers_arg(text=text)


def test_groups_of_one_implementation_add_up_in_first_mention_order() -> None:
    """Repeating an implementation adds its writers; order is the order of first mention."""
    groups = [WriterGroup(impl="b", count=1), WriterGroup(impl="a", count=2),
              WriterGroup(impl="b", count=3)]
    assert merge_groups(groups=groups) == (WriterGroup(impl="b", count=4),
                                           WriterGroup(impl="a", count=2))


def test_no_writers_or_too_many_are_usage_errors() -> None:
    """At least one writer and at most MAX_WRITERS in a mix."""
    with pytest.raises(UsageError, match="at least one"):
        merge_groups(groups=[])
    with pytest.raises(UsageError, match=f"at most {MAX_WRITERS}"):
        merge_groups(groups=[WriterGroup(impl="a", count=MAX_WRITERS + 1)])


@pytest.mark.parametrize("kwargs", [{"stores": 0}, {"kill_rate": 1.5}, {"kill_rate": -0.1},
                                    {"time_limit": 0}, {"timeout": -1}])
def test_out_of_range_options_are_usage_errors(kwargs: dict[str, float]) -> None:
    """Stores, kill rate, time limit and timeout are range-checked."""
    with pytest.raises(UsageError):
        StressOptions(**kwargs)  # type: ignore[arg-type]


def test_reference_is_a_subprocess_and_plus_lock_appends_lock() -> None:
    """`reference` runs python -m reference_impl with sys.executable; `+lock` adds --lock."""
    resolution = resolve_impls(names=["reference", "reference+lock"], repo_root=REPO,
                               use_go=False)
    assert resolution.errors == ()
    plain, locked = resolution.impls["reference"], resolution.impls["reference+lock"]
    assert plain.command == REFERENCE_COMMAND and REFERENCE_COMMAND[0] == sys.executable
    assert not plain.locking
    assert locked.command == (*REFERENCE_COMMAND, "--lock") and locked.locking


def test_the_go1_27_3_reference_runs_with_its_toolchain_option() -> None:
    """`reference+go1.27.3` is python -m reference_impl --toolchain go1.27.3, lockable too."""
    resolution = resolve_impls(names=["reference+go1.27.3", "reference+go1.27.3+lock"],
                               repo_root=REPO, use_go=False)
    assert resolution.errors == ()
    option = ("--toolchain", "go1.27.3")
    assert resolution.impls["reference+go1.27.3"].command == (*REFERENCE_COMMAND, *option)
    locked = resolution.impls["reference+go1.27.3+lock"]
    assert locked.command == (*REFERENCE_COMMAND, *option, "--lock") and locked.locking


def test_extra_impl_commands_resolve_with_and_without_lock() -> None:
    """An --impl NAME=CMD is usable as NAME and as NAME+lock."""
    resolution = resolve_impls(names=["mine", "mine+lock"], repo_root=REPO, use_go=False,
                               extra=[f"mine={sys.executable} -m reference_impl"])
    assert resolution.impls["mine+lock"].command == (sys.executable, "-m", "reference_impl",
                                                     "--lock")


def test_unknown_names_are_usage_errors() -> None:
    """A name no implementation has is a usage error naming the known ones."""
    with pytest.raises(UsageError, match="unknown implementation"):
        resolve_impls(names=["nope+lock"], repo_root=REPO, use_go=False)


def test_an_unavailable_go_testee_is_an_error_with_its_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a Go toolchain a Go writer is reported unavailable with why, not dropped."""
    monkeypatch.setenv("PATH", "")
    resolution = resolve_impls(names=["go-sdk@v0.129.0+lock"], repo_root=REPO)
    assert resolution.impls == {}
    assert resolution.errors == (
        "go-sdk@v0.129.0+lock: go toolchain not found on PATH (needed to build "
        "adapters/go/sdk-v0.129.0)",
    )
