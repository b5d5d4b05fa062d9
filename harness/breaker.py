"""The circuit breaker: an implementation that keeps timing out is marked broken.

A testee that never answers costs the full timeout on every case (378 cases at
10 s is an hour). After `limit` consecutive timeouts of one implementation (3
by default, `--max-timeouts N`, 0 for never) it is marked broken: its remaining
cases are not run and get the outcome `broken` (unexpected) with the reason,
and the run goes on with the other implementations. Any answer that is not a
timeout resets the count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.data import CaseResult, Outcome

DEFAULT_MAX_TIMEOUTS = 3


@dataclass
class CircuitBreaker:
    """Consecutive timeouts per implementation, and the reason once one is broken."""

    limit: int = DEFAULT_MAX_TIMEOUTS
    _streak: dict[str, int] = field(default_factory=dict)
    _broken: dict[str, str] = field(default_factory=dict)

    def record(self, *, impl: str, timed_out: bool, message: str = "") -> None:
        """Count one outcome of `impl`; the limit-th timeout in a row trips the breaker."""
        if impl in self._broken:
            return
        if not timed_out:
            self._streak[impl] = 0
            return
        n = self._streak.get(impl, 0) + 1
        self._streak[impl] = n
        if self.limit > 0 and n >= self.limit:
            last = message.split("\n", 1)[0]
            self._broken[impl] = (
                f"{impl} marked broken after {n} consecutive timeouts (last: {last}); "
                "its remaining cases were not run (--max-timeouts)"
            )

    def record_result(self, *, result: CaseResult) -> None:
        """Count a raw case result."""
        self.record(impl=result.impl, timed_out=result.outcome is Outcome.TIMEOUT,
                    message=result.message)

    def reason(self, *, impl: str) -> str | None:
        """Why `impl` is broken, or None while it is not."""
        return self._broken.get(impl)

    def broken_result(self, *, case_id: str, impl: str) -> CaseResult:
        """The result of a case not run because `impl` is broken."""
        return CaseResult(case_id=case_id, impl=impl, outcome=Outcome.BROKEN,
                          message=self._broken[impl])
