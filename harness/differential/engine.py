"""The lockstep engine and the hypothesis state machine that drives it.

The Engine holds both sides for the whole run; the machine class built by
`build_machine` generates the steps, and the engine runs each on both sides
and compares everything after it. The first difference raises Divergence.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, precondition, rule

from harness.confine import CONFINED_NOTE
from harness.differential.counterexample import Counterexample, TraceStep, slug
from harness.differential.decoys import DECOY_CACHE, DECOY_DIR, DECOY_VARS, MISSING, NOT_A_DIR
from harness.differential.observe import CACHE_FILE, Answer, compare_answers, compare_disks
from harness.differential.options import ALLOW_CLASSES, DiffOptions, auto_allowed
from harness.differential.side import DEFAULT_ENV, UMASK, Side
from harness.differential.strategies import (
    cache_file_bytes,
    edit_steps,
    keys,
    oauth_args,
    open_envs,
    tokens,
    umasks,
)
from harness.edits import describe_edit
from harness.exceptions import DiffSetupError, Divergence, EditFailed
from harness.pool import TesteePool
from harness.sandbox import fast_sandbox_parent
from harness.stepspec import Edit, build_edit
from harness.testee import Testee

# Where an edit may point the cache file: nowhere, at itself, at its directory, at a decoy.
EDIT_LINK_TARGETS = ("missing.json", "token-cache.json", ".", f"../../{DECOY_CACHE}")
EDITED = Answer(compared={"edit": "done"})


def edit_of(*, step: Mapping[str, Any]) -> Edit:
    """A generated `edit` step as an Edit (generated paths and targets are well formed;
    apply_edit still confines every edit to the sandbox)."""

    def keep(*, value: str, case_id: str, fld: str) -> str:
        return value

    def no_check(*, link: str, target: str, case_id: str, fld: str) -> None:
        return None

    return build_edit(raw=step, case_id="differential", fld="edit", relpath=keep,
                      link_check=no_check)


def _in_process(testee: Testee) -> bool:
    return testee.info().kind == "in-process"


def _ignores_permissions(testee: Testee) -> bool:
    """True when the testee runs as root with its capabilities (not confined by bwrap)."""
    confined = getattr(testee, "confinement", "") == CONFINED_NOTE
    return hasattr(os, "geteuid") and os.geteuid() == 0 and not confined


def _oracle_score(testee: Testee) -> int:
    """How much a side looks like the oracle: named `reference`, then in-process."""
    return 2 * (testee.name == "reference") + (testee.info().kind == "in-process")


class Engine:
    """Two sides plus the state a machine example needs; shared by all examples."""

    def __init__(
        self, *, a: Testee, b: Testee, options: DiffOptions,
        on_test_case: Callable[[int, bool], None] | None = None,
    ) -> None:
        self.options = options
        # Told (test cases so far, diverged yet) as each test case begins: progress lines.
        self.on_test_case = on_test_case
        parent = options.sandbox_parent or fast_sandbox_parent()
        self.sides = (
            Side(testee=a, parent=parent, max_timeouts=options.max_timeouts),
            Side(testee=b, parent=parent, max_timeouts=options.max_timeouts),
        )
        self.names = (a.name, b.name)
        self._pool = TesteePool(testees=(a, b))
        for side in self.sides:
            got = self._pool.start(name=side.name)
            if not isinstance(got, Testee):
                self.close()
                why = (got.info.unavailable or "").removeprefix("failed to start: ")
                raise DiffSetupError(f"{side.name} did not start: {why}")
        hellos = [s.testee.hello for s in self.sides]
        unknown = set(options.allow) - set(ALLOW_CLASSES)
        if unknown:
            self.close()
            raise DiffSetupError(f"unknown --allow class(es): {sorted(unknown)}")
        self.allowed = frozenset(options.allow) | (
            auto_allowed(hellos=hellos) if options.auto_allow else frozenset()
        )
        self.ops = set(hellos[0].ops) & set(hellos[1].ops)
        # Root in process ignores permission bits; root confined by bwrap (capabilities
        # dropped) does not. Between two such sides a umask or mode that takes the owner's
        # own rights away shows only that difference, so it is not generated.
        self.same_privilege = len({_ignores_permissions(s.testee) for s in self.sides}) == 1
        self.vias = sorted(set(hellos[0].dual_store_via) & set(hellos[1].dual_store_via))
        self.expected_side = 1 if _oracle_score(b) > _oracle_score(a) else 0
        self._submit_order = sorted(range(2), key=lambda i: _in_process(self.sides[i].testee))
        # Every test case hypothesis runs (valid, rejected or shrinking) and its steps;
        # DiffResult counts valid examples from hypothesis's own statistics.
        self.test_cases = 0
        self.steps = 0
        self.failure: Counterexample | None = None
        # Per example:
        self.file: bytes | None = None
        self.trace: list[TraceStep] = []
        self.env: dict[str, str | None] = dict(DEFAULT_ENV)
        self.umask = UMASK

    # -- per example ---
    def begin_example(
        self, *, env: Mapping[str, str | None] | None = None, umask: int = UMASK
    ) -> None:
        """Reset both sandboxes and the trace; the example opens under env and umask."""
        self.test_cases += 1
        self.file = None
        self.trace = []
        self.env = dict(DEFAULT_ENV if env is None else env)
        self.umask = umask
        for side in self.sides:
            side.reset(env=self.env, umask=umask)
        if self.on_test_case is not None:
            self.on_test_case(self.test_cases, self.failure is not None)

    def edit(self, *, step: Mapping[str, Any]) -> None:
        """Change the cache file on both sides between two operations (no reopen).

        An edit that cannot apply (a chmod of a file that is not there) changes
        nothing and is left out; one that applies on one side only is a divergence.
        """
        edit = edit_of(step=step)
        try:
            self.sides[0].edit(edit=edit)
        except EditFailed:
            return
        try:
            self.sides[1].edit(edit=edit)
        except EditFailed as exc:
            self._diverge([f"edit ({describe_edit(edit=edit)}) applied on "
                           f"{self.names[0]}'s sandbox only: {exc}"])
        self.steps += 1
        self.trace.append(TraceStep(step=dict(step), answers=(EDITED, EDITED)))
        disks = (self.sides[0].disk(), self.sides[1].disk())
        diffs = compare_disks(a=disks[0], b=disks[1], names=self.names,
                              ignore_expires_in="expires-in" in self.allowed)
        if diffs:
            self._diverge(diffs, disks=disks)

    def _diverge(self, diffs: list[str], disks: Any = None) -> None:
        if disks is None:
            disks = (self.sides[0].disk(), self.sides[1].disk())
        self.failure = Counterexample(
            names=self.names, file=self.file, steps=tuple(self.trace), disks=disks,
            diffs=tuple(diffs), expected_side=self.expected_side, env=self.env,
            umask=self.umask,
        )
        raise Divergence(self.failure.render())

    def write_file(self, *, data: bytes) -> None:
        """Lay the same hand-edited file on both sides; earlier steps stop mattering."""
        for side in self.sides:
            side.write_cache_file(data=data)
        self.file = data
        self.trace = []

    def step(self, *, step: Mapping[str, Any]) -> tuple[Answer, Answer] | None:
        """Run one step on both sides and compare; None when a side cannot perform it.

        Subprocess sides are sent the request first and waited for last, so a
        subprocess works while an in-process side answers.
        """
        ignore_messages = "messages" in self.allowed
        befores = tuple(side.snapshot() for side in self.sides)
        waits: dict[int, Callable[[], Answer]] = {}
        for i in self._submit_order:
            waits[i] = self.sides[i].submit(step=step, ignore_messages=ignore_messages)
        ans_a, ans_b = (waits[i]() for i in range(2))
        if ans_a.unsupported or ans_b.unsupported:
            for side, before in zip(self.sides, befores, strict=True):
                side.restore(snapshot=before)
            return None
        self.steps += 1
        answers = (ans_a, ans_b)
        if "expires-in" in self.allowed:
            answers = (_drop_expires_in(ans_a), _drop_expires_in(ans_b))
        self.trace.append(TraceStep(step=dict(step), answers=answers))
        disks = (self.sides[0].disk(), self.sides[1].disk())
        diffs = compare_answers(a=answers[0], b=answers[1], names=self.names)
        diffs += compare_disks(
            a=disks[0], b=disks[1], names=self.names,
            ignore_expires_in="expires-in" in self.allowed,
        )
        if diffs:
            if "null-top-level" in self.allowed and self._null_file_crash(answers):
                assume(False)  # documented Go panic: not a finding
            self._diverge(diffs, disks=disks)
        return answers

    def _null_file_crash(self, answers: tuple[Answer, Answer]) -> bool:
        return any(a.broken for a in answers) and (
            self.file is not None and self.file.strip(b" \t\r\n") == b"null"
        )

    def close(self) -> None:
        """Stop both testees, remove both sandboxes."""
        for side in self.sides:
            with contextlib.suppress(Exception):
                side.close()


def _drop_expires_in(answer: Answer) -> Answer:
    ok = answer.compared.get("ok")
    if isinstance(ok, Mapping) and isinstance(ok.get("token"), Mapping):
        token = {**ok["token"], "expires_in": 0}
        return replace(answer, compared={"ok": {**ok, "token": token}})
    return answer


def build_machine(*, engine: Engine) -> type[RuleBasedStateMachine]:
    """A state machine class bound to one engine (ops both sides announce only)."""
    expires_in = "expires-in" not in engine.allowed
    null_top = "null-top-level" not in engine.allowed
    token = tokens(expires_in=expires_in)
    files = cache_file_bytes(expires_in=expires_in, null_top_level=null_top)
    # A mode set through a link to the cache directory would take its search right away.
    targets = EDIT_LINK_TARGETS if engine.same_privilege else tuple(
        t for t in EDIT_LINK_TARGETS if t != ".")
    edits = edit_steps(path=CACHE_FILE, link_targets=targets,
                       expires_in=expires_in, null_top_level=null_top,
                       owner_rights_kept=not engine.same_privilege)
    umask = umasks(owner_rights_kept=not engine.same_privilege)
    envs = open_envs(home="home", variables=DECOY_VARS, values=(DECOY_DIR, MISSING, NOT_A_DIR))
    has = engine.ops.__contains__
    vias = engine.vias

    class DiffMachine(RuleBasedStateMachine):
        known = Bundle("known")

        def __init__(self) -> None:
            super().__init__()
            self.opened = False

        def _run(self, step: dict[str, Any]) -> tuple[Answer, Answer] | None:
            answers = engine.step(step=step)
            if answers is not None and any(a.broken for a in answers):
                self.opened = False  # a crashed process has no cache open
            return answers

        def _open(self) -> None:
            answers = self._run({"op": "open", "path": None})
            self.opened = answers is not None and "ok" in answers[0].compared

        @initialize(target=known, file=st.one_of(st.none(), files), key=keys(),
                    env=envs, umask=umask)
        def start(
            self, file: bytes | None, key: str, env: dict[str, str | None], umask: int
        ) -> str:
            engine.begin_example(env=env, umask=umask)
            if file is not None:
                engine.write_file(data=file)
            self._open()
            return key

        @precondition(lambda self: self.opened and has("store"))
        @rule(target=known, key=keys(), token=token)
        def store(self, key: str, token: dict[str, Any]) -> str:
            self._run({"op": "store", "key": key, "token": token})
            return key

        @precondition(lambda self: self.opened and has("store"))
        @rule(key=known, token=token)
        def store_known(self, key: str, token: dict[str, Any]) -> None:
            self._run({"op": "store", "key": key, "token": token})

        @precondition(lambda self: self.opened and has("store"))
        @rule(key=known)
        def delete(self, key: str) -> None:
            self._run({"op": "delete", "key": key})

        @precondition(lambda self: self.opened and has("lookup"))
        @rule(key=known)
        def lookup_known(self, key: str) -> None:
            self._run({"op": "lookup", "key": key})

        @precondition(lambda self: self.opened and has("lookup"))
        @rule(key=keys())
        def lookup(self, key: str) -> None:
            self._run({"op": "lookup", "key": key})

        @precondition(lambda self: self.opened and has("dual_store") and bool(vias))
        @rule(
            arg=oauth_args(),
            key=st.one_of(st.none(), keys()),
            token=token,
            via=st.sampled_from(vias or ["sdk"]),
        )
        def dual_store(
            self, arg: dict[str, Any], key: str | None, token: dict[str, Any], via: str
        ) -> None:
            self._run({"op": "dual_store", "arg": arg, "key": key, "token": token, "via": via})

        @rule()
        def reopen(self) -> None:
            self._open()

        @precondition(lambda self: self.opened)
        @rule(home=st.sampled_from([None, ""]))
        def reopen_without_home(self, home: str | None) -> None:
            # The default location with HOME unset or empty: Go fails, and no cache is open.
            answers = self._run({"op": "open", "path": None, "env": {"HOME": home}})
            self.opened = answers is not None and "ok" in answers[0].compared

        @precondition(lambda self: self.opened)
        @rule(step=edits)
        def edit_between_operations(self, step: dict[str, Any]) -> None:
            engine.edit(step=step)  # the cache stays open: the next op meets the change

        @rule(file=files)
        def write_file_and_reopen(self, file: bytes) -> None:
            engine.write_file(data=file)
            self._open()

    a, b = (slug(name=n) for n in engine.names)
    DiffMachine.__name__ = f"Diff_{a}_{b}".replace("-", "_")
    return DiffMachine
