"""Golden bytes: regenerate from the reference (`--update`) or check them (`--check`).

Each modelled toolchain is confirmed: ``<id>.json`` holds what the default
reference (go1.26.8) leaves, and ``<id>@<toolchain>.json`` exists exactly where
that toolchain's model leaves different bytes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.checks import byte_diff, cap, join_diffs
from harness.data import LoadError, Outcome
from harness.pool import TesteePool
from harness.runner import RunOptions, golden_path, run_case
from harness.sandbox import CaseSandbox
from harness.spec import Case
from harness.testee import Testee
from harness.toolchains import golden_variant_path, split_golden_name

OBTAINED_SUFFIX = ".obtained"
CHECK_LABELS = ("expected", "obtained")
UPDATE_LABELS = ("old golden", "new (reference)")


@dataclass(frozen=True)
class GoldenEntry:
    """What happened to one golden file."""

    case_id: str
    status: str  # unchanged, added, changed, removed, mismatch, missing, stale, error
    path: Path
    detail: str = ""
    obtained: Path | None = None

    @property
    def bad(self) -> bool:
        """True when this entry fails a check run (or any run, for errors)."""
        return self.status in ("mismatch", "missing", "stale", "error")


@dataclass(frozen=True)
class GoldenReport:
    """Every golden file considered, in case-id order, then stale files."""

    entries: tuple[GoldenEntry, ...]
    load_errors: tuple[LoadError, ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return (
            not self.load_errors and not self.errors and not any(e.bad for e in self.entries)
        )

    def render(self) -> str:
        """Human-readable summary; unchanged files are counted, not listed."""
        lines: list[str] = [f"ERROR {e}" for e in (*self.load_errors, *self.errors)]
        unchanged = 0
        for e in self.entries:
            if e.status == "unchanged":
                unchanged += 1
                continue
            lines.append(f"{e.status:9} {e.path}")
            if e.obtained is not None:
                lines.append(f"          expected: {e.path}")
                lines.append(f"          obtained: {e.obtained}")
            if e.detail:
                lines.extend("          " + ln for ln in e.detail.split("\n"))
        lines.append(f"{unchanged} unchanged, {len(self.entries) - unchanged} other")
        return "\n".join(lines)


def obtained_path(*, path: Path) -> Path:
    """The sidecar a mismatch writes next to the golden file."""
    return path.with_name(path.name + OBTAINED_SUFFIX)


def reference_bytes(
    *, case: Case, testee: Testee, options: RunOptions
) -> tuple[bytes | None, str]:
    """Run a case on the reference and return its final file bytes (or why not)."""
    seen: list[bytes | None] = []

    def observe(sb: CaseSandbox) -> None:
        seen.append(sb.read_file(rel=case.final_file()).content)

    result = run_case(
        case=case, testee=testee, options=options, check_golden=False, observe=observe
    )
    # The reference models Go, which misses better-than-Go practice: a recommended
    # case it fails still pins the bytes Go writes.
    tolerated = result.outcome is Outcome.FAIL and case.recommended
    if result.outcome is not Outcome.PASS and not tolerated:
        text = result.message + ("\n" + join_diffs(diffs=result.diffs) if result.diffs else "")
        return None, f"reference does not pass this case ({result.outcome.value}): {text}"
    if not seen or seen[0] is None:
        return None, f"reference left no readable file at {case.final_file()}"
    return seen[0], ""


def sync_golden(
    *,
    cases: Sequence[Case],
    testee: Testee,
    options: RunOptions,
    update: bool,
    load_errors: Sequence[LoadError] = (),
    variants: Sequence[tuple[str, Testee]] = (),
) -> GoldenReport:
    """Compare (and with `update`, rewrite) every golden file against the reference.

    `variants` are (toolchain, reference model) pairs: each case is also run on
    them, and ``<id>@<toolchain>.json`` must hold their bytes where they differ
    from the default reference's and must not exist where they do not.
    """
    gdir = options.golden_dir
    entries: list[GoldenEntry] = []
    wanted: set[str] = set()
    pool = TesteePool(testees=(testee, *(model for _, model in variants)))
    for name in pool.testees:
        started = pool.start(name=name)
        if not isinstance(started, Testee):
            pool.close()
            why = (started.info.unavailable or "").removeprefix("failed to start: ")
            return GoldenReport(
                entries=(), load_errors=tuple(load_errors),
                errors=(f"{name}: cannot start: {why}",),
            )
    try:
        for case in sorted(cases, key=lambda c: c.id):
            if not case.final.golden:
                continue
            wanted.add(case.id)
            path = golden_path(golden_dir=gdir, case_id=case.id)
            data, why = reference_bytes(case=case, testee=testee, options=options)
            if data is None:
                entries.append(GoldenEntry(case_id=case.id, status="error", path=path, detail=why))
                continue
            entries.append(_compare(case_id=case.id, path=path, data=data, update=update))
            for toolchain, model in variants:
                entry = _variant(
                    case=case, toolchain=toolchain, model=model, base=data,
                    options=options, update=update,
                )
                if entry is not None:
                    entries.append(entry)
    finally:
        pool.close()
    known = {c.id for c in cases}
    modelled = {toolchain for toolchain, _ in variants}
    for path in sorted(gdir.glob("*.json")) if gdir.is_dir() else []:
        case_id, variant = split_golden_name(name=path.name)
        if case_id in wanted and (variant is None or variant in modelled):
            continue
        if case_id not in known:
            reason = "no case"
        elif case_id not in wanted:
            reason = "its case does not set final.golden"
        else:
            reason = f"the reference does not model {variant}"
        if update and not load_errors:
            path.unlink()
            entries.append(
                GoldenEntry(case_id=case_id, status="removed", path=path, detail=reason)
            )
        else:
            entries.append(GoldenEntry(case_id=case_id, status="stale", path=path, detail=reason))
    return GoldenReport(entries=tuple(entries), load_errors=tuple(load_errors))


def _variant(
    *,
    case: Case,
    toolchain: str,
    model: Testee,
    base: bytes,
    options: RunOptions,
    update: bool,
) -> GoldenEntry | None:
    """The entry for ``<id>@<toolchain>.json``, needed only where the bytes differ
    (None: no variant is needed and none exists)."""
    path = golden_variant_path(golden_dir=options.golden_dir, case_id=case.id, toolchain=toolchain)
    data, why = reference_bytes(case=case, testee=model, options=options)
    if data is None:
        detail = f"{model.name}: {why}"
        return GoldenEntry(case_id=case.id, status="error", path=path, detail=detail)
    if data != base:
        return _compare(case_id=case.id, path=path, data=data, update=update)
    if not path.exists():
        return None
    why = f"{toolchain} leaves the same bytes as {case.id}.json"
    if update:
        path.unlink()
        return GoldenEntry(case_id=case.id, status="removed", path=path, detail=why)
    return GoldenEntry(case_id=case.id, status="stale", path=path, detail=why)


def _compare(*, case_id: str, path: Path, data: bytes, update: bool) -> GoldenEntry:
    sidecar = obtained_path(path=path)
    try:
        old: bytes | None = path.read_bytes()
    except FileNotFoundError:
        old = None
    if old == data:
        with contextlib.suppress(FileNotFoundError):
            sidecar.unlink()  # an old mismatch has been resolved
        return GoldenEntry(case_id=case_id, status="unchanged", path=path)
    # Under --update nothing is "expected" yet: the old golden gives way to the new bytes.
    labels = UPDATE_LABELS if update else CHECK_LABELS
    diff = "" if old is None else cap(
        text=byte_diff(expected=old, obtained=data, labels=labels) or "", limit=800
    )
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        with contextlib.suppress(FileNotFoundError):
            sidecar.unlink()
        return GoldenEntry(
            case_id=case_id, status="added" if old is None else "changed", path=path, detail=diff
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    sidecar.write_bytes(data)
    if old is None:
        return GoldenEntry(
            case_id=case_id, status="missing", path=path, obtained=sidecar,
            detail="golden file does not exist (run: tokencache-compat golden --update)",
        )
    return GoldenEntry(
        case_id=case_id, status="mismatch", path=path, obtained=sidecar, detail=diff
    )
