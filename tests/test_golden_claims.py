"""Claims the README makes about the golden bytes, checked on the committed files."""

from __future__ import annotations

from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "files"
VIAS = ("wrapper", "sdk-wrapper")


def _triples() -> list[tuple[Path, list[Path]]]:
    out = []
    for sdk in sorted(GOLDEN.glob("dualwrite.sdk.*.json")):
        tail = sdk.name.removeprefix("dualwrite.sdk.")
        siblings = [GOLDEN / f"dualwrite.{via}.{tail}" for via in VIAS]
        if all(p.exists() for p in siblings):
            out.append((sdk, siblings))
    return out


def test_dual_write_routes_give_identical_bytes() -> None:
    """The SDK dual write, the wrapper and the SDK through the wrapper leave the same file."""
    triples = _triples()
    assert len(triples) >= 10, "the dual-write cases lost their sdk/wrapper/sdk-wrapper triples"
    differing = [
        f"{sdk.name} != {other.name}"
        for sdk, others in triples
        for other in others
        if sdk.read_bytes() != other.read_bytes()
    ]
    assert differing == []
