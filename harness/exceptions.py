"""Every error the harness raises, under one parent, each also a fitting built-in.

`HarnessError` is the root. `TesteeFailure` is what a testee can do to a run
(crash, time out, not start): catch it, never a tuple of its children.
`NothingToRun` is a run that cannot begin: the command line says why and exits 1.
"""

from __future__ import annotations


class HarnessError(Exception):
    """Base of every error the harness raises on purpose."""


class SpecError(HarnessError, ValueError):
    """A case file is malformed; names the file, the case and the field path."""

    def __init__(self, *, file: str, case: str | None, field: str, message: str) -> None:
        self.file = file
        self.case = case
        self.field = field
        self.message = message
        where = f"case {case}" if case is not None else "file"
        super().__init__(f"{file}: {where}: at {field or '<root>'}: {message}")


class TesteeFailure(HarnessError, RuntimeError):
    """A testee crashed, timed out or could not be started."""

    def __init__(self, text: str, *, stderr_tail: str = "") -> None:
        self.stderr_tail = stderr_tail
        if stderr_tail:
            text += "\n--- stderr tail ---\n" + stderr_tail
        super().__init__(text)


class TesteeCrashed(TesteeFailure):
    """The testee process died, closed stdout or wrote garbage on stdout."""

    def __init__(self, *, reason: str, stderr_tail: str = "") -> None:
        self.reason = reason
        super().__init__(reason, stderr_tail=stderr_tail)


class TesteeTimeout(TesteeFailure, TimeoutError):
    """The testee gave no complete answer within the per-request timeout."""

    def __init__(
        self, *, op: str, seconds: float, stderr_tail: str = "", partial: str = ""
    ) -> None:
        self.op = op
        self.seconds = seconds
        self.partial = partial  # the unterminated line received so far, shown capped
        text = f"no answer to {op!r} within {seconds:g}s"
        if partial:
            text += f"; partial line received: {partial}"
        super().__init__(text, stderr_tail=stderr_tail)


class TesteeUnavailable(TesteeFailure):
    """The testee could not be started at all (missing executable, bad hello)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)


class NotBuildable(TesteeUnavailable):
    """The implementation cannot be had here at all (no Go toolchain, or its build failed)."""


class ProtocolViolation(HarnessError, ValueError):
    """A response line is not a protocol v1 response to the request sent."""


class XfailListError(HarnessError, ValueError):
    """An expected-failure list is malformed or names a case that does not exist."""


class ReportFormatError(HarnessError, ValueError):
    """A stored JSON report cannot be read back (missing, not JSON, wrong shape or schema)."""


class UsageError(HarnessError, ValueError):
    """A command-line argument is malformed (e.g. --impl without NAME=)."""


class SandboxEscape(HarnessError, PermissionError):
    """A case's symlinks or paths resolve outside its sandbox; the case is refused."""


class EditFailed(HarnessError, OSError):
    """A harness-side `edit` step could not change the sandbox (names the edit and why)."""


class FaultUnavailable(HarnessError, RuntimeError):
    """A step's fault cannot be injected on this machine (e.g. no mount privilege)."""


class StressSetupError(HarnessError, RuntimeError):
    """A stress writer cannot start or open the shared cache; names the writer and why."""


class MutationSetupError(HarnessError, RuntimeError):
    """`mutate` cannot start: no Go, a bad module or testee directory, or a baseline
    (the unmutated build) that does not build or already fails the check."""


class NothingToRun(HarnessError):
    """A run cannot begin: no project, no cases, or a selection matching nothing."""


class ProjectNotFound(NothingToRun, FileNotFoundError):
    """No repository root holding golden/cases could be found."""


class CasesNotFound(NothingToRun, FileNotFoundError):
    """The cases folder is missing, or holds no case files (or no cases)."""


class EmptySelection(NothingToRun, LookupError):
    """A case selection (`-k`, `--tag`) matches no case."""


class DiffSetupError(HarnessError, RuntimeError):
    """A side cannot take part in a differential run (did not start, bad hello)."""


class Divergence(HarnessError, AssertionError):
    """The two sides answered a step differently (hypothesis shrinks on this)."""


class InvalidJobCount(HarnessError, ValueError):
    """A negative --jobs."""


class KnownListError(HarnessError, ValueError):
    """A known-divergences file (`diff --known FILE`) cannot be read."""
