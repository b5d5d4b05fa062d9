"""The option table shared by the command line and the pytest plugin.

Each option is declared once; `add_to_argparse` gives the command line its flags
(`--tag`), `add_to_pytest` gives the plugin the same options under a
`--tokencache-` prefix (`--tokencache-tag`), and `run_config` turns the values
of either into a RunConfig. Light on purpose: `--help` imports this.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from harness.breaker import DEFAULT_MAX_TIMEOUTS
from harness.confine import DEFAULT_MODE as CONFINE_DEFAULT
from harness.confine import MODE_ENV as CONFINE_ENV
from harness.confine import MODES as CONFINE_MODES
from harness.confine import default_mode as default_confine_mode

DEFAULT_TIMEOUT = 10.0
# How error messages are compared (harness/messages.py says what each class means).
MESSAGE_MODES = ("strict", "go-types", "off")
REQUIRE_GO_ENV = "TOKENCACHE_COMPAT_REQUIRE_GO"
PYTEST_PREFIX = "--tokencache-"


def require_go_default() -> bool:
    """CI sets TOKENCACHE_COMPAT_REQUIRE_GO=1: a missing Go column is then an error."""
    return os.environ.get(REQUIRE_GO_ENV, "") not in ("", "0", "false")


@dataclass(frozen=True)
class Option:
    """One option: its flags, where its value goes, and argparse's keywords.

    `default` may be a callable, evaluated when the option is added (so an
    environment variable is read at parse time, not import time).
    """

    flags: tuple[str, ...]
    dest: str
    group: str
    help: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    default: Any = None
    pytest_name: str = ""  # the plugin's flag without prefix; "" = the first long flag's

    def pytest_flag(self) -> str:
        """The plugin's flag for this option (`--tokencache-tag`)."""
        if self.pytest_name:
            return PYTEST_PREFIX + self.pytest_name
        long = next(f for f in self.flags if f.startswith("--"))
        return PYTEST_PREFIX + long.removeprefix("--")

    def resolved_default(self) -> Any:
        """The default, called when it is a callable."""
        return self.default() if callable(self.default) else self.default


def _list(**kwargs: Any) -> dict[str, Any]:
    return {"action": "append", **kwargs}


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {text!r}")
    return value


PATH_OPTIONS: tuple[Option, ...] = (
    Option(("--root",), "root", "project paths", "repository root (default: autodetect)",
           {"type": Path}),
    Option(("--cases",), "cases", "project paths", "case directory (default: ROOT/golden/cases)",
           {"type": Path}, pytest_name="cases-dir"),  # --tokencache-cases turns collection on
    Option(("--golden-dir",), "golden_dir", "project paths",
           "golden bytes (default: ROOT/golden/files)", {"type": Path}),
    Option(("--xfail-dir",), "xfail_dir", "project paths",
           "xfail lists (default: ROOT/adapters/xfail)", {"type": Path}),
)

IMPL_OPTIONS: tuple[Option, ...] = (
    Option(("--impl",), "impl", "implementations",
           "add a testee command (shlex-split); repeatable", _list(metavar="NAME=CMD"),
           default=list),
    Option(("--no-go", "--skip-go"), "no_go", "implementations",
           "do not build or run the Go testees", {"action": "store_true"}, default=False),
    Option(("--timeout",), "timeout", "implementations",
           f"per-request timeout for subprocess testees (default {DEFAULT_TIMEOUT:g})",
           {"type": float, "metavar": "SECONDS"}, default=DEFAULT_TIMEOUT),
    Option(("--require-go",), "require_go", "implementations",
           f"an unavailable Go testee fails the run (default from {REQUIRE_GO_ENV})",
           {"action": argparse.BooleanOptionalAction}, default=require_go_default),
)

# How the harness guards itself against a testee (README, "Hostile testees"); the
# commands whose testees it starts itself take them (`stress` runs its own writers).
TESTEE_OPTIONS: tuple[Option, ...] = (
    Option(("--max-timeouts",), "max_timeouts", "implementations",
           "consecutive timeouts after which an implementation is marked broken and its "
           f"remaining cases are not run (default {DEFAULT_MAX_TIMEOUTS}; 0: never)",
           {"type": _count, "metavar": "N"}, default=DEFAULT_MAX_TIMEOUTS),
    Option(("--confine",), "confine", "implementations",
           "run subprocess testees under bubblewrap: filesystem read-only except their "
           f"sandboxes, no network (auto: when bwrap works here; default {CONFINE_DEFAULT}, "
           f"or {CONFINE_ENV})",
           {"choices": CONFINE_MODES}, default=default_confine_mode),
)

CHOOSE_OPTIONS: tuple[Option, ...] = (
    Option(("--only-impl",), "only_impl", "implementations",
           "run only these implementations; repeatable", _list(metavar="NAME"), default=list),
    Option(("--skip-impl",), "skip_impl", "implementations",
           "leave out these implementations; repeatable", _list(metavar="NAME"), default=list),
)

SELECT_OPTIONS: tuple[Option, ...] = (
    Option(("-k",), "substring", "cases", "only cases whose id contains SUBSTRING",
           {"metavar": "SUBSTRING"}, pytest_name="k"),
    Option(("--tag",), "tag", "cases",
           "only cases carrying this tag; repeatable (all must match)", _list(metavar="TAG"),
           default=list),
)

JUDGE_OPTIONS: tuple[Option, ...] = (
    Option(("--xfail",), "xfail", "judging",
           "extra expected-failure list for an implementation; repeatable",
           _list(metavar="NAME=FILE"), default=list),
    Option(("--messages",), "messages", "judging",
           "how error messages are compared: strict (default), go-types (modulo Go type "
           "and package names) or off (kinds only)", {"choices": MESSAGE_MODES},
           default=MESSAGE_MODES[0]),
    Option(("--no-strict-messages",), "no_strict_messages", "judging",
           "the same as --messages off", {"action": "store_true"}, default=False),
    Option(("--enforce-recommended",), "enforce_recommended", "judging",
           "a failing recommended case fails the run", {"action": "store_true"}, default=False),
)

# Everything a case run (`run`, `report`, the pytest plugin) is configured by.
RUN_OPTIONS: tuple[Option, ...] = (
    *SELECT_OPTIONS, *JUDGE_OPTIONS, *IMPL_OPTIONS, *TESTEE_OPTIONS, *CHOOSE_OPTIONS,
)


def add_to_argparse(*, parser: argparse.ArgumentParser, options: Sequence[Option]) -> None:
    """Declare the options on a command's parser, grouped as the table groups them."""
    groups: dict[str, argparse._ArgumentGroup] = {}
    for opt in options:
        group = groups.get(opt.group)
        if group is None:
            group = groups[opt.group] = parser.add_argument_group(opt.group)
        group.add_argument(
            *opt.flags, dest=opt.dest, help=opt.help, default=opt.resolved_default(),
            **opt.kwargs,
        )


class PytestGroup(Protocol):
    """The part of pytest's OptionGroup the plugin uses (the core never imports pytest)."""

    def addoption(self, *opts: str, **attrs: Any) -> None:
        """Declare one option."""


def add_to_pytest(*, group: PytestGroup, options: Sequence[Option]) -> None:
    """Declare the options on the plugin's group, prefixed `--tokencache-`."""
    for opt in options:
        kwargs = dict(opt.kwargs)
        if kwargs.get("action") is argparse.BooleanOptionalAction:
            kwargs["action"] = "store_true"  # pytest flags are switched on, not off
        group.addoption(
            opt.pytest_flag(), dest=f"tokencache_opt_{opt.dest}", help=opt.help,
            default=opt.resolved_default(), **kwargs,
        )


def plugin_values(
    *, get: Callable[[str], Any], options: Sequence[Option]
) -> dict[str, Any]:
    """The plugin's option values keyed like argparse's (`get` is config.getoption)."""
    return {opt.dest: get(f"tokencache_opt_{opt.dest}") for opt in options}
