"""Scaling: open, store and lookup time against caches of 10 to 10,000 entries."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import (
    GO_YARDSTICK,
    REFERENCE_COMMAND,
    BenchEnv,
    LineClient,
    ProtocolFailure,
    go_testee,
    median,
    quiet_matplotlib,
    token_json,
)

SIZES = (10, 100, 1_000, 10_000)
REF_INPROC = "reference (in-process)"
REF_PIPE = "reference (python -m reference_impl)"
OPS = ("open", "lookup_cold", "lookup_warm", "store_cold", "store_warm")
GOAL_OPS = ("lookup_cold", "store_cold")
Request = Callable[[Mapping[str, Any]], dict[str, Any]]


def key_of(*, index: int) -> str:
    """The cache key of entry `index` (profile names as a CLI user would pick them)."""
    return f"profile-{index:05d}"


def cache_bytes(*, entries: int, changed: int | None = None) -> bytes:
    """The exact file Go writes for `entries` tokens, from the reference encoder.

    `changed` gives that entry another token (same size), for a second version.
    """
    from reference_impl.encoder import encode_file
    from reference_impl.protocol import token_from_json

    tokens = {
        key_of(index=i): token_from_json(obj=token_json(i if i != changed else i + 10**7))
        for i in range(entries)
    }
    return encode_file(version=1, tokens=tokens)


def _write_cache(*, env: BenchEnv, data: bytes) -> Path:
    directory = env.fresh_dir(prefix="scale-")
    cache_dir = directory / ".databricks"
    cache_dir.mkdir(mode=0o700)
    path = cache_dir / "token-cache.json"
    path.write_bytes(data)
    path.chmod(0o600)
    return path


def _in_process() -> tuple[Request, Callable[[], None]]:
    from reference_impl.protocol import Session

    session = Session()
    counter = iter(range(1, 1 << 62))

    def call(req: Mapping[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = session.handle({**req, "id": next(counter)})
        return response

    return call, lambda: None


def _over_pipe(*, command: tuple[str, ...], env: BenchEnv) -> tuple[Request, Callable[[], None]]:
    client = LineClient(command=command, env=env.child_env(), cwd=env.root)
    client.checked({"op": "hello"})
    return client.request, client.close


def _ok(response: Mapping[str, Any], what: str) -> Mapping[str, Any]:
    if not response.get("ok"):
        raise ProtocolFailure(f"{what}: {response.get('error')}")
    result: Mapping[str, Any] = response["result"]
    return result


def _measure(
    *, call: Request, path: Path, entries: int, other: bytes, budget_s: float, max_reps: int
) -> dict[str, float]:
    """Median seconds per op; each op is repeated at least 3 times, then within a budget.

    Cold ops model a fresh process after another writer: before each timed call the
    cache is reopened and the file rewritten with different bytes (both untimed), so
    no memo of an implementation can help. Warm ops repeat on an unchanged file.
    """
    open_req = {"op": "open", "path": str(path), "env": {}, "umask": 18}
    current = [path.read_bytes(), other]
    samples: dict[str, list[float]] = {op: [] for op in OPS}

    def external_write() -> None:
        current.reverse()
        path.write_bytes(current[0])

    def reps(
        op: str, make: Callable[[int], Mapping[str, Any]], before: Callable[[], None] | None
    ) -> None:
        spent = 0.0
        n = 0
        while n < 3 or (spent < budget_s and n < max_reps):
            if before is not None:
                before()
            req = make(n)
            start = time.perf_counter()
            response = call(req)
            took = time.perf_counter() - start
            _ok(response, f"{op} at {entries} entries")
            samples[op].append(took)
            spent += took
            n += 1

    def cold() -> None:
        _ok(call(open_req), "open")
        external_write()

    def lookup(n: int) -> Mapping[str, Any]:
        return {"op": "lookup", "key": key_of(index=(entries // 2 + n) % entries)}

    def store(n: int) -> Mapping[str, Any]:
        # Overwrite existing keys so the file keeps its size; each store changes bytes.
        return {"op": "store", "key": key_of(index=n % entries), "token": token_json(entries + n)}

    reps("open", lambda _: open_req, external_write)
    found = _ok(call({"op": "lookup", "key": key_of(index=entries // 2)}), "lookup")
    if found.get("token", {}).get("access_token") != token_json(entries // 2)["access_token"]:
        raise ProtocolFailure(f"lookup of {key_of(index=entries // 2)} returned {found}")
    reps("lookup_cold", lookup, cold)
    _ok(call(open_req), "open")
    reps("lookup_warm", lookup, None)
    reps("store_cold", store, cold)
    _ok(call(open_req), "open")
    reps("store_warm", store, None)
    return {op: median(v) for op, v in samples.items()} | {
        f"{op}_reps": float(len(v)) for op, v in samples.items()
    }


def run(
    *, env: BenchEnv, sizes: Sequence[int] = SIZES, budget_s: float = 1.0, max_reps: int = 200
) -> dict[str, Any]:
    """Per size and implementation: median ms per op, and reference/Go ratios."""
    go = go_testee()
    impls: dict[str, tuple[Request, Callable[[], None]]] = {
        REF_INPROC: _in_process(),
        REF_PIPE: _over_pipe(command=REFERENCE_COMMAND, env=env),
        GO_YARDSTICK: _over_pipe(command=go.command, env=env),
    }
    rows: list[dict[str, Any]] = []
    try:
        for entries in sizes:
            data = cache_bytes(entries=entries)
            # Same size and keys, one token changed: what another writer leaves behind.
            other = cache_bytes(entries=entries, changed=entries // 3)
            per_impl: dict[str, dict[str, float]] = {}
            for name, (call, _) in impls.items():
                path = _write_cache(env=env, data=data)
                per_impl[name] = _measure(
                    call=call, path=path, entries=entries, other=other, budget_s=budget_s,
                    max_reps=max_reps,
                )
            go_row = per_impl[GO_YARDSTICK]
            row: dict[str, Any] = {"entries": entries, "file_bytes": len(data)}
            for name, m in per_impl.items():
                row[name] = {f"{op}_ms": m[op] * 1e3 for op in OPS} | {
                    f"{op}_reps": int(m[f"{op}_reps"]) for op in OPS
                }
                if name != GO_YARDSTICK:
                    row[name] |= {f"{op}_ratio_vs_go": m[op] / go_row[op] for op in OPS}
            rows.append(row)
    finally:
        for _, close in impls.values():
            close()
    return {"impls": list(impls), "ops": list(OPS), "rows": rows, "goal_ratio_at_most": 3.0,
            "goal_ops": list(GOAL_OPS),
            "goal": "reference at most 3x Go at 10,000 entries (cold store and cold lookup)"}


def plot(*, result: Mapping[str, Any], path: Path) -> None:
    """Log-log lines of ms per op against entries, one panel per op."""
    quiet_matplotlib()
    import matplotlib.pyplot as plt

    rows = result["rows"]
    sizes = [r["entries"] for r in rows]
    fig, grid = plt.subplots(2, 3, figsize=(13, 7.5), constrained_layout=True)
    axes = list(grid.flat)
    axes[-1].axis("off")
    for ax, op in zip(axes, OPS, strict=False):
        for name, marker in zip(result["impls"], "os^", strict=False):
            ax.plot(sizes, [r[name][f"{op}_ms"] for r in rows], marker=marker, label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("entries in the cache file")
        ax.set_ylabel("ms per operation (median)")
        ax.set_title(op.replace("_", " "))
        ax.grid(True, which="both", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    axes[-1].legend(handles, labels, loc="center")
    fig.suptitle("token cache scaling: reference vs " + GO_YARDSTICK)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def describe(result: Mapping[str, Any]) -> str:
    """A table for the terminal."""
    lines = ["scaling (median ms per op; x = reference / Go):"]
    for r in result["rows"]:
        go_row = r[GO_YARDSTICK]
        lines.append(f"  {r['entries']:>6} entries ({r['file_bytes'] / 1024:.0f} KiB)")
        for op in OPS:
            lines.append(
                f"    {op:12} go {go_row[f'{op}_ms']:8.2f}"
                f" | in-process {r[REF_INPROC][f'{op}_ms']:8.2f}"
                f" ({r[REF_INPROC][f'{op}_ratio_vs_go']:5.2f}x)"
                f" | pipe {r[REF_PIPE][f'{op}_ms']:8.2f} ({r[REF_PIPE][f'{op}_ratio_vs_go']:5.2f}x)"
            )
    return "\n".join(lines)
