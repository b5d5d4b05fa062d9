"""Concurrency figures: `python benchmarks/stress.py [--quick] [--reps N] [--stores K]`.

Runs `tokencache-compat stress` mixes of reference, reference+lock,
go-sdk@v0.129.0 and go-sdk@v0.61.0 (which writes in place), alone and mixed, at
2, 4 and 8 writers, each repeated; then the same mixes at 4 writers with
kills. Raw figures go to benchmarks/results/stress.json (every run, plus
medians with min-max), the plot of lost-update rate against writer count to
benchmarks/results/stress.png. On demand only, never in the test suite; every
mix runs in its own sandbox with its own HOME, inside a benchmark sandbox.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import REPO_ROOT, bench_sandbox, machine_info, quiet_matplotlib
from harness.stress.engine import run_mix
from harness.stress.plan import StressOptions, WriterGroup, resolve_impls
from harness.stress.render import mix_to_json

RESULTS_DIR = Path(__file__).resolve().parent / "results"
REF, REF_LOCK = "reference", "reference+lock"
GO_NEW, GO_OLD = "go-sdk@v0.129.0", "go-sdk@v0.61.0"
GO_LOCK = f"{GO_NEW}+lock"
WRITER_COUNTS = (2, 4, 8)
KILL_WRITERS = 4
KILL_RATE = 0.1


def _half(a: str, b: str) -> Callable[[int], list[WriterGroup]]:
    return lambda n: [WriterGroup(impl=a, count=n // 2), WriterGroup(impl=b, count=n - n // 2)]


def _alone(a: str) -> Callable[[int], list[WriterGroup]]:
    return lambda n: [WriterGroup(impl=a, count=n)]


def _one_unlocked(n: int) -> list[WriterGroup]:
    return [WriterGroup(impl=GO_LOCK, count=n - 1), WriterGroup(impl=GO_NEW, count=1)]


@dataclass(frozen=True)
class MixSpec:
    """A named mix whose writers depend on the writer count."""

    name: str
    groups: Callable[[int], list[WriterGroup]]


MIXES = (
    MixSpec(REF, _alone(REF)),
    MixSpec(REF_LOCK, _alone(REF_LOCK)),
    MixSpec(GO_NEW, _alone(GO_NEW)),
    MixSpec(GO_OLD, _alone(GO_OLD)),
    MixSpec(f"{REF} + {GO_NEW}", _half(REF, GO_NEW)),
    MixSpec(f"{GO_NEW} + {GO_OLD}", _half(GO_NEW, GO_OLD)),
    MixSpec(f"{REF_LOCK} + {GO_LOCK}", _half(REF_LOCK, GO_LOCK)),
    MixSpec(f"{GO_LOCK} + one {GO_NEW}", _one_unlocked),
)
FIGURES = ("lost_update_rate", "lost_updates", "stores_acked", "store_errors",
           "unparseable_reads", "writer_parse_errors", "leftover_temp_files", "stores_per_s",
           "kills", "kills_mid_request", "kills_holding_lock", "unparseable_after_kill")


def _summary(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"reps": len(runs)}
    for figure in FIGURES:
        values = [float(r[figure]) for r in runs]
        out[figure] = {"median": statistics.median(values), "min": min(values),
                       "max": max(values)}
    out["required_failures"] = sum(1 for r in runs if r["verdict"]["required"] != "pass")
    out["final_unparseable_runs"] = sum(1 for r in runs if not r["final_file_parses"])
    out["final_details"] = sorted({r["final_detail"] for r in runs if r["final_detail"]})[:3]
    out["problems"] = sorted({p for r in runs for p in r["problems"]})[:5]
    return out


def _run_section(
    *, counts: Sequence[int], kill_rate: float, reps: int, stores: int, impls: dict[str, Any]
) -> list[dict[str, Any]]:
    rows = []
    for n in counts:
        for spec in MIXES:
            groups = [g for g in spec.groups(n) if g.count > 0]
            runs = []
            for rep in range(reps):
                options = StressOptions(stores=stores, shared_key=True, kill_rate=kill_rate,
                                        seed=rep, time_limit=600.0)
                mix = run_mix(impls=impls, groups=groups, options=options)
                runs.append(mix_to_json(mix=mix))
            row = {"mix": spec.name, "writers": n, "kill_rate": kill_rate,
                   "groups": {g.impl: g.count for g in groups}, "summary": _summary(runs),
                   "runs": runs}
            s = row["summary"]
            print(f"  {n} writers, kill {kill_rate:g}, {spec.name}: lost "
                  f"{100 * s['lost_update_rate']['median']:.1f}% "
                  f"({100 * s['lost_update_rate']['min']:.1f}-"
                  f"{100 * s['lost_update_rate']['max']:.1f}), torn reads "
                  f"{s['unparseable_reads']['median']:g}, leftovers "
                  f"{s['leftover_temp_files']['median']:g}, "
                  f"{s['stores_per_s']['median']:.0f} stores/s", flush=True)
            rows.append(row)
    return rows


def _series(rows: Sequence[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return sorted((r for r in rows if r["mix"] == name and r["kill_rate"] == 0),
                  key=lambda r: r["writers"])


def plot(*, rows: Sequence[dict[str, Any]], path: Path, load: str) -> None:
    """Left: lost-update rate (median, min-max bars) against writer count for the mixes that
    replace the file atomically. Right: the mixes with go-sdk@v0.61.0 (in place), where most
    stores fail outright: the share of stores that failed or were lost, and how many runs
    ended with a file that does not parse."""
    quiet_matplotlib()
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 6), constrained_layout=True)
    for spec, marker in zip(MIXES, "os^vD<>p", strict=True):
        mine = _series(rows, spec.name)
        if not mine:
            continue
        xs = [r["writers"] for r in mine]
        if GO_OLD not in spec.name:
            rate = [r["summary"]["lost_update_rate"] for r in mine]
            med = [100 * v["median"] for v in rate]
            lo = [m - 100 * v["min"] for m, v in zip(med, rate, strict=True)]
            hi = [100 * v["max"] - m for m, v in zip(med, rate, strict=True)]
            left.errorbar(xs, med, yerr=[lo, hi], marker=marker, capsize=3, label=spec.name)
            continue
        gone = [[(run["store_errors"] + run["lost_updates"]) / run["stores_attempted"]
                 for run in r["runs"]] for r in mine]
        med = [100 * statistics.median(g) for g in gone]
        lo = [m - 100 * min(g) for m, g in zip(med, gone, strict=True)]
        hi = [100 * max(g) - m for m, g in zip(med, gone, strict=True)]
        unparseable = "/".join(str(r["summary"]["final_unparseable_runs"]) for r in mine)
        right.errorbar(xs, med, yerr=[lo, hi], marker=marker, capsize=3,
                       label=f"{spec.name}\n(final file unparseable in {unparseable} of "
                       f"{mine[0]['summary']['reps']} runs at "
                       f"{'/'.join(str(x) for x in xs)} writers)")
    left.set_ylabel("lost updates, % of acknowledged stores (median, min-max)")
    left.set_title("atomic replace (reference, v0.129.0) with and without the lock")
    right.set_ylabel("stores that failed or were lost, % of all stores (median, min-max)")
    right.set_title("with go-sdk@v0.61.0 (writes in place)")
    for ax in (left, right):
        ax.set_xticks(list(WRITER_COUNTS))
        ax.set_xlabel("writer processes on one cache file")
        ax.set_ylim(-3, 103)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small", loc="upper left")
    fig.suptitle("many processes, one token cache file: shared key on, no kills "
                 f"({load}: noisy)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _cell(summary: dict[str, Any], figure: str, *, scale: float = 1.0, digits: int = 0) -> str:
    v = summary[figure]
    med, lo, hi = (f"{scale * v[k]:.{digits}f}" for k in ("median", "min", "max"))
    return med if lo == hi else f"{med} ({lo}\u2013{hi})"


def markdown_tables(*, doc: dict[str, Any]) -> str:
    """The figures of a stress.json as the Markdown tables docs/concurrency.md shows."""
    head = ("| writers | mix | lost updates % | acked / attempted | store errors | torn reads "
            "| writer parse errors | final file unparseable | leftovers | stores/s |")
    kill_head = head + " kills | before the answer | holding the lock |"
    out = []
    for kill in sorted({r["kill_rate"] for r in doc["rows"]}):
        out.append(f"kill rate {kill:g}:")
        out.append("")
        out.append(kill_head if kill else head)
        out.append("|" + "---|" * (13 if kill else 10))
        for r in (r for r in doc["rows"] if r["kill_rate"] == kill):
            s = r["summary"]
            attempted = statistics.median(run["stores_attempted"] for run in r["runs"])
            cells = [
                str(r["writers"]), r["mix"], _cell(s, "lost_update_rate", scale=100, digits=1),
                f"{_cell(s, 'stores_acked')} / {attempted:g}", _cell(s, "store_errors"),
                _cell(s, "unparseable_reads"), _cell(s, "writer_parse_errors"),
                f"{s['final_unparseable_runs']} of {s['reps']}", _cell(s, "leftover_temp_files"),
                _cell(s, "stores_per_s"),
            ]
            if kill:
                cells += [_cell(s, "kills"), _cell(s, "kills_mid_request"),
                          _cell(s, "kills_holding_lock")]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run every mix, write stress.json and stress.png."""
    parser = argparse.ArgumentParser(prog="python benchmarks/stress.py", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="1 repetition, 10 stores, 2 writers: checks the script works")
    parser.add_argument("--reps", type=int, default=3, help="repetitions per mix (default 3)")
    parser.add_argument("--stores", type=int, default=50,
                        help="stores per writer (default 50)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR,
                        help="results directory (default benchmarks/results)")
    parser.add_argument("--tables", action="store_true",
                        help="print the Markdown tables of OUT/stress.json and exit (no run)")
    args = parser.parse_args(argv)
    if args.tables:
        print(markdown_tables(doc=json.loads((args.out / "stress.json").read_text())))
        return 0
    reps, stores = (1, 10) if args.quick else (args.reps, args.stores)
    counts = (2,) if args.quick else WRITER_COUNTS
    kill_counts = (2,) if args.quick else (KILL_WRITERS,)
    names = [REF, REF_LOCK, GO_NEW, GO_OLD, GO_LOCK]
    resolution = resolve_impls(names=names, repo_root=REPO_ROOT)
    if resolution.errors:
        for e in resolution.errors:
            print(f"unavailable: {e}", file=sys.stderr)
        return 1
    started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    load_before = os.getloadavg()
    with bench_sandbox():
        print("== no kills", flush=True)
        rows = _run_section(counts=counts, kill_rate=0.0, reps=reps, stores=stores,
                            impls=resolution.impls)
        print(f"== kill rate {KILL_RATE:g}", flush=True)
        rows += _run_section(counts=kill_counts, kill_rate=KILL_RATE, reps=reps, stores=stores,
                             impls=resolution.impls)
    given = sys.argv[1:] if argv is None else list(argv)
    doc = {
        "command": " ".join(["python benchmarks/stress.py", *given]),
        "measured_at": started,
        "quick": args.quick,
        "machine": machine_info(),
        "load_average_1m": {"before": round(load_before[0], 2),
                            "after": round(os.getloadavg()[0], 2)},
        "options": {"stores_per_writer": stores, "shared_key": True, "reps": reps,
                    "kill_rate": KILL_RATE, "kill_writers": list(kill_counts)},
        "rows": rows,
    }
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    (out / "stress.json").write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    machine = doc["machine"]
    loads = doc["load_average_1m"]
    plot(rows=rows, path=out / "stress.png",
         load=f"{machine['nproc']} shared cores, load average {loads['before']:g} before, "
         f"{loads['after']:g} after")
    print(f"results: {out / 'stress.json'}, plot: {out / 'stress.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
