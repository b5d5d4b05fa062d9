"""One exception class per failure mode of the harness."""

from __future__ import annotations


class SpecError(ValueError):
    """A case file is malformed; names the file, the case and the field path."""

    def __init__(self, *, file: str, case: str | None, field: str, message: str) -> None:
        self.file = file
        self.case = case
        self.field = field
        self.message = message
        where = f"case {case}" if case is not None else "file"
        super().__init__(f"{file}: {where}: at {field or '<root>'}: {message}")


class TesteeCrashed(RuntimeError):
    """The testee process died, closed stdout or wrote garbage on stdout."""

    def __init__(self, *, reason: str, stderr_tail: str = "") -> None:
        self.reason = reason
        self.stderr_tail = stderr_tail
        text = reason
        if stderr_tail:
            text += "\n--- stderr tail ---\n" + stderr_tail
        super().__init__(text)


class TesteeTimeout(TimeoutError):
    """The testee gave no complete answer within the per-request timeout."""

    def __init__(self, *, op: str, seconds: float, stderr_tail: str = "") -> None:
        self.op = op
        self.seconds = seconds
        self.stderr_tail = stderr_tail
        text = f"no answer to {op!r} within {seconds:g}s"
        if stderr_tail:
            text += "\n--- stderr tail ---\n" + stderr_tail
        super().__init__(text)


class TesteeUnavailable(RuntimeError):
    """The testee could not be started at all (missing executable, bad hello)."""


class XfailListError(ValueError):
    """An expected-failure list is malformed or names a case that does not exist."""


class UsageError(ValueError):
    """A command-line argument is malformed (e.g. --impl without NAME=)."""


class SandboxEscape(PermissionError):
    """A case's symlinks or paths resolve outside its sandbox; the case is refused."""


class ProjectNotFound(FileNotFoundError):
    """No repository root holding golden/cases could be found."""


class CasesNotFound(FileNotFoundError):
    """The cases folder is missing, or holds no case files (or no cases)."""


class EmptySelection(LookupError):
    """A case selection (`-k`, `--tag`) matches no case."""


# A run cannot even begin: the command line says why and exits 1.
NOTHING_TO_RUN: tuple[type[Exception], ...] = (ProjectNotFound, CasesNotFound, EmptySelection)
