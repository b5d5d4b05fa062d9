"""Differential property testing: one operation sequence, two implementations, lockstep.

A hypothesis RuleBasedStateMachine drives both sides with the same steps; each
side has its own sandbox (own temp dir, own HOME) that is reset, not recreated,
between examples, and its testee stays alive across examples. After every step
the normalised responses, the cache file's bytes and mode, and the cache
directory's mode and listing must be equal. The first difference fails the
example; hypothesis shrinks it and the minimal sequence is written as a
ready-to-add spec case (see docs/differential.md).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hypothesis import assume, seed, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir, storage_directory
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    get_state_machine_test,
    initialize,
    precondition,
    rule,
)

from harness.checks import byte_diff, escape_bytes, normalise_message, normalise_result
from harness.exceptions import (
    ProjectNotFound,
    TesteeCrashed,
    TesteeTimeout,
    TesteeUnavailable,
)
from harness.paths import find_repo_root
from harness.sandbox import remove_tree
from harness.spec import load_case_file
from harness.strategies import (
    CI_PROFILE,
    cache_file_bytes,
    keys,
    oauth_args,
    profile_settings,
    tokens,
)
from harness.testee import Testee

CACHE_DIR = "home/.databricks"
CACHE_FILE = f"{CACHE_DIR}/token-cache.json"
DEFAULT_OUT = Path("reports/counterexamples")
UMASK = 0o022
_TMP_NAME = re.compile(r"\.token-cache-\d+\.tmp")
_EXPIRES_IN_LINE = re.compile(rb',\n\s*"expires_in": -?\d+')
_OAUTH2_VERSION = re.compile(r"v0\.(\d+)\.")

# Known, documented divergence classes `--allow` accepts (docs/differential.md).
ALLOW_CLASSES: Mapping[str, str] = {
    "null-top-level": "real Go panics on a cache file whose JSON value is null "
    "(nil *tokenCacheFile dereference); generation avoids such files",
    "expires-in": "Go built with golang.org/x/oauth2 < v0.23.0 has no expires_in field "
    "and drops it; generation never sets it and it is ignored when comparing",
    "messages": "error messages are not compared, only error kinds",
}


class DiffSetupError(RuntimeError):
    """A side cannot take part in a differential run (did not start, bad hello)."""


class Divergence(AssertionError):
    """The two sides answered a step differently (hypothesis shrinks on this)."""


# -- observations -------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """A normalised response: what is compared, plus detail only shown to people."""

    compared: Mapping[str, Any]
    detail: str = ""

    @property
    def unsupported(self) -> bool:
        """True when the side cannot perform this request variant."""
        return self.compared.get("error") == "unsupported"

    @property
    def broken(self) -> bool:
        """True when the testee crashed or timed out."""
        return "crash" in self.compared


@dataclass(frozen=True)
class DiskState:
    """The cache file and its directory after a step."""

    file_type: str
    file_mode: int | None
    content: bytes | None
    dir_mode: int | None
    listing: tuple[str, ...] | None


def read_disk(*, root: Path) -> DiskState:
    """Read the cache file and directory of one sandbox (temp names normalised)."""
    path = root / CACHE_FILE
    try:
        st_ = os.lstat(path)
    except OSError:
        ftype, fmode, content = "absent", None, None
    else:
        fmode = stat.S_IMODE(st_.st_mode)
        if stat.S_ISREG(st_.st_mode):
            ftype = "regular"
            try:
                content = path.read_bytes()
            except OSError:
                content = None
        else:
            ftype, content = ("symlink" if stat.S_ISLNK(st_.st_mode) else "other"), None
    try:
        dmode: int | None = stat.S_IMODE(os.stat(root / CACHE_DIR).st_mode)
        listing: tuple[str, ...] | None = tuple(
            sorted(_TMP_NAME.sub(".token-cache-*.tmp", n) for n in os.listdir(root / CACHE_DIR))
        )
    except OSError:
        dmode, listing = None, None
    return DiskState(
        file_type=ftype, file_mode=fmode, content=content, dir_mode=dmode, listing=listing
    )


def _mode(mode: int | None) -> str:
    return "none" if mode is None else f"{mode:04o}"


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def compare_answers(*, a: Answer, b: Answer, names: tuple[str, str]) -> list[str]:
    """Differences between two normalised responses."""
    if a.compared == b.compared:
        return []
    out = [
        f"response: {names[0]}: {_show(a.compared)}",
        f"response: {names[1]}: {_show(b.compared)}",
    ]
    for name, ans in zip(names, (a, b), strict=True):
        if ans.detail:
            out.append(f"{name} detail: {ans.detail.strip()[:600]}")
    return out


def compare_disks(
    *, a: DiskState, b: DiskState, names: tuple[str, str], ignore_expires_in: bool = False
) -> list[str]:
    """Differences between two sandboxes' cache files and directories."""
    out: list[str] = []
    if a.file_type != b.file_type:
        out.append(f"{CACHE_FILE}: type {names[0]}={a.file_type} {names[1]}={b.file_type}")
    if a.file_mode != b.file_mode:
        out.append(
            f"{CACHE_FILE}: mode {names[0]}={_mode(a.file_mode)} {names[1]}={_mode(b.file_mode)}"
        )
    ca, cb = a.content, b.content
    if ignore_expires_in and ca is not None and cb is not None:
        ca, cb = _EXPIRES_IN_LINE.sub(b"", ca), _EXPIRES_IN_LINE.sub(b"", cb)
    if ca is not None and cb is not None:
        d = byte_diff(expected=ca, obtained=cb)
        if d:
            d = d.replace("  expected:", f"  {names[0]}:").replace("  obtained:", f"  {names[1]}:")
            d = d.replace("(expected ", f"({names[0]} ").replace("obtained ", f"{names[1]} ")
            out.append(f"{CACHE_FILE}: {d}")
    elif (ca is None) != (cb is None):
        out.append(f"{CACHE_FILE}: bytes readable on only one side")
    if a.dir_mode != b.dir_mode:
        out.append(
            f"{CACHE_DIR}/: mode {names[0]}={_mode(a.dir_mode)} {names[1]}={_mode(b.dir_mode)}"
        )
    if a.listing != b.listing:
        out.append(
            f"{CACHE_DIR}/: listing {names[0]}={list(a.listing or [])} "
            f"{names[1]}={list(b.listing or [])}"
        )
    return out


# -- one side ------------------------------------------------------------------------------


# A cache directory's contents: file name → bytes; None when the directory does not exist.
DirSnapshot = dict[str, bytes] | None


def fast_sandbox_parent() -> Path | None:
    """Where differential sandboxes go by default: a RAM-backed /dev/shm when usable.

    Every step creates, renames and removes files on both sides; on a disk-backed
    /tmp each such call can cost about a millisecond, on tmpfs a few µs. Modes,
    renames and listings behave the same, and both sides always share one file
    system. None: the platform's temp dir.
    """
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return None


class Side:
    """One implementation with its own long-lived sandbox, reset between examples."""

    def __init__(self, *, testee: Testee, parent: Path | None = None) -> None:
        self.testee = testee
        self.root = Path(os.path.realpath(tempfile.mkdtemp(prefix="tokencache-diff-", dir=parent)))
        self.home = self.root / "home"
        self.cache_dir = self.root / CACHE_DIR
        self.requests = 0
        # The cache directory as last observed, so a step needs no snapshot read first.
        self._known: DirSnapshot | _Unknown = _UNKNOWN

    @property
    def name(self) -> str:
        """The implementation's name."""
        return self.testee.name

    def env(self) -> dict[str, str | None]:
        """The environment every `open` applies: HOME inside the sandbox."""
        return {"HOME": str(self.home)}

    def reset(self) -> None:
        """Empty the sandbox (fresh home/) and start a new case on the testee."""
        with contextlib.suppress(Exception):
            self.testee.end_case()
        if not _empty_home(self.home):
            if self.home.exists():
                remove_tree(self.home)
            self.home.mkdir(mode=0o755)
            os.chmod(self.home, 0o755)
        self._known = None
        self.testee.begin_case(env=self.env(), umask=UMASK)

    def write_cache_file(self, *, data: bytes) -> None:
        """Lay down a hand-edited file where the default location points."""
        d = self.cache_dir
        if not d.exists():
            d.mkdir(mode=0o700, parents=True)
            os.chmod(d, 0o700)
        target = self.root / CACHE_FILE
        target.write_bytes(data)
        os.chmod(target, 0o600)
        self._known = _UNKNOWN  # other files may be in the directory

    def submit(self, *, step: Mapping[str, Any], ignore_messages: bool) -> Callable[[], Answer]:
        """Send one spec step as a protocol request; the call returns its Answer.

        Crashes and timeouts, whether raised sending or waiting, become answers.
        """
        req = protocol_request(step=step, env=self.env())
        self.requests += 1
        try:
            if not _alive(self.testee):  # restart after a crash in an earlier step
                self.testee.begin_case(env=self.env(), umask=UMASK)
            wait = self.testee.submit(req)
        except (TesteeTimeout, TesteeCrashed, TesteeUnavailable) as exc:
            failed = _broken_answer(exc)
            return lambda: failed

        def answer() -> Answer:
            try:
                resp = wait()
            except (TesteeTimeout, TesteeCrashed, TesteeUnavailable) as exc:
                return _broken_answer(exc)
            return self._answer(resp=resp, ignore_messages=ignore_messages)

        return answer

    def request(self, *, step: Mapping[str, Any], ignore_messages: bool) -> Answer:
        """Send one spec step and wait for its Answer."""
        return self.submit(step=step, ignore_messages=ignore_messages)()

    def _answer(self, *, resp: Mapping[str, Any], ignore_messages: bool) -> Answer:
        if resp.get("ok"):
            return Answer(compared={"ok": normalise_result(result=resp.get("result"))})
        error = resp.get("error") or {}
        kind = str(error.get("kind", ""))
        message = normalise_message(message=str(error.get("message", "")), roots=[str(self.root)])
        if kind == "unsupported" or ignore_messages:
            return Answer(compared={"error": kind}, detail=message)
        return Answer(compared={"error": kind, "message": message})

    def disk(self) -> DiskState:
        """The sandbox's cache file and directory now."""
        state = read_disk(root=self.root)
        self._known = _snapshot_of(state)
        return state

    def restore(self, *, snapshot: DirSnapshot) -> None:
        """Put the cache directory back as it was (after the other side said unsupported)."""
        d = self.cache_dir
        if snapshot is None:
            if d.exists():
                remove_tree(d)
            self._known = None
            return
        if d.exists():
            for name in os.listdir(d):
                if name not in snapshot:
                    with contextlib.suppress(OSError):
                        (d / name).unlink()
        for name, data in snapshot.items():
            (d / name).write_bytes(data)
            os.chmod(d / name, 0o600)
        self._known = _UNKNOWN

    def snapshot(self) -> DirSnapshot:
        """Bytes of every regular file in the cache directory (None: no directory).

        Taken from the last observation when that saw everything (no other
        files than the cache file); read from disk otherwise.
        """
        if not isinstance(self._known, _Unknown):
            return None if self._known is None else dict(self._known)
        d = self.cache_dir
        if not d.is_dir():
            return None
        out: dict[str, bytes] = {}
        for name in os.listdir(d):
            with contextlib.suppress(OSError):
                out[name] = (d / name).read_bytes()
        return out

    def close(self) -> None:
        """Stop the testee and remove the sandbox."""
        with contextlib.suppress(Exception):
            self.testee.end_case()
        self.testee.close()
        remove_tree(self.root)


class _Unknown:
    """Marker: the cache directory must be read to be known."""


_UNKNOWN = _Unknown()
_CACHE_NAME = CACHE_FILE.rsplit("/", 1)[1]


def _snapshot_of(state: DiskState) -> DirSnapshot | _Unknown:
    """The directory snapshot a DiskState fully describes, if it does."""
    if state.listing is None:
        return None if state.dir_mode is None else _UNKNOWN
    if state.listing == ():
        return {}
    if (
        state.listing == (_CACHE_NAME,)
        and state.file_type == "regular"
        and state.content is not None
    ):
        return {_CACHE_NAME: state.content}
    return _UNKNOWN


def _empty_home(home: Path) -> bool:
    """Empty a sandbox home in place; False when it needs the full remove-and-recreate.

    An example usually leaves at most `.databricks/` with a file or two; removing
    just those is far cheaper than walking and recreating the tree.
    """
    try:
        st_ = os.lstat(home)
        if not stat.S_ISDIR(st_.st_mode) or stat.S_IMODE(st_.st_mode) != 0o755:
            return False
        with os.scandir(home) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    with os.scandir(entry.path) as inner:
                        for sub in inner:
                            if sub.is_dir(follow_symlinks=False):
                                return False
                            os.unlink(sub.path)
                    os.rmdir(entry.path)
                else:
                    os.unlink(entry.path)
    except OSError:
        return False
    return True


def _broken_answer(exc: Exception) -> Answer:
    if isinstance(exc, TesteeTimeout):
        return Answer(compared={"crash": "timeout"}, detail=str(exc))
    return Answer(compared={"crash": "crash"}, detail=str(exc))


def _alive(testee: Testee) -> bool:
    alive = getattr(testee, "alive", None)
    return True if alive is None else bool(alive())


def protocol_request(*, step: Mapping[str, Any], env: Mapping[str, str | None]) -> dict[str, Any]:
    """A spec step (default-location `open`, `delete`, ...) as a protocol request."""
    op = step["op"]
    if op == "open":
        return {"op": "open", "path": None, "env": dict(env), "umask": UMASK}
    if op == "delete":
        return {"op": "store", "key": step["key"], "token": None}
    if op == "dual_store":
        return {
            "op": "dual_store",
            "arg": step["arg"],
            "key": step.get("key"),
            "token": step.get("token"),
            "via": step["via"],
        }
    return {k: v for k, v in step.items() if k != "expect"}


# -- the trace and its spec case -----------------------------------------------------------


@dataclass(frozen=True)
class TraceStep:
    """One executed step and what each side answered."""

    step: Mapping[str, Any]
    answers: tuple[Answer, Answer]


@dataclass(frozen=True)
class Counterexample:
    """A minimal diverging sequence and everything observed at the divergence."""

    names: tuple[str, str]
    file: bytes | None  # hand-edited cache file laid down before `steps`, if any
    steps: tuple[TraceStep, ...]
    disks: tuple[DiskState, DiskState]
    diffs: tuple[str, ...]
    expected_side: int  # 0 or 1: whose behaviour the spec case asserts

    def render(self) -> str:
        """A readable account: the steps, then every difference."""
        lines = [f"divergence between {self.names[0]} and {self.names[1]}"]
        if self.file is not None:
            lines.append(f"  cache file before: {escape_bytes(data=self.file)}")
        for n, ts in enumerate(self.steps, start=1):
            lines.append(f"  step {n}: {_show(dict(ts.step))}")
        lines.append("differences after the last step:")
        lines.extend(f"  - {d}" for d in self.diffs)
        return "\n".join(lines)


def slug(name: str) -> str:
    """An implementation name as an id segment: `go-sdk@v0.129.0` → `go-sdk-v0-129-0`."""
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return s or "impl"


def _expect(answer: Answer) -> dict[str, Any] | None:
    c = answer.compared
    if "ok" in c:
        return {"ok": c["ok"]}
    if c.get("error") in ("not_found", "error"):
        out: dict[str, Any] = {"error": c["error"]}
        if "message" in c:
            out["message"] = c["message"]
        return out
    return None  # a crash cannot be expected; the step's expectation is left open


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def counterexample_case(*, cx: Counterexample) -> tuple[dict[str, Any], bytes | None]:
    """The spec case (docs/spec-format.md) and the golden bytes it refers to."""
    exp = cx.expected_side
    other = 1 - exp
    steps: list[dict[str, Any]] = []
    for ts in cx.steps:
        s = {k: v for k, v in ts.step.items() if not (ts.step["op"] == "open" and k == "path")}
        e = _expect(ts.answers[exp])
        if e is not None:
            s["expect"] = e
        steps.append(s)
    sandbox: dict[str, Any] = {}
    if cx.file is not None:
        sandbox = {
            "dirs": [{"path": CACHE_DIR, "mode": "0700"}],
            "files": [{"path": CACHE_FILE, "mode": "0600", "base64": _b64(cx.file)}],
        }
    disk = cx.disks[exp]
    final: dict[str, Any] = {"file_type": disk.file_type}
    golden = disk.content if disk.file_type == "regular" else None
    if golden is not None:
        final["golden"] = True
    if disk.file_mode is not None:
        final["file_mode"] = f"{disk.file_mode:04o}"
    if disk.dir_mode is not None:
        final["dir_mode"] = f"{disk.dir_mode:04o}"
    if disk.listing is not None and not any("*" in n for n in disk.listing):
        final["listing"] = list(disk.listing)
    body = json.dumps(
        {"file": cx.file and _b64(cx.file), "steps": [dict(t.step) for t in cx.steps]},
        sort_keys=True,
    )
    digest = hashlib.sha256(body.encode()).hexdigest()[:10]
    case_id = f"counterexample.{slug(cx.names[0])}-vs-{slug(cx.names[1])}.{digest}"
    description = (
        f"Found by `tokencache-compat diff {cx.names[0]} {cx.names[1]}`: "
        f"{cx.names[exp]} behaves as written here, {cx.names[other]} differs "
        f"({cx.diffs[0].split(chr(10))[0][:160] if cx.diffs else 'see observed'})."
    )
    case = {
        "id": case_id,
        "description": description,
        "tags": ["differential", "counterexample"],
        "sandbox": sandbox,
        "steps": steps,
        "final": final,
    }
    if not sandbox:
        del case["sandbox"]
    return case, golden


def _disk_json(d: DiskState) -> dict[str, Any]:
    return {
        "file_type": d.file_type,
        "file_mode": None if d.file_mode is None else f"{d.file_mode:04o}",
        "text": None if d.content is None else d.content.decode("utf-8", "replace"),
        "base64": None if d.content is None else _b64(d.content),
        "dir_mode": None if d.dir_mode is None else f"{d.dir_mode:04o}",
        "listing": None if d.listing is None else list(d.listing),
    }


@dataclass(frozen=True)
class WrittenCounterexample:
    """Where a counterexample went: the case file, its golden bytes, the observed sidecar."""

    case_id: str
    case_file: Path
    golden_file: Path | None
    observed_file: Path


def write_counterexample(*, cx: Counterexample, out_dir: Path) -> WrittenCounterexample:
    """Write `cases/<id>.json`, `files/<id>.json` and `cases/<id>.observed.json`.

    The case file is valid against harness/schema/case-file.schema.json; the
    schema has no place for observations, so both sides' answers and final
    files go to the `.observed.json` sidecar.
    """
    case, golden = counterexample_case(cx=cx)
    cid = case["id"]
    cases_dir, files_dir = out_dir / "cases", out_dir / "files"
    cases_dir.mkdir(parents=True, exist_ok=True)
    case_file = cases_dir / f"{cid}.json"
    case_file.write_text(json.dumps({"cases": [case]}, indent=2, ensure_ascii=False) + "\n")
    golden_file = None
    if golden is not None:
        files_dir.mkdir(parents=True, exist_ok=True)
        golden_file = files_dir / f"{cid}.json"
        golden_file.write_bytes(golden)
    observed = {
        "case": cid,
        "expected_side": cx.names[cx.expected_side],
        "sides": {
            name: {
                "answers": [
                    {"step": n, "compared": dict(ts.answers[i].compared),
                     "detail": ts.answers[i].detail}
                    for n, ts in enumerate(cx.steps, start=1)
                ],
                "final": _disk_json(cx.disks[i]),
            }
            for i, name in enumerate(cx.names)
        },
        "differences": list(cx.diffs),
    }
    observed_file = cases_dir / f"{cid}.observed.json"
    observed_file.write_text(json.dumps(observed, indent=2, ensure_ascii=False) + "\n")
    # Never hand out a case the loader would reject.
    _, errors = load_case_file(path=case_file)
    if errors:
        raise DiffSetupError(f"generated case is invalid: {'; '.join(map(str, errors))}")
    return WrittenCounterexample(
        case_id=cid, case_file=case_file, golden_file=golden_file, observed_file=observed_file
    )


# -- the engine ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffOptions:
    """How a differential run is generated and judged."""

    examples: int | None = None  # None: the profile's max_examples
    seed: int | None = None
    profile: str = CI_PROFILE
    out_dir: Path = DEFAULT_OUT
    allow: frozenset[str] = frozenset()
    auto_allow: bool = True
    steps: int | None = None  # None: the profile's stateful_step_count
    sandbox_parent: Path | None = None  # None: fast_sandbox_parent()
    hypothesis_dir: Path | None = None  # None: hypothesis_home()


@dataclass(frozen=True)
class DiffResult:
    """What a run found."""

    names: tuple[str, str]
    examples: int
    steps: int
    seconds: float
    allowed: frozenset[str]
    counterexample: Counterexample | None = None
    written: WrittenCounterexample | None = None
    hypothesis_error: str = ""

    @property
    def ok(self) -> bool:
        """True when no divergence was found."""
        return self.counterexample is None and not self.hypothesis_error

    @property
    def examples_per_second(self) -> float:
        """Throughput, for the report."""
        return self.examples / self.seconds if self.seconds > 0 else 0.0

    def render(self) -> str:
        """Summary text for the terminal."""
        a, b = self.names
        lines = [
            f"diff {a} vs {b}: {self.examples} examples, {self.steps} steps in "
            f"{self.seconds:.1f}s ({self.examples_per_second:.0f} examples/s)",
            f"allowed divergence classes: {', '.join(sorted(self.allowed)) or 'none'}",
        ]
        if self.counterexample is not None:
            lines.append(self.counterexample.render())
        if self.written is not None:
            lines.append(f"spec case written: {self.written.case_file}")
            if self.written.golden_file is not None:
                lines.append(f"golden bytes:      {self.written.golden_file}")
            lines.append(f"observed outputs:  {self.written.observed_file}")
        if self.hypothesis_error:
            lines.append(f"hypothesis error: {self.hypothesis_error}")
        lines.append("DIVERGED" if not self.ok else "NO DIVERGENCE")
        return "\n".join(lines) + "\n"


def _oauth2_minor(hello: Mapping[str, Any]) -> int | None:
    details = hello.get("details") or {}
    version = str(details.get("golang.org/x/oauth2", "")) if isinstance(details, Mapping) else ""
    m = _OAUTH2_VERSION.search(version)
    return int(m.group(1)) if m else None


def auto_allowed(*, hellos: Sequence[Mapping[str, Any]]) -> frozenset[str]:
    """Divergence classes documented for this pair, read from the hellos."""
    out = set()
    for h in hellos:
        if str(h.get("runtime", "")).startswith("go"):
            out.add("null-top-level")
        minor = _oauth2_minor(h)
        if minor is not None and minor < 23:
            out.add("expires-in")
    return frozenset(out)


def _in_process(testee: Testee) -> bool:
    return testee.info().kind == "in-process"


def _oracle_score(testee: Testee) -> int:
    """How much a side looks like the oracle: named `reference`, then in-process."""
    return 2 * (testee.name == "reference") + (testee.info().kind == "in-process")


class Engine:
    """Two sides plus the state a machine example needs; shared by all examples."""

    def __init__(self, *, a: Testee, b: Testee, options: DiffOptions) -> None:
        self.options = options
        parent = options.sandbox_parent or fast_sandbox_parent()
        self.sides = (Side(testee=a, parent=parent), Side(testee=b, parent=parent))
        self.names = (a.name, b.name)
        for side in self.sides:
            try:
                side.testee.start()
            except (TesteeUnavailable, TesteeCrashed, TesteeTimeout) as exc:
                self.close()
                raise DiffSetupError(f"{side.name} did not start: {exc}") from exc
        hellos = [s.testee.hello for s in self.sides]
        unknown = set(options.allow) - set(ALLOW_CLASSES)
        if unknown:
            self.close()
            raise DiffSetupError(f"unknown --allow class(es): {sorted(unknown)}")
        self.allowed = frozenset(options.allow) | (
            auto_allowed(hellos=hellos) if options.auto_allow else frozenset()
        )
        self.ops = set(hellos[0].get("ops", ())) & set(hellos[1].get("ops", ()))
        self.vias = sorted(
            set(hellos[0].get("dual_store_via", ())) & set(hellos[1].get("dual_store_via", ()))
        )
        self.expected_side = 1 if _oracle_score(b) > _oracle_score(a) else 0
        self._submit_order = sorted(range(2), key=lambda i: _in_process(self.sides[i].testee))
        self.examples = 0
        self.steps = 0
        self.failure: Counterexample | None = None
        # Per example:
        self.file: bytes | None = None
        self.trace: list[TraceStep] = []

    # -- per example ---
    def begin_example(self) -> None:
        """Reset both sandboxes and the trace."""
        self.examples += 1
        self.file = None
        self.trace = []
        for side in self.sides:
            side.reset()

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
            self.failure = Counterexample(
                names=self.names,
                file=self.file,
                steps=tuple(self.trace),
                disks=disks,
                diffs=tuple(diffs),
                expected_side=self.expected_side,
            )
            raise Divergence(self.failure.render())
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

        @initialize(target=known, file=st.one_of(st.none(), files), key=keys())
        def start(self, file: bytes | None, key: str) -> str:
            engine.begin_example()
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

        @rule(file=files)
        def write_file_and_reopen(self, file: bytes) -> None:
            engine.write_file(data=file)
            self._open()

    DiffMachine.__name__ = f"Diff_{slug(engine.names[0])}_{slug(engine.names[1])}".replace("-", "_")
    return DiffMachine


def run_settings(*, options: DiffOptions) -> settings:
    """The profile's settings with --examples / --seed / step count applied."""
    base = profile_settings(name=options.profile)
    changes: dict[str, Any] = {"report_multiple_bugs": False}
    if options.examples is not None:
        changes["max_examples"] = options.examples
    if options.steps is not None:
        changes["stateful_step_count"] = options.steps
    if options.seed is not None:
        changes["derandomize"] = False
    return settings(base, **changes)


def hypothesis_home() -> Path | None:
    """Where hypothesis keeps its caches for `diff`: the project's .cache, not the cwd.

    Hypothesis scans the source of every local module for constants before the
    first example and caches the result in its home; in a fresh `.hypothesis`
    under whatever directory `diff` runs from, that scan costs about a second
    per run. None (hypothesis's own default) outside a project checkout.
    """
    try:
        return find_repo_root() / ".cache" / "hypothesis"
    except ProjectNotFound:
        return None


@contextlib.contextmanager
def _hypothesis_home(directory: Path | None) -> Iterator[None]:
    if directory is None:
        yield
        return
    previous = storage_directory(intent_to_write=False).home_directory
    set_hypothesis_home_dir(directory)
    try:
        yield
    finally:
        set_hypothesis_home_dir(previous)


def run_diff(*, a: Testee, b: Testee, options: DiffOptions) -> DiffResult:
    """Run the differential test; writes the shrunk counterexample when one is found."""
    engine = Engine(a=a, b=b, options=options)
    home = options.hypothesis_dir or hypothesis_home()
    started = time.monotonic()
    error = ""
    try:
        machine = build_machine(engine=engine)
        test = get_state_machine_test(machine, settings=run_settings(options=options))
        if options.seed is not None:
            test = seed(options.seed)(test)
        try:
            with _hypothesis_home(home):
                test()
        except Divergence:
            pass
        except Exception as exc:  # flaky replays, health checks: reported, not raised
            error = f"{type(exc).__name__}: {exc}"
    finally:
        seconds = time.monotonic() - started
        engine.close()
    written = None
    if engine.failure is not None:
        written = write_counterexample(cx=engine.failure, out_dir=options.out_dir)
    return DiffResult(
        names=engine.names,
        examples=engine.examples,
        steps=engine.steps,
        seconds=seconds,
        allowed=engine.allowed,
        counterexample=engine.failure,
        written=written,
        hypothesis_error=error,
    )
