"""Interop matrix: every writer x reader pair of implementations sharing one cache file.

For a pair (A writes, B reads): A opens a fresh cache and stores a fixed set of
tokens; B opens the same file, looks every key up, then stores one more token;
A opens the file again and looks everything up. A cell records whether the
file stayed readable by both, and every token lost or altered on the way,
compared with what the harness asked A (or B) to store.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness import collect, scratch
from harness.breaker import DEFAULT_MAX_TIMEOUTS, CircuitBreaker
from harness.checks import normalise_token
from harness.confine import CONFINED_NOTE
from harness.data import RunResult
from harness.exceptions import TesteeFailure, TesteeTimeout
from harness.interrupt import Interrupted
from harness.options import DEFAULT_TIMEOUT
from harness.pool import TesteePool
from harness.progress import Progress
from harness.protocol import LookupRequest, OpenRequest, Request, Response, StoreRequest, Success
from harness.sandbox import CaseSandbox
from harness.spec import SandboxSpec
from harness.stable import stable_text
from harness.testee import SubprocessTestee, Testee
from harness.toolchains import reference_testee

EXTRA_KEY = "interop-extra"
CACHE_DIR_REL = "home/.databricks"  # where the shared default-location cache lives
CACHE_FILE_REL = f"{CACHE_DIR_REL}/token-cache.json"
ACCOUNT_KEY = (
    "https://accounts.cloud.databricks.com/oidc/accounts/00000000-0000-0000-0000-000000000000"
)

# What A writes: one token per feature an implementation could lose.
INTEROP_TOKENS: Mapping[str, Mapping[str, Any]] = {
    "DEFAULT": {
        "access_token": "profile-access",
        "token_type": "Bearer",
        "refresh_token": "profile-refresh",
        "expiry": "2030-01-02T03:04:05.123456789+02:00",
        "expires_in": 3600,
    },
    "https://x.cloud.databricks.com": {
        "access_token": "a<b>&c",
        "token_type": "Bearer",
        "refresh_token": "r",
        "expiry": "2030-06-01T00:00:00Z",
    },
    ACCOUNT_KEY: {
        "access_token": "\u00e9\u2028\U0001f600",
        "refresh_token": "\u2029",
    },
    "prod": {"token_type": "Bearer", "expiry": "1999-12-31T23:59:59.5-08:00"},
}
EXTRA_TOKEN: Mapping[str, Any] = {
    "access_token": "written-by-reader",
    "token_type": "Bearer",
    "refresh_token": "rr",
    "expiry": "2031-01-01T00:00:00Z",
    "expires_in": 60,
}

OK, ALTERED, UNREADABLE, ERROR = "ok", "altered", "unreadable", "error"


@dataclass(frozen=True)
class TokenChange:
    """One token that did not survive: lost, or a field that changed."""

    phase: str  # "reader reads" or "writer rereads"
    key: str
    field: str  # "" when the whole token is lost
    wrote: Any
    read: Any

    def text(self) -> str:
        """One line for reports."""
        if not self.field:
            return f"{self.phase}: {self.key!r} lost ({self.read})"
        return (
            f"{self.phase}: {self.key!r} {self.field}: wrote {json.dumps(self.wrote)}, "
            f"read {json.dumps(self.read)}"
        )


@dataclass(frozen=True)
class InteropCell:
    """One writer x reader pair."""

    writer: str
    reader: str
    status: str  # ok, altered, unreadable, error
    readable_by_reader: bool
    readable_by_writer: bool
    changes: tuple[TokenChange, ...] = ()
    errors: tuple[str, ...] = ()

    def summary(self) -> str:
        """Short text for a grid cell."""
        if self.status == OK:
            return "ok"
        if self.status == ALTERED:
            fields = sorted({c.field or "lost" for c in self.changes})
            return f"{len(self.changes)} altered ({', '.join(fields)})"
        if self.status == UNREADABLE:
            who = [n for n, ok in (("reader", self.readable_by_reader),
                                   ("writer", self.readable_by_writer)) if not ok]
            return "unreadable by " + " and ".join(who)
        return "error"

    def details(self) -> list[str]:
        """Every change and error, one line each."""
        return [c.text() for c in self.changes] + list(self.errors)


@dataclass(frozen=True)
class InteropResult:
    """The whole writer x reader grid."""

    impls: tuple[str, ...]
    cells: tuple[InteropCell, ...]
    unavailable: Mapping[str, str]
    incomplete: str | None = None  # why not every pair ran (an interrupt)

    def cell(self, *, writer: str, reader: str) -> InteropCell | None:
        """The cell of one pair, if it ran."""
        for c in self.cells:
            if c.writer == writer and c.reader == reader:
                return c
        return None

    @property
    def ok(self) -> bool:
        """True when every pair kept every token intact and the file readable."""
        return (
            all(c.status == OK for c in self.cells) and not self.unavailable
            and self.incomplete is None
        )


class _Failed(Exception):
    """A step of the interop script failed on one side."""


def _call(
    testee: Testee, req: Request, breaker: CircuitBreaker | None,
    *, env: Mapping[str, str | None] | None = None,
) -> Response:
    """One request (after begin_case, when `env` is given); failures become _Failed."""
    try:
        if env is not None:  # may (re)start the testee: its failures are the pair's too
            testee.begin_case(env=env, umask=0o022)
        resp = testee.request(req=req)
    except TesteeFailure as exc:
        if breaker is not None:
            breaker.record(impl=testee.name, timed_out=isinstance(exc, TesteeTimeout),
                           message=str(exc))
        raise _Failed(f"{testee.name} {req.op}: {str(exc).splitlines()[0]}") from exc
    if breaker is not None:
        breaker.record(impl=testee.name, timed_out=False)
    return resp


def _open(testee: Testee, sb: CaseSandbox, breaker: CircuitBreaker | None) -> str | None:
    """Open the shared default-location cache; the error text when it fails."""
    env = sb.resolve_env(env={"HOME": "home"})
    resp = _call(testee, OpenRequest(path=None, env=env, umask=0o022), breaker, env=env)
    if isinstance(resp, Success):
        return None
    return f"{resp.kind}: {resp.message}".replace(str(sb.root), "{sandbox}")


def _handed_over(*, sb: CaseSandbox, by: Testee) -> None:
    """Raise _Failed when `by` left the shared cache as something no reader may open.

    The next reader may be the in-process reference, that is the harness itself:
    a FIFO would hang it, and a link out of the sandbox (to someone's real token
    cache) would put outside bytes into the grid. So the file and its folder are
    looked at first, confined (harness.collect), and such a cache is not handed on.
    """
    for problem in (collect.read_dir(root=sb.root, rel=CACHE_DIR_REL).problem,
                    collect.read_file(root=sb.root, rel=CACHE_FILE_REL).problem):
        if problem is not None:
            raise _Failed(f"{by.name} left the cache unusable, not handed on: {problem}")


def _store(
    testee: Testee, key: str, token: Mapping[str, Any], breaker: CircuitBreaker | None
) -> str | None:
    resp = _call(testee, StoreRequest(key=key, token=dict(token)), breaker)
    if isinstance(resp, Success):
        return None
    return f"{testee.name} store {key!r}: {resp.kind}: {resp.message}"


def _compare(
    *, testee: Testee, phase: str, wanted: Mapping[str, Mapping[str, Any]],
    breaker: CircuitBreaker | None,
) -> list[TokenChange]:
    changes: list[TokenChange] = []
    for key, token in wanted.items():
        resp = _call(testee, LookupRequest(key=key), breaker)
        if not isinstance(resp, Success):
            changes.append(TokenChange(phase, key, "", token, resp.kind))
            continue
        got = resp.result.get("token")
        if got is None:
            changes.append(TokenChange(phase, key, "", token, "null"))
            continue
        want_n, got_n = normalise_token(token=dict(token)), normalise_token(token=got)
        for name in sorted(want_n):
            if want_n[name] != got_n.get(name):
                changes.append(TokenChange(phase, key, name, want_n[name], got_n.get(name)))
    return changes


def run_pair(
    *, writer: Testee, reader: Testee, sandbox_parent: Path | None = None,
    breaker: CircuitBreaker | None = None,
) -> InteropCell:
    """Writer stores the fixed set, reader reads and adds one, writer rereads.

    `breaker` counts each side's timeouts (run_interop skips the pairs of a broken one).
    """
    changes: list[TokenChange] = []
    errors: list[str] = []
    readable_by_reader = readable_by_writer = True
    try:
        with CaseSandbox(spec=SandboxSpec(), parent=sandbox_parent) as sb:
            try:
                why = _open(writer, sb, breaker)
                if why is not None:
                    raise _Failed(f"{writer.name} cannot create the cache: {why}")
                for key, token in INTEROP_TOKENS.items():
                    e = _store(writer, key, token, breaker)
                    if e:
                        errors.append(e)
                writer.end_case()
                _handed_over(sb=sb, by=writer)
                why = _open(reader, sb, breaker)
                if why is not None:
                    readable_by_reader = False
                    errors.append(f"{reader.name} open: {why}")
                else:
                    changes += _compare(testee=reader, phase="reader reads", wanted=INTEROP_TOKENS,
                                        breaker=breaker)
                    e = _store(reader, EXTRA_KEY, EXTRA_TOKEN, breaker)
                    if e:
                        errors.append(e)
                reader.end_case()
                _handed_over(sb=sb, by=reader)
                why = _open(writer, sb, breaker)
                if why is not None:
                    readable_by_writer = False
                    errors.append(f"{writer.name} reopen: {why}")
                elif readable_by_reader:
                    wanted = {**INTEROP_TOKENS, EXTRA_KEY: EXTRA_TOKEN}
                    changes += _compare(testee=writer, phase="writer rereads", wanted=wanted,
                                        breaker=breaker)
            finally:
                for t in (writer, reader):
                    with contextlib.suppress(Exception):
                        t.end_case()
    except _Failed as exc:
        return InteropCell(writer.name, reader.name, ERROR, False, False, tuple(changes),
                           (*errors, str(exc)))
    except OSError as exc:
        return InteropCell(writer.name, reader.name, ERROR, False, False, (), (f"sandbox: {exc}",))
    if not (readable_by_reader and readable_by_writer):
        status = UNREADABLE
    elif errors:
        status = ERROR
    elif changes:
        status = ALTERED
    else:
        status = OK
    return InteropCell(
        writer.name, reader.name, status, readable_by_reader, readable_by_writer,
        tuple(changes), tuple(errors),
    )


def _pair_or_broken(
    *, writer: Testee, reader: Testee, sandbox_parent: Path, breaker: CircuitBreaker
) -> InteropCell:
    for t in (writer, reader):
        why = breaker.reason(impl=t.name)
        if why is not None:
            return InteropCell(writer.name, reader.name, ERROR, False, False, (),
                               (stable_text(text=why),))
    cell = run_pair(writer=writer, reader=reader, sandbox_parent=sandbox_parent,
                    breaker=breaker)
    return replace(cell, errors=tuple(stable_text(text=e) for e in cell.errors))


def run_interop(
    *, testees: Sequence[Testee], unavailable: Mapping[str, str] | None = None,
    sandbox_parent: Path | None = None, progress: Progress | None = None,
    max_timeouts: int = DEFAULT_MAX_TIMEOUTS,
) -> InteropResult:
    """Every writer x reader pair (the diagonal too); testees are started and closed here.

    `progress` (its total set here, to the number of pairs) counts the pairs done.
    """
    # Writer and reader share each pair's sandbox, so every testee (a confined one can
    # write only its sandbox folder) gets the same folder.
    shared = scratch.make_dir(prefix="tokencache-compat-interop-",
                              parent=sandbox_parent or scratch.fast_parent())
    for t in testees:
        t.share_sandbox_dir(path=shared)
    pool = TesteePool(testees=testees)
    cells: list[InteropCell] = []
    started: list[Testee] = []
    missing = dict(unavailable or {})
    incomplete: str | None = None
    breaker = CircuitBreaker(limit=max_timeouts)
    try:
        started = pool.start_all()
        missing.update({f.info.name: f.info.unavailable or "" for f in pool.failures()})
        pairs = [(w, r) for w in started for r in started]
        if progress is not None:
            progress.total = len(pairs)
        for w, r in pairs:
            cells.append(_pair_or_broken(writer=w, reader=r, sandbox_parent=shared,
                                         breaker=breaker))
            if progress is not None:
                progress.advance(detail=f"{w.name} wrote, {r.name} read: {cells[-1].status}")
    except Interrupted as exc:  # keep the pairs that finished
        incomplete = (
            f"interrupted by {exc.signame} after {len(cells)} of {len(started) ** 2} pairs"
        )
    finally:
        pool.close()
        scratch.remove_dir(path=shared)
        if progress is not None:
            progress.finish()
    return InteropResult(impls=tuple(t.name for t in started), cells=tuple(cells),
                         unavailable=missing, incomplete=incomplete)


def recreate_testees(
    *, run: RunResult, timeout: float = DEFAULT_TIMEOUT, confine_mode: str | None = None
) -> tuple[list[Testee], dict[str, str]]:
    """Fresh testees for the implementations a case run used, and those it could not run.

    A run's testees are closed when its cases are done; every subprocess testee
    is started again from its recorded command, and the in-process references
    (each toolchain model) are created anew. Any other in-process testee (a
    plugin's or a test's) has no recorded recipe and is listed as unavailable.
    Without `confine_mode` each is confined exactly when the run confined it.
    """
    testees: list[Testee] = []
    unavailable: dict[str, str] = {}
    for info in run.impls:
        if info.unavailable is not None:
            unavailable[info.name] = info.unavailable
        elif info.kind == "subprocess" and info.command:
            testees.append(SubprocessTestee(
                name=info.name, command=tuple(info.command), timeout=timeout, source=info.source,
                confine_mode=confine_mode or (
                    "on" if info.confinement == CONFINED_NOTE else "off"
                ),
            ))
        elif info.kind == "in-process" and (ref := reference_testee(name=info.name)):
            testees.append(ref)
        else:
            unavailable[info.name] = "an in-process testee the interop matrix cannot recreate"
    return testees, unavailable


def interop_for_run(
    *, run: RunResult, timeout: float = DEFAULT_TIMEOUT, progress: Progress | None = None,
    confine_mode: str | None = None, max_timeouts: int = DEFAULT_MAX_TIMEOUTS,
) -> InteropResult:
    """The writer x reader grid over the same implementations as a case run."""
    testees, unavailable = recreate_testees(run=run, timeout=timeout, confine_mode=confine_mode)
    return run_interop(testees=testees, unavailable=unavailable, progress=progress,
                       max_timeouts=max_timeouts)
