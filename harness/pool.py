"""The one place testees are started: start failures, unavailable builds, require-go.

Every command that runs testees (`run`, the pytest plugin, `golden`, `interop`,
`diff`, `impls`) starts them through a TesteePool. A testee starts on first use
and lives until `close`; after a crash it restarts itself at its next case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.data import ImplInfo
from harness.exceptions import NotBuildable, TesteeFailure
from harness.stable import stable_text
from harness.testee import Testee


@dataclass(frozen=True)
class StartFailure:
    """Why a testee is not running: unbuildable (a missing column) or failed to start."""

    info: ImplInfo
    error: str | None  # the run error it causes; None when it only leaves a column out


class TesteePool:
    """Testees by name, each started at most once; remembers why one could not start."""

    def __init__(
        self,
        *,
        testees: Sequence[Testee],
        unavailable: Sequence[ImplInfo] = (),
        require_go: bool = False,
    ) -> None:
        self.testees = {t.name: t for t in testees}
        self.unavailable = tuple(unavailable)
        self._require_go = require_go
        self._started: dict[str, Testee] = {}
        self._failed: dict[str, StartFailure] = {}

    def start(self, *, name: str) -> Testee | StartFailure:
        """The running testee, or why it cannot run (started on first call)."""
        if name in self._started:
            return self._started[name]
        if name in self._failed:
            return self._failed[name]
        testee = self.testees[name]
        try:
            testee.start()
        except NotBuildable as exc:
            info = self._info(testee=testee, why=str(exc))
            error = f"{name}: unavailable ({exc}) but Go is required" if self._require_go else None
            return self._fail(name=name, failure=StartFailure(info=info, error=error))
        except TesteeFailure as exc:
            why = stable_text(text=f"failed to start: {exc}")  # reports stay byte-identical
            info = self._info(testee=testee, why=why)
            return self._fail(
                name=name, failure=StartFailure(info=info, error=f"{name}: {why}")
            )
        self._started[name] = testee
        return testee

    def start_all(self) -> list[Testee]:
        """Start every testee; the ones that could not start are remembered."""
        out = []
        for name in self.testees:
            got = self.start(name=name)
            if isinstance(got, Testee):
                out.append(got)
        return out

    def failures(self) -> list[StartFailure]:
        """Every testee that could not start, in start order."""
        return list(self._failed.values())

    def errors(self) -> list[str]:
        """The run errors start failures cause."""
        return [f.error for f in self._failed.values() if f.error is not None]

    def infos(self) -> tuple[ImplInfo, ...]:
        """Running testees (with hello), then failed ones, then unavailable ones."""
        running = [t.info() for t in self._started.values()]
        failed = [f.info for f in self._failed.values()]
        return (*running, *failed, *self.unavailable)

    def close(self) -> None:
        """Stop every started testee."""
        for t in self._started.values():
            t.close()
        self._started.clear()

    def _fail(self, *, name: str, failure: StartFailure) -> StartFailure:
        self.testees[name].close()
        self._failed[name] = failure
        return failure

    @staticmethod
    def _info(*, testee: Testee, why: str) -> ImplInfo:
        info = testee.info()
        return ImplInfo(
            name=info.name, kind=info.kind, command=info.command, unavailable=why,
            source=info.source, confinement=info.confinement,
        )
