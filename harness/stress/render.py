"""Stress results as JSON (`{"mixes": [...]}`), a terminal table and Markdown."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from harness.stress.engine import MixResult

COLUMNS = (
    "mix", "acked", "lost", "lost %", "torn reads", "parse errors", "kills",
    "bad after kill", "leftovers", "mode", "stores/s", "verdict",
)


def verdict_text(*, mix: MixResult) -> str:
    """`ok`, `warn` (a recommended check failed) or `FAIL` (the required one)."""
    if not mix.required_ok:
        return "FAIL"
    return "ok" if mix.recommended_ok else "warn"


def mix_to_json(*, mix: MixResult) -> dict[str, Any]:
    """One mix as the JSON report's object."""
    o = mix.options
    return {
        "writers": {g.impl: g.count for g in mix.writers},
        "stores_per_writer": o.stores,
        "shared_key": o.shared_key,
        "kill_rate": o.kill_rate,
        "seed": o.seed,
        "stores_attempted": mix.stores_attempted,
        "stores_acked": mix.stores_acked,
        "store_errors": mix.store_errors,
        "lost_updates": mix.lost_updates,
        "lost_shared_key": mix.lost_shared_key,
        "lost_update_rate": round(mix.lost_update_rate, 6),
        "lost_examples": list(mix.lost_examples),
        "reads_sampled": mix.reads_sampled,
        "unparseable_reads": mix.unparseable_reads,
        "torn_read_examples": list(mix.torn_read_examples),
        "writer_parse_errors": mix.writer_parse_errors,
        "kills": mix.kills,
        "kills_mid_request": mix.kills_mid_request,
        "kills_holding_lock": mix.kills_holding_lock,
        "unparseable_after_kill": mix.unparseable_after_kill,
        "restarts": mix.restarts,
        "timeouts": mix.timeouts,
        "crashes": mix.crashes,
        "leftover_temp_files": mix.leftover_temp_files,
        "leftover_names": list(mix.leftover_names),
        "final_file_parses": mix.final_file_parses,
        "final_detail": mix.final_detail,
        "final_keys": mix.final_keys,
        "final_mode": mix.final_mode,
        "dir_mode": mix.dir_mode,
        "lock_file_mode": mix.lock_file_mode,
        "lookups": mix.lookups,
        "lookups_missing": mix.lookups_missing,
        "lookups_wrong": mix.lookups_wrong,
        "lookup_errors": mix.lookup_errors,
        "elapsed_s": round(mix.elapsed_s, 4),
        "stores_per_s": round(mix.stores_per_s, 1),
        "problems": list(mix.problems),
        "verdict": {
            "required": "pass" if mix.required_ok else "fail",
            "recommended": "pass" if mix.recommended_ok else "warn",
        },
        "by_impl": {b.impl: {k: v for k, v in asdict(b).items() if k != "impl"}
                    for b in mix.by_impl},
    }


def render_stress_json(*, mixes: Sequence[MixResult]) -> str:
    """The JSON report."""
    return json.dumps({"mixes": [mix_to_json(mix=m) for m in mixes]}, indent=2) + "\n"


def _row(mix: MixResult) -> list[str]:
    return [
        mix.writers_text(),
        str(mix.stores_acked),
        str(mix.lost_updates),
        f"{100 * mix.lost_update_rate:.1f}",
        str(mix.unparseable_reads),
        str(mix.writer_parse_errors),
        str(mix.kills),
        str(mix.unparseable_after_kill),
        str(mix.leftover_temp_files),
        mix.final_mode or "-",
        f"{mix.stores_per_s:.0f}",
        verdict_text(mix=mix),
    ]


def _notes(mix: MixResult) -> list[str]:
    lines = []
    for b in mix.by_impl:
        lines.append(
            f"  {b.impl}: {b.writers} writer(s), {b.stores_acked}/{b.stores_attempted} stores "
            f"acknowledged, {b.store_errors} failed, {b.lost_updates} lost; "
            f"{b.lookups_missing} of {b.lookups} lookups missed an acknowledged key, "
            f"{b.lookup_errors} failed; {b.kills} kill(s)"
        )
    if mix.kills:
        lines.append(
            f"  kills: {mix.kills} ({mix.kills_mid_request} before the writer answered, "
            f"{mix.kills_holding_lock} while it held token-cache.lock), "
            f"{mix.unparseable_after_kill} left a file that does not parse; "
            f"{mix.restarts} restart(s)"
        )
    if mix.options.shared_key:
        lines.append(f"  shared key: {mix.lost_shared_key} acknowledged overwrite(s) replaced "
                     "by an older value")
    if mix.store_errors or mix.lookup_errors:
        lines.append(f"  errors: {mix.store_errors} store(s), {mix.lookup_errors} lookup(s), "
                     f"{mix.writer_parse_errors} of them (with opens) because the file did "
                     "not parse")
    if not mix.final_file_parses:
        lines.append(f"  the final file does not parse: {mix.final_detail}")
    lines.extend(f"  lost: {e}" for e in mix.lost_examples)
    lines.extend(f"  torn read {e}" for e in mix.torn_read_examples)
    lines.extend(f"  leftover: {n}" for n in mix.leftover_names[:5])
    lines.extend(f"  PROBLEM {p}" for p in mix.problems)
    return lines


def _verdict_lines(mixes: Sequence[MixResult]) -> list[str]:
    bad = [m for m in mixes if not m.required_ok]
    warn = [m for m in mixes if m.required_ok and not m.recommended_ok]
    lines = [
        "required (the file always parses, every writer finishes): "
        + ("pass" if not bad else f"FAIL in {', '.join(m.writers_text() for m in bad)}"),
        "recommended (no lost updates, no leftover temporary files): "
        + ("pass" if not warn and not bad else
           f"missed in {', '.join(m.writers_text() for m in mixes if not m.recommended_ok)}"),
    ]
    return lines


def render_stress_terminal(*, mixes: Sequence[MixResult]) -> str:
    """A fixed-width table, one row per mix, then per-implementation notes and verdicts."""
    rows = [list(COLUMNS), *(_row(m) for m in mixes)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    out = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    for m in mixes:
        out.append(f"{m.writers_text()}:")
        out.extend(_notes(m))
    out.extend(_verdict_lines(mixes))
    return "\n".join(out) + "\n"


def render_stress_markdown(*, mixes: Sequence[MixResult]) -> str:
    """The same table in Markdown, with the per-implementation notes as a list."""
    out = ["# tokencache-compat stress", ""]
    if mixes:
        o = mixes[0].options
        out.append(f"{o.stores} stores per writer, shared key {'on' if o.shared_key else 'off'}, "
                   f"kill rate {o.kill_rate:g}, seed {o.seed}.")
        out.append("")
    out.append("| " + " | ".join(COLUMNS) + " |")
    out.append("|" + "---|" * len(COLUMNS))
    for m in mixes:
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in _row(m)) + " |")
    out.append("")
    for m in mixes:
        out.append(f"**{m.writers_text()}**")
        out.append("")
        out.extend(f"- {line.strip()}" for line in _notes(m))
        out.append("")
    out.extend(f"- {line}" for line in _verdict_lines(mixes))
    return "\n".join(out) + "\n"
