"""One side of a differential run: an implementation with its own long-lived sandbox.

The sandbox (own temp dir, HOME inside it) is created once and emptied between
examples; the testee stays alive across examples and is restarted after a crash.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from harness.checks import normalise_message, normalise_result
from harness.differential.observe import (
    CACHE_DIR,
    CACHE_FILE,
    CACHE_NAME,
    Answer,
    DiskState,
    read_disk,
)
from harness.exceptions import TesteeFailure, TesteeTimeout
from harness.protocol import Response, Success, step_request
from harness.sandbox import remove_tree
from harness.testee import Testee

UMASK = 0o022

# A cache directory's contents: file name → bytes; None when the directory does not exist.
DirSnapshot = dict[str, bytes] | None


class _Unknown:
    """Marker: the cache directory must be read to be known."""


_UNKNOWN = _Unknown()


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
                remove_tree(root=self.home)
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
        fields = {k: v for k, v in step.items() if k not in ("op", "expect")}
        req = step_request(op=str(step["op"]), fields=fields, env=self.env(), umask=UMASK)
        self.requests += 1
        try:
            if not self.testee.alive():  # restart after a crash in an earlier step
                self.testee.begin_case(env=self.env(), umask=UMASK)
            wait = self.testee.submit(req=req)
        except TesteeFailure as exc:
            failed = _broken_answer(exc)
            return lambda: failed

        def answer() -> Answer:
            try:
                resp = wait()
            except TesteeFailure as exc:
                return _broken_answer(exc)
            return self._answer(resp=resp, ignore_messages=ignore_messages)

        return answer

    def request(self, *, step: Mapping[str, Any], ignore_messages: bool) -> Answer:
        """Send one spec step and wait for its Answer."""
        return self.submit(step=step, ignore_messages=ignore_messages)()

    def _answer(self, *, resp: Response, ignore_messages: bool) -> Answer:
        if isinstance(resp, Success):
            return Answer(compared={"ok": normalise_result(result=resp.result)})
        message = normalise_message(message=resp.message, roots=[str(self.root)])
        if resp.unsupported or ignore_messages:
            return Answer(compared={"error": resp.kind}, detail=message)
        return Answer(compared={"error": resp.kind, "message": message})

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
                remove_tree(root=d)
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
        remove_tree(root=self.root)


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
    ):
        return {CACHE_NAME: state.content}
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
