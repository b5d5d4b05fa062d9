"""Lost updates: acknowledged stores that the cache file did not keep.

Own keys are written once each (`stress/<writer>/<step>`): an acknowledged store
is lost when its key is missing from the final file or holds another value.

The shared key (`--shared-key`) is a register every writer overwrites, and is
read back by lookups during the run as well as from the final file. Store S
(acknowledged) is lost when some read that began after S ended returned the
value of a store R that ended before S was sent: R happened strictly before
S, so S's value was replaced by an older one. A read that finds the key
missing, or holding a value no store wrote, after S ended loses S too.
Stores overlapping in time may overwrite each other in either order (last
writer wins) and are never counted. If the final file does not parse, every
acknowledged store is lost.

Stores that were not acknowledged (killed, crashed, timed out, failed) are
never counted, whether or not they landed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from harness.stress.history import StoreRecord


@dataclass(frozen=True)
class SharedRead:
    """One read of the shared key: when it began, what it held (None: absent), by whom."""

    sent: float
    value: str | None
    source: str


@dataclass(frozen=True)
class LostUpdate:
    """One acknowledged store the file lost, and how."""

    store: StoreRecord
    reason: str


@dataclass(frozen=True)
class LostUpdateAnalysis:
    """Acknowledged stores and the ones lost."""

    stores_acked: int
    lost: tuple[LostUpdate, ...]

    @property
    def lost_updates(self) -> int:
        """How many acknowledged stores were lost."""
        return len(self.lost)

    @property
    def rate(self) -> float:
        """Lost updates per acknowledged store (0 when nothing was acknowledged)."""
        return self.lost_updates / self.stores_acked if self.stores_acked else 0.0

    def lost_by_impl(self) -> dict[str, int]:
        """Lost updates by the implementation whose store was lost."""
        out: dict[str, int] = {}
        for lost in self.lost:
            out[lost.store.impl] = out.get(lost.store.impl, 0) + 1
        return out


def analyze_lost_updates(
    *,
    stores: Sequence[StoreRecord],
    final: Mapping[str, str | None] | None,
    shared_reads: Sequence[SharedRead] = (),
) -> LostUpdateAnalysis:
    """Which acknowledged stores were lost, given the final file (key → access token;
    None when it does not parse) and the reads of the shared key during the run."""
    acked = [s for s in stores if s.acked]
    if final is None:
        lost = tuple(LostUpdate(store=s, reason="the final file does not parse") for s in acked)
        return LostUpdateAnalysis(stores_acked=len(acked), lost=lost)
    found: list[LostUpdate] = []
    for s in acked:
        if s.shared:
            continue
        if s.key not in final:
            found.append(LostUpdate(store=s, reason="key missing from the final file"))
        elif final[s.key] != s.value:
            found.append(LostUpdate(store=s, reason=f"key holds {final[s.key]!r}"))
    shared = [s for s in acked if s.shared]
    if shared:
        key = shared[0].key
        reads = [*shared_reads,
                 SharedRead(sent=math.inf, value=final.get(key), source="the final file")]
        found.extend(_shared_losses(stores=stores, acked=shared, reads=reads))
    return LostUpdateAnalysis(stores_acked=len(acked), lost=tuple(found))


def _shared_losses(
    *, stores: Sequence[StoreRecord], acked: Sequence[StoreRecord], reads: Sequence[SharedRead]
) -> list[LostUpdate]:
    # Values are unique per store, acknowledged or not (an unacknowledged store may land).
    origins = {s.value: s for s in stores if s.shared}
    lost = []
    for s in acked:
        for read in reads:
            if read.sent <= s.ended:
                continue
            origin = origins.get(read.value) if read.value is not None else None
            if read.value is None:
                reason = f"shared key missing in {read.source}"
            elif origin is None:
                reason = f"{read.source} holds {read.value!r}, which no store wrote"
            elif origin.ended < s.sent:
                reason = f"{read.source} holds the older {origin.value!r}"
            else:
                continue
            lost.append(LostUpdate(store=s, reason=reason))
            break
    return lost
