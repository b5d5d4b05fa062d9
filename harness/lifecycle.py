"""How a command ends: an interrupted one cleans up and exits 130; a closed stdout is quiet.

`guarded` wraps every subcommand. While it runs, SIGINT and SIGTERM raise
harness.interrupt.Interrupted; the run loops keep what finished and return it
marked incomplete, and the command writes its reports. Whatever is left
afterwards (testee process groups, temp dirs) is ended and removed here, one
line goes to stderr, and the exit status is 130. A reader that stops reading
(`tokencache-compat list | head`) ends the command quietly with 141, as a tool
killed by SIGPIPE would.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable

from harness import interrupt, procs, scratch

BROKEN_PIPE_EXIT = 141  # 128 + SIGPIPE


def cleanup() -> None:
    """End every testee process group and remove every temp dir still registered."""
    procs.end_all()
    scratch.sweep()


def _quiet_stdout() -> None:
    # Later writes (and the interpreter's final flush) go nowhere instead of raising again.
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def guarded(*, prog: str, call: Callable[[], int]) -> int:
    """Run one command under the interrupt handlers; its exit status."""
    with interrupt.handling():
        try:
            code = call()
            sys.stdout.flush()  # a broken pipe shows here, not at interpreter exit
        except interrupt.Interrupted:
            code = interrupt.EXIT_CODE
        except BrokenPipeError:
            _quiet_stdout()
            cleanup()
            return BROKEN_PIPE_EXIT
        finally:
            if interrupt.requested():
                cleanup()
        if interrupt.requested():
            with contextlib.suppress(OSError):
                print(interrupt.notice(prog=prog), file=sys.stderr)
            return interrupt.EXIT_CODE
        return code
