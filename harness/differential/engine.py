"""The lockstep engine and the hypothesis state machine that drives it.

The Engine holds both sides for the whole run; the machine class built by
`build_machine` generates the steps, and the engine runs each on both sides
and compares everything after it. A difference gets a signature
(harness/diff_signatures.py); one that is set aside (found earlier in the run,
or known) silences the rest of its example, any other raises Divergence.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import cache
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from harness.confine import CONFINED_NOTE
from harness.differential.counterexample import Counterexample, TraceStep, slug
from harness.differential.decoys import DECOY_CACHE, DECOY_DIR, DECOY_VARS, MISSING, NOT_A_DIR
from harness.differential.known import KnownDivergences
from harness.differential.observe import (
    CACHE_FILE,
    Answer,
    DiskState,
    compare_answers,
    compare_disks,
)
from harness.differential.options import ALLOW_CLASSES, DiffOptions, auto_allowed
from harness.differential.side import DEFAULT_ENV, UMASK, DirSnapshot, Side
from harness.differential.signatures import Signature, signature_of
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
from harness.messages import GO_TYPES, OFF, STRICT
from harness.pool import TesteePool
from harness.sandbox import fast_sandbox_parent
from harness.stepspec import Edit, build_edit
from harness.testee import Testee

# Keys read from a hand-edited file that later lookups and deletes may draw.
MAX_FILE_KEYS = 8
# Where an edit may point the cache file: nowhere, at itself, at its directory, at a decoy.
EDIT_LINK_TARGETS = ("missing.json", "token-cache.json", ".", f"../../{DECOY_CACHE}")
EDITED = Answer(compared={"edit": "done"})
NOT_EDITED = Answer(compared={"edit": "failed"})


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


def message_mode_of(*, allowed: frozenset[str]) -> str:
    """How the diff compares error messages, from the allowed classes."""
    if "messages" in allowed:
        return OFF
    return GO_TYPES if "go-type-names" in allowed else STRICT


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
        self._pending: tuple[dict[str, Any], dict[int, Callable[[], Answer]],
                             tuple[DirSnapshot, ...]] | None = None
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
        self.messages = message_mode_of(allowed=self.allowed)
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
        self.first_failure_at: float | None = None  # time.monotonic() of this round's first
        # What the search sets aside: components of divergences found or known.
        self.known: KnownDivergences = options.known or KnownDivergences()
        self.set_aside: set[str] = set()
        self.set_aside_ids: set[str] = set()
        for entry in self.known.entries:
            self.set_aside |= entry.components
        self.known_seen: dict[str, int] = {}  # known entry (where) → divergences it set aside
        self.stop_requested: Callable[[], bool] = lambda: False
        self._capture: list[Signature] | None = None  # replaying a case: no raising
        # Overlap: a step whose answer the machine does not need is compared when the
        # next one begins, so a subprocess side works while hypothesis draws.
        self.overlap = options.overlap and any(not _in_process(s.testee) for s in self.sides)
        # Per example:
        self.muted = False  # a set-aside divergence ended the example's comparisons
        self.file: bytes | None = None
        self.trace: list[TraceStep] = []
        self.env: dict[str, str | None] = dict(DEFAULT_ENV)
        self.umask = UMASK

    # -- what is set aside ---
    def set_aside_signature(self, *, signature: Signature) -> None:
        """Set a found divergence aside for the rest of the run."""
        self.set_aside |= signature.components
        self.set_aside_ids.add(signature.id)

    def is_set_aside(self, *, signature: Signature) -> bool:
        """True for a divergence found earlier in the run or listed as known."""
        entry = self.known.match(signature=signature)
        if entry is not None:
            self.known_seen[entry.where] = self.known_seen.get(entry.where, 0) + 1
            return True
        return signature.id in self.set_aside_ids or signature.components <= self.set_aside

    # -- per example ---
    def begin_example(
        self, *, env: Mapping[str, str | None] | None = None, umask: int = UMASK
    ) -> None:
        """Reset both sandboxes and the trace, the example to open under env and umask
        (or, once the run should stop, do nothing)."""
        self._drop_pending()
        self.test_cases += 1
        self.file = None
        self.trace = []
        self.env = dict(DEFAULT_ENV if env is None else env)
        self.umask = umask
        # A stop never interrupts a divergence being shrunk: its replays must agree.
        self.muted = self.failure is None and self.stop_requested()
        if self.muted:
            return
        for side in self.sides:
            side.reset(env=self.env, umask=umask)
        if self.on_test_case is not None:
            self.on_test_case(self.test_cases, self.failure is not None)

    def write_file(self, *, data: bytes) -> None:
        """Lay the same hand-edited file on both sides; earlier steps stop mattering."""
        self.settle()
        if self.muted:
            return
        for side in self.sides:
            side.write_cache_file(data=data)
        self.file = data
        self.trace = []

    def edit(self, *, step: Mapping[str, Any]) -> None:
        """Change the cache file on both sides between two operations (no reopen).

        An edit that cannot apply (a chmod of a file that is not there) changes
        nothing and is left out; one that applies on one side only is a divergence.
        """
        self.settle()
        if self.muted:
            return
        edit = edit_of(step=step)
        try:
            self.sides[0].edit(edit=edit)
        except EditFailed:
            return
        answers = (EDITED, EDITED)
        diffs: list[str] = []
        try:
            self.sides[1].edit(edit=edit)
        except EditFailed as exc:
            answers = (EDITED, NOT_EDITED)
            diffs.append(f"edit ({describe_edit(edit=edit)}) applied on "
                         f"{self.names[0]}'s sandbox only: {exc}")
        self.steps += 1
        self.trace.append(TraceStep(step=dict(step), answers=answers))
        disks = (self.sides[0].disk(), self.sides[1].disk())
        ignore_expires_in = "expires-in" in self.allowed
        diffs += compare_disks(a=disks[0], b=disks[1], names=self.names,
                               ignore_expires_in=ignore_expires_in)
        if diffs:
            self._found(step=step, answers=answers, disks=disks, diffs=diffs)

    def step(self, *, step: Mapping[str, Any], wait: bool = True) -> tuple[Answer, Answer] | None:
        """Run one step on both sides and compare; None when a side cannot perform it,
        the example is muted, or (wait=False) the comparison is still pending.

        Subprocess sides are sent the request first and waited for last, so a
        subprocess works while an in-process side answers. With wait=False and
        a subprocess side, the engine does not wait for it: the step is
        compared when the next step begins (or at `settle`), so the subprocess
        works while hypothesis draws the next step. A divergence found then is
        the pending step's, raised from the next one.
        """
        self.settle()
        if self.muted:
            return None
        befores = tuple(side.snapshot() for side in self.sides)
        waits: dict[int, Callable[[], Answer]] = {}
        for i in self._submit_order:
            waits[i] = self.sides[i].submit(step=step, messages=self.messages)
        if not wait and self.overlap and self._capture is None:
            self._pending = (dict(step), waits, befores)
            return None
        return self._compare(step=step, waits=waits, befores=befores)

    def settle(self) -> tuple[Answer, Answer] | None:
        """Compare the pending step, if one is waiting (raises Divergence as step does)."""
        pending, self._pending = self._pending, None
        if pending is None:
            return None
        step, waits, befores = pending
        return self._compare(step=step, waits=waits, befores=befores)

    def _compare(
        self, *, step: Mapping[str, Any], waits: Mapping[int, Callable[[], Answer]],
        befores: tuple[DirSnapshot, ...],
    ) -> tuple[Answer, Answer] | None:
        ans_a, ans_b = (waits[i]() for i in range(2))
        if ans_a.unsupported or ans_b.unsupported:
            for side, before in zip(self.sides, befores, strict=True):
                side.restore(snapshot=before)
            return None
        self.steps += 1
        answers = (ans_a, ans_b)
        ignore_expires_in = "expires-in" in self.allowed
        if ignore_expires_in:
            answers = (_drop_expires_in(ans_a), _drop_expires_in(ans_b))
        self.trace.append(TraceStep(step=dict(step), answers=answers))
        disks = (self.sides[0].disk(), self.sides[1].disk())
        diffs = compare_answers(a=answers[0], b=answers[1], names=self.names)
        diffs += compare_disks(
            a=disks[0], b=disks[1], names=self.names, ignore_expires_in=ignore_expires_in,
        )
        if not diffs:
            return answers
        if "null-top-level" in self.allowed and self._null_file_crash(answers):
            assume(False)  # documented Go panic: not a finding
        self._found(step=step, answers=answers, disks=disks, diffs=diffs)
        return answers

    def _found(
        self, *, step: Mapping[str, Any], answers: tuple[Answer, Answer],
        disks: tuple[DiskState, DiskState], diffs: Sequence[str],
    ) -> None:
        """A divergence after `step`: captured, set aside (the example muted) or raised."""
        signature = signature_of(step=step, answers=answers, disks=disks,
                                 ignore_expires_in="expires-in" in self.allowed)
        if self._capture is not None:
            self._capture.append(signature)
            self.muted = True
            return
        if self.is_set_aside(signature=signature):
            self.muted = True  # what follows a divergence is its consequence
            return
        if self.failure is None:
            self.first_failure_at = time.monotonic()
        self.failure = Counterexample(
            names=self.names,
            file=self.file,
            steps=tuple(self.trace),
            disks=disks,
            diffs=tuple(diffs),
            expected_side=self.expected_side,
            signature=signature,
            env=self.env,
            umask=self.umask,
        )
        raise Divergence(self.failure.render())

    def replay(
        self, *, file: bytes | None, steps: Sequence[Mapping[str, Any]],
        env: Mapping[str, str | None] | None = None, umask: int = UMASK,
    ) -> Signature | None:
        """Run a fixed sequence on both sides; the signature of its first divergence."""
        self._capture = []
        try:
            self.begin_example(env=env, umask=umask)
            if self.muted:  # a stop was requested, so nothing was reset; a replay still runs
                self.muted = False
                for side in self.sides:
                    side.reset(env=self.env, umask=self.umask)
            if file is not None:
                self.write_file(data=file)
            for s in steps:
                if s.get("op") == "edit":
                    self.edit(step=s)
                else:
                    self.step(step=s)
                if self.muted:
                    break
            return self._capture[0] if self._capture else None
        finally:
            self._capture = None
            self.muted = False

    def _drop_pending(self) -> None:
        """Forget a pending step of an example that ended by an error (its answers are read)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            with contextlib.suppress(Exception):
                for wait in pending[1].values():
                    wait()

    def _null_file_crash(self, answers: tuple[Answer, Answer]) -> bool:
        return any(a.broken for a in answers) and (
            self.file is not None and self.file.strip(b" \t\r\n") == b"null"
        )

    def close(self) -> None:
        """Stop both testees, remove both sandboxes."""
        self._drop_pending()
        for side in self.sides:
            with contextlib.suppress(Exception):
                side.close()


def _drop_expires_in(answer: Answer) -> Answer:
    ok = answer.compared.get("ok")
    if isinstance(ok, Mapping) and isinstance(ok.get("token"), Mapping):
        token = {**ok["token"], "expires_in": 0}
        return replace(answer, compared={"ok": {**ok, "token": token}})
    return answer


def _no_surrogates(text: str) -> str:
    # Go decodes a lone surrogate escape to U+FFFD, so that is the key the cache holds.
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


def keys_in_file(*, data: bytes) -> list[str]:
    """Keys a hand-edited cache file holds (as Go would read them), for lookups and deletes.

    Best effort: a file Python's decoder cannot read yields none; members whose
    name folds to `tokens` (Go matches field names case-insensitively) all count.
    """
    try:
        doc = json.loads(data.decode("utf-8", "replace"))
    except ValueError:
        return []
    if not isinstance(doc, dict):
        return []
    found: list[str] = []
    for name, value in doc.items():
        if name.replace("\u017f", "s").lower() == "tokens" and isinstance(value, dict):
            found.extend(_no_surrogates(k) for k in value)
    return list(dict.fromkeys(found))[:MAX_FILE_KEYS]


# The ops of one step, in the order the old rule set had them. Each step draws
# one of the ops its state enables, so no draw is ever rejected.
STORE, STORE_KNOWN, DELETE, LOOKUP_KNOWN, LOOKUP = (
    "store", "store_known", "delete", "lookup_known", "lookup"
)
DUAL_STORE, REOPEN, WRITE_FILE = "dual_store", "reopen", "write_file"
REOPEN_WITHOUT_HOME, EDIT = "reopen_without_home", "edit"
CLOSED_OPS = (REOPEN, WRITE_FILE)
# Swarm testing: half the examples leave some ops out altogether (one bit each), as
# hypothesis's rule-based machines do, so that rare ops get examples of their own.
_SWARM = st.one_of(st.just(0), st.integers(0, 1023))


@cache
def _pick(choices: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.sampled_from(choices)


@cache
def _index(size: int) -> st.SearchStrategy[int]:
    return st.integers(0, size - 1)


def _open_ops(*, has: Callable[[str], bool], vias: Sequence[str]) -> tuple[str, ...]:
    ops: list[str] = []
    if has("store"):
        ops += [STORE, STORE_KNOWN, DELETE]
    if has("lookup"):
        ops += [LOOKUP_KNOWN, LOOKUP]
    if has("dual_store") and vias:
        ops.append(DUAL_STORE)
    return (*ops, REOPEN, WRITE_FILE, REOPEN_WITHOUT_HOME, EDIT)


def build_machine(*, engine: Engine) -> type[RuleBasedStateMachine]:
    """A state machine class bound to one engine (ops both sides announce only)."""
    expires_in = "expires-in" not in engine.allowed
    null_top = "null-top-level" not in engine.allowed
    token = tokens(expires_in=expires_in)
    files = cache_file_bytes(expires_in=expires_in, null_top_level=null_top)
    key = keys()
    maybe_key = st.one_of(st.none(), keys())
    args = oauth_args()
    vias = engine.vias
    via = st.sampled_from(vias or ["sdk"])
    open_ops = _open_ops(has=engine.ops.__contains__, vias=vias)
    # A mode set through a link to the cache directory would take its search right away.
    targets = EDIT_LINK_TARGETS if engine.same_privilege else tuple(
        t for t in EDIT_LINK_TARGETS if t != ".")
    edits = edit_steps(path=CACHE_FILE, link_targets=targets,
                       expires_in=expires_in, null_top_level=null_top,
                       owner_rights_kept=not engine.same_privilege)
    umask = umasks(owner_rights_kept=not engine.same_privilege)
    envs = open_envs(home="home", variables=DECOY_VARS, values=(DECOY_DIR, MISSING, NOT_A_DIR))
    no_home = st.sampled_from([None, ""])
    # HOME alone under 022, or a drawn env and umask: one choice shrinks to the plain open.
    setting = st.one_of(st.none(), st.tuples(envs, umask))

    class DiffMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.opened = False
            self.known: list[str] = []  # keys stored, the first key, keys of hand-edited files
            self.swarm = 0

        def _run(self, step: dict[str, Any], *, wait: bool = False) -> tuple[Answer, Answer] | None:
            answers = engine.step(step=step, wait=wait)
            if answers is not None and any(a.broken for a in answers):
                self.opened = False  # a crashed process has no cache open
            return answers

        def teardown(self) -> None:
            # The last step's comparison, when it was left pending; not while an error
            # (a divergence, hypothesis stopping a draw) is already on its way out.
            if sys.exc_info()[0] is None:
                engine.settle()

        def _open(self) -> None:
            answers = self._run({"op": "open", "path": None}, wait=True)
            self.opened = answers is not None and "ok" in answers[0].compared

        def _remember(self, *names: str) -> None:
            for name in names:
                if name not in self.known:
                    self.known.append(name)

        def _lay(self, file: bytes) -> None:
            engine.write_file(data=file)
            self._remember(*keys_in_file(data=file))

        def _choices(self) -> tuple[str, ...]:
            ops = open_ops if self.opened else CLOSED_OPS
            kept = tuple(op for op in ops if not self.swarm >> open_ops.index(op) & 1)
            return kept or ops

        @initialize(file=st.one_of(st.none(), files), first=key, swarm=_SWARM,
                    setting=setting)
        def start(self, file: bytes | None, first: str, swarm: int,
                  setting: tuple[dict[str, str | None], int] | None) -> None:
            env, mask = setting if setting is not None else (None, UMASK)
            engine.begin_example(env=env, umask=mask)
            self.known = [first]
            self.swarm = swarm
            if file is not None:
                self._lay(file)
            self._open()

        @rule(data=st.data())
        def step(self, data: st.DataObject) -> None:
            if engine.muted:
                return  # the example's comparisons ended: draw nothing more
            op = data.draw(_pick(self._choices()))
            if op == STORE:
                name = data.draw(key)
                self._run({"op": "store", "key": name, "token": data.draw(token)})
                self._remember(name)
            elif op in (STORE_KNOWN, DELETE, LOOKUP_KNOWN):
                name = self.known[data.draw(_index(len(self.known)))]
                if op == STORE_KNOWN:
                    self._run({"op": "store", "key": name, "token": data.draw(token)})
                elif op == DELETE:
                    self._run({"op": "delete", "key": name})
                else:
                    self._run({"op": "lookup", "key": name})
            elif op == LOOKUP:
                self._run({"op": "lookup", "key": data.draw(key)})
            elif op == DUAL_STORE:
                self._run({"op": "dual_store", "arg": data.draw(args),
                           "key": data.draw(maybe_key), "token": data.draw(token),
                           "via": data.draw(via)})
            elif op == REOPEN:
                self._open()
            elif op == REOPEN_WITHOUT_HOME:
                # The default location with HOME unset or empty: Go fails, no cache is open.
                answers = self._run({"op": "open", "path": None,
                                     "env": {"HOME": data.draw(no_home)}}, wait=True)
                self.opened = answers is not None and "ok" in answers[0].compared
            elif op == EDIT:
                engine.edit(step=data.draw(edits))  # the cache stays open: the next op meets it
            else:
                self._lay(data.draw(files))
                self._open()

    a, b = (slug(name=n) for n in engine.names)
    DiffMachine.__name__ = f"Diff_{a}_{b}".replace("-", "_")
    return DiffMachine
