"""One side of a differential run: an implementation with its own long-lived sandbox.

The sandbox (own temp dir, HOME inside it) is created once and emptied between
examples; the testee stays alive across examples and is restarted after a crash.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness import collect, scratch
from harness.breaker import DEFAULT_MAX_TIMEOUTS, CircuitBreaker
from harness.checks import normalise_message, normalise_result
from harness.differential.decoys import decoy_changes, decoy_fingerprints, lay_out_decoys
from harness.differential.observe import (
    CACHE_DIR,
    CACHE_FILE,
    CACHE_NAME,
    Answer,
    DiskState,
    read_disk,
)
from harness.edits import apply_edit
from harness.exceptions import TesteeFailure, TesteeTimeout
from harness.messages import GO_TYPES, OFF, STRICT, go_types_form
from harness.protocol import Response, Success, step_request
from harness.sandbox import remove_tree
from harness.stepspec import Edit
from harness.testee import Testee

UMASK = 0o022
DEFAULT_ENV: Mapping[str, str | None] = {"HOME": "home"}


@dataclass(frozen=True)
class Entry:
    """One name in the cache directory as a snapshot keeps it (edits make links and dirs)."""

    kind: str  # file, link, dir
    data: bytes = b""
    target: str = ""
    mode: int = 0o600


# A cache directory's contents: name → entry; None when the directory does not exist.
DirSnapshot = dict[str, Entry | bytes] | None


class _Unknown:
    """Marker: the cache directory must be read to be known."""


_UNKNOWN = _Unknown()


class Side:
    """One implementation with its own long-lived sandbox, reset between examples."""

    def __init__(
        self, *, testee: Testee, parent: Path | None = None,
        max_timeouts: int = DEFAULT_MAX_TIMEOUTS,
    ) -> None:
        self.testee = testee
        # After this many timeouts in a row the side is broken: it answers at once (a
        # divergence) instead of costing a timeout on every step of every shrink.
        self._breaker = CircuitBreaker(limit=max_timeouts)
        self.root = scratch.make_dir(prefix="tokencache-diff-",
                                     parent=testee.sandbox_dir() or parent)
        self.home = self.root / "home"
        self.cache_dir = self.root / CACHE_DIR
        self.requests = 0
        # The example's env (sandbox-relative, as in a spec case) and umask.
        self.spec_env: dict[str, str | None] = dict(DEFAULT_ENV)
        self.umask = UMASK
        lay_out_decoys(root=self.root)
        self._decoys = decoy_fingerprints(root=self.root)
        # The cache directory as last observed, so a step needs no snapshot read first.
        self._known: DirSnapshot | _Unknown = _UNKNOWN

    @property
    def name(self) -> str:
        """The implementation's name."""
        return self.testee.name

    def env(self, *, extra: Mapping[str, str | None] | None = None) -> dict[str, str | None]:
        """The environment an `open` applies: the example's, with a step's own `env` over it,
        as absolute paths."""
        merged = {**self.spec_env, **(extra or {})}
        return {k: (v if v is None or v == "" else str(self.root / v)) for k, v in merged.items()}

    def reset(
        self, *, env: Mapping[str, str | None] | None = None, umask: int = UMASK
    ) -> None:
        """Empty the sandbox (fresh home/, pristine decoys) and start a new case on the
        testee under the example's env (sandbox-relative values) and umask."""
        with contextlib.suppress(Exception):
            self.testee.end_case()
        if not _empty_home(self.home):
            if os.path.lexists(self.home):
                remove_tree(root=self.home)
            self.home.mkdir(mode=0o755)
            os.chmod(self.home, 0o755)
        if decoy_changes(before=self._decoys, after=decoy_fingerprints(root=self.root)):
            lay_out_decoys(root=self.root)
            self._decoys = decoy_fingerprints(root=self.root)
        self.spec_env = dict(DEFAULT_ENV if env is None else env)
        self.umask = umask
        self._known = None
        if self._breaker.reason(impl=self.name) is None:  # a broken side starts nothing
            self.testee.begin_case(env=self.env(), umask=self.umask)

    def edit(self, *, edit: Edit) -> None:
        """Perform an `edit` step in this sandbox (the testee is not told)."""
        self._known = _UNKNOWN
        apply_edit(edit=edit, root=self.root)

    def write_cache_file(self, *, data: bytes) -> None:
        """Lay down a hand-edited file where the default location points.

        Whatever the testee or an edit left there (a link out, a FIFO, a directory) is
        replaced, never written through.
        """
        collect.ensure_dir(root=self.root, rel=CACHE_DIR, mode=0o700)
        collect.remove_entry(root=self.root, rel=CACHE_FILE)
        collect.write_file(root=self.root, rel=CACHE_FILE, data=data, mode=0o600)
        self._known = _UNKNOWN  # other files may be in the directory

    def submit(self, *, step: Mapping[str, Any], messages: str = STRICT) -> Callable[[], Answer]:
        """Send one spec step as a protocol request; the call returns its Answer.

        Crashes and timeouts, whether raised sending or waiting, become answers.
        """
        fields = {k: v for k, v in step.items() if k not in ("op", "expect")}
        extra = step.get("env") if step.get("op") == "open" else None
        req = step_request(
            op=str(step["op"]), fields=fields, env=self.env(extra=extra), umask=self.umask
        )
        broken = self._breaker.reason(impl=self.name)
        if broken is not None:
            gone = Answer(compared={"crash": "broken"}, detail=broken)
            return lambda: gone
        self.requests += 1
        try:
            if not self.testee.alive():  # restart after a crash in an earlier step
                self.testee.begin_case(env=self.env(), umask=self.umask)
            wait = self.testee.submit(req=req)
        except TesteeFailure as exc:
            failed = self._count(_broken_answer(exc))
            return lambda: failed

        def answer() -> Answer:
            try:
                resp = wait()
            except TesteeFailure as exc:
                return self._count(_broken_answer(exc))
            return self._count(self._answer(resp=resp, messages=messages))

        return answer

    def _count(self, answer: Answer) -> Answer:
        timed_out = answer.compared.get("crash") == "timeout"
        self._breaker.record(impl=self.name, timed_out=timed_out, message=answer.detail)
        return answer

    def request(self, *, step: Mapping[str, Any], messages: str = STRICT) -> Answer:
        """Send one spec step and wait for its Answer."""
        return self.submit(step=step, messages=messages)()

    def _answer(self, *, resp: Response, messages: str) -> Answer:
        if isinstance(resp, Success):
            return Answer(compared={"ok": normalise_result(result=resp.result)})
        message = normalise_message(message=resp.message, roots=[str(self.root)])
        if resp.unsupported or messages == OFF:
            return Answer(compared={"error": resp.kind}, detail=message)
        if messages == GO_TYPES:  # compared modulo Go type names; the text as said, for people
            return Answer(compared={"error": resp.kind, "message": go_types_form(message=message)},
                          detail=message)
        return Answer(compared={"error": resp.kind, "message": message})

    def disk(self) -> DiskState:
        """The sandbox's cache file and directory now, and any decoy that changed."""
        state = read_disk(root=self.root)
        self._known = _snapshot_of(state)
        changed = decoy_changes(before=self._decoys, after=decoy_fingerprints(root=self.root))
        return replace(state, decoys=changed) if changed else state

    def restore(self, *, snapshot: DirSnapshot) -> None:
        """Put the cache directory back as it was (after the other side said unsupported)."""
        if snapshot is None:
            collect.remove_entry(root=self.root, rel=CACHE_DIR)
            self._known = None
            return
        collect.ensure_dir(root=self.root, rel=CACHE_DIR, mode=0o700)
        for name in collect.read_dir(root=self.root, rel=CACHE_DIR).listing or ():
            if name not in snapshot:
                with contextlib.suppress(OSError):
                    collect.remove_entry(root=self.root, rel=f"{CACHE_DIR}/{name}")
        for name, value in snapshot.items():
            # Plain bytes are a 0600 file, as snapshots held before links and modes did.
            entry = value if isinstance(value, Entry) else Entry(kind="file", data=value)
            _put(root=self.root, rel=f"{CACHE_DIR}/{name}", entry=entry)
        self._known = _UNKNOWN

    def snapshot(self) -> DirSnapshot:
        """Every entry of the cache directory: bytes and mode, link targets, directories
        (None: no directory).

        Taken from the last observation when that saw everything (no other
        files than the cache file); read from disk, confined, otherwise.
        """
        if not isinstance(self._known, _Unknown):
            return None if self._known is None else dict(self._known)
        listing = collect.read_dir(root=self.root, rel=CACHE_DIR)
        if listing.listing is None or listing.problem is not None:
            return None
        out: dict[str, Entry | bytes] = {}
        for name in listing.listing:
            entry = _entry(root=self.root, rel=f"{CACHE_DIR}/{name}")
            if entry is not None:
                out[name] = entry
        return out

    def close(self) -> None:
        """Stop the testee and remove the sandbox."""
        with contextlib.suppress(Exception):
            self.testee.end_case()
        self.testee.close()
        scratch.remove_dir(path=self.root)


def _entry(*, root: Path, rel: str) -> Entry | None:
    """One cache-directory entry as a snapshot keeps it, read without following it out."""
    state = collect.read_file(root=root, rel=rel, follow_links=False)
    if state.file_type == "symlink":
        return Entry(kind="link", target=state.link_target or "")
    if state.file_type == "directory":
        return Entry(kind="dir", mode=state.mode or 0o700)
    if state.file_type == "regular" and state.content is not None and state.problem is None:
        return Entry(kind="file", data=state.content, mode=state.mode or 0o600)
    return None  # a FIFO, a device, something unreadable: not restored


def _put(*, root: Path, rel: str, entry: Entry) -> None:
    """Recreate one snapshot entry, whatever is at rel now (removed first, never followed)."""
    collect.remove_entry(root=root, rel=rel)
    if entry.kind == "link":
        # The cache directory was just made a real directory inside the sandbox.
        os.symlink(entry.target, root / rel)
    elif entry.kind == "dir":
        collect.ensure_dir(root=root, rel=rel, mode=entry.mode)
    else:
        collect.write_file(root=root, rel=rel, data=entry.data, mode=entry.mode)


def _snapshot_of(state: DiskState) -> DirSnapshot | _Unknown:
    """The directory snapshot a DiskState fully describes, if it does."""
    if state.listing is None:
        return None if state.dir_mode is None else _UNKNOWN
    if state.listing == ():
        return {}
    if (
        state.listing == (CACHE_NAME,)
        and state.file_type == "regular"
        and state.content is not None
        and state.file_mode is not None
    ):
        return {CACHE_NAME: Entry(kind="file", data=state.content, mode=state.file_mode)}
    return _UNKNOWN


def _empty_home(home: Path) -> bool:
    """Empty a sandbox home in place; False when it needs the full remove-and-recreate.

    An example usually leaves at most `.databricks/` with a file or two; removing
    just those is far cheaper than walking and recreating the tree. Every name
    is used relative to an fd opened without following links, so a testee
    swapping a directory for a link cannot redirect the removal.
    """
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    try:
        hfd = os.open(home, flags)
    except OSError:
        return False
    try:
        st_ = os.fstat(hfd)
        if stat.S_IMODE(st_.st_mode) != 0o755:
            return False
        for entry in os.scandir(hfd):
            if entry.is_dir(follow_symlinks=False):
                dfd = os.open(entry.name, flags, dir_fd=hfd)
                try:
                    for sub in os.scandir(dfd):
                        if sub.is_dir(follow_symlinks=False):
                            return False
                        os.unlink(sub.name, dir_fd=dfd)
                finally:
                    os.close(dfd)
                os.rmdir(entry.name, dir_fd=hfd)
            else:
                os.unlink(entry.name, dir_fd=hfd)
    except OSError:
        return False
    finally:
        os.close(hfd)
    return True


def _broken_answer(exc: Exception) -> Answer:
    if isinstance(exc, TesteeTimeout):
        return Answer(compared={"crash": "timeout"}, detail=str(exc))
    return Answer(compared={"crash": "crash"}, detail=str(exc))
