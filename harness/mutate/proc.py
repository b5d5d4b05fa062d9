"""Time-bounded subprocesses whose whole process group goes when the bound is hit.

A go build starts compilers and linkers; a suite run starts the testee. Killing only
the direct child would leave those behind, so each command gets its own session and
the group is killed on timeout.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Finished:
    """How a bounded command ended."""

    returncode: int | None  # None when it was killed at the time bound
    stdout: str
    stderr: str
    seconds: float

    @property
    def timed_out(self) -> bool:
        """True when the command was killed at its time bound."""
        return self.returncode is None


def run_bounded(*, args: Sequence[str], cwd: Path | None, env: Mapping[str, str],
                timeout: float) -> Finished:
    """Run `args`, capturing text output; after `timeout` seconds kill its process group."""
    started = time.monotonic()
    with subprocess.Popen(
        list(args), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
            code: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, err = proc.communicate()
            code = None
        except BaseException:  # Ctrl-C: take the group down with us
            _kill_group(proc)
            raise
    return Finished(returncode=code, stdout=out, stderr=err, seconds=time.monotonic() - started)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
