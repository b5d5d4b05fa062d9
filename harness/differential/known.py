"""Known divergences: `diff --known FILE` sets aside what a team has accepted.

One entry a line, each with a reason after ` # `, like an expected-failure list
(docs/differential.md):

    sig-1a2b3c4d # a signature id, as the diff summary prints it
    delete: file bytes at tokens (structure) # a signature's full text
    counterexample.reference-vs-mine.0a1b2c3d4e # a case id: replayed for its signature

Blank lines and lines starting with `#` are ignored. An entry that sets
nothing aside in a run is reported: a case that no longer diverges (or cannot
be found) is stale and fails the run; a signature the search did not meet is
only listed, since a search can miss.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from harness.differential.signatures import Signature, is_signature_id, parse_signature
from harness.exceptions import KnownListError

SIGNATURE = "signature"
SIGNATURE_ID = "signature-id"
CASE = "case"
_CASE_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)*\Z")


@dataclass(frozen=True)
class KnownEntry:
    """One accepted divergence: a signature (text or id) or a case id, and why."""

    kind: str  # SIGNATURE, SIGNATURE_ID or CASE
    value: str  # the signature text, the id or the case id as written
    reason: str
    where: str  # file:line, for messages
    signature: Signature | None = None  # parsed text; for a case, filled in by replaying it

    def matches(self, *, signature: Signature) -> bool:
        """True when a found divergence is this entry."""
        if self.kind == SIGNATURE_ID:
            return signature.id == self.value
        return self.signature is not None and (
            self.signature.components >= signature.components
        )

    @property
    def components(self) -> frozenset[str]:
        """What this entry sets aside before the search (an id alone: nothing yet)."""
        return self.signature.components if self.signature is not None else frozenset()


@dataclass(frozen=True)
class KnownDivergences:
    """The entries of a known-divergences file, and the lines that could not be read."""

    entries: tuple[KnownEntry, ...] = ()
    errors: tuple[str, ...] = field(default=())
    source: str = ""

    def match(self, *, signature: Signature) -> KnownEntry | None:
        """The first entry a found divergence is, if any."""
        return next((e for e in self.entries if e.matches(signature=signature)), None)

    def case_ids(self) -> tuple[str, ...]:
        """The case ids named, in file order."""
        return tuple(e.value for e in self.entries if e.kind == CASE)


def parse_known_text(*, text: str, source: str) -> KnownDivergences:
    """Parse a known-divergences file; malformed lines become errors naming file and line."""
    entries: list[KnownEntry] = []
    errors: list[str] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{source}:{lineno}"
        value, sep, reason = line.partition(" # ")
        value = value.strip()
        if not sep or not reason.strip() or not value:
            errors.append(f"{where}: expected '<signature or case id> # <reason>', got {raw!r}")
            continue
        if is_signature_id(text=value):
            entries.append(KnownEntry(kind=SIGNATURE_ID, value=value, reason=reason.strip(),
                                      where=where))
        elif ": " in value:
            try:
                sig = parse_signature(text=value)
            except ValueError as exc:
                errors.append(f"{where}: {exc}")
                continue
            entries.append(KnownEntry(kind=SIGNATURE, value=value, reason=reason.strip(),
                                      where=where, signature=sig))
        elif _CASE_ID.match(value):
            entries.append(KnownEntry(kind=CASE, value=value, reason=reason.strip(),
                                      where=where))
        else:
            errors.append(f"{where}: {value!r} is neither a signature (sig-xxxxxxxx or "
                          "'op: aspect; ...') nor a case id")
    return KnownDivergences(entries=tuple(entries), errors=tuple(errors), source=source)


def load_known_file(*, path: Path) -> KnownDivergences:
    """Read and parse a known-divergences file; KnownListError when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnownListError(f"{path}: cannot read known-divergences file: {exc}") from exc
    return parse_known_text(text=text, source=str(path))


def with_case_signatures(
    *, known: KnownDivergences, signatures: dict[str, Signature | None],
    problems: dict[str, str],
) -> KnownDivergences:
    """The entries with each case's replayed signature filled in (None: it did not diverge)."""
    entries = []
    for e in known.entries:
        if e.kind == CASE and e.value in signatures:
            e = KnownEntry(kind=e.kind, value=e.value, reason=e.reason, where=e.where,
                           signature=signatures[e.value])
        entries.append(e)
    errors = [*known.errors, *(f"{w}" for w in problems.values())]
    return KnownDivergences(entries=tuple(entries), errors=tuple(errors), source=known.source)


@dataclass(frozen=True)
class KnownUse:
    """How a run used one known entry."""

    entry: KnownEntry
    seen: int  # divergences it set aside
    stale: str = ""  # why the entry is stale (fails the run), "" when it is not

    def render(self) -> str:
        """One line for the summary."""
        head = f"{self.entry.value} # {self.entry.reason}"
        if self.stale:
            return f"{head}  [STALE: {self.stale}]"
        if not self.seen:
            return f"{head}  [not met in this run]"
        return f"{head}  [set aside {self.seen} time(s)]"


def known_uses(
    *, known: KnownDivergences, seen: dict[str, int]
) -> tuple[KnownUse, ...]:
    """Each entry with how often it set something aside (`seen` is keyed by entry.where)."""
    out = []
    for e in known.entries:
        stale = ""
        if e.kind == CASE and e.signature is None:
            stale = "the case no longer diverges, or could not be replayed"
        out.append(KnownUse(entry=e, seen=seen.get(e.where, 0), stale=stale))
    return tuple(out)


def merge_seen(*, counts: Iterable[dict[str, int]]) -> dict[str, int]:
    """Sum per-entry counts of several runs (the workers of `diff --jobs`)."""
    total: dict[str, int] = {}
    for c in counts:
        for k, v in c.items():
            total[k] = total.get(k, 0) + v
    return total
