"""A shrunk divergence as a ready-to-add spec case, and where its files go.

Layout under the output directory (see docs/differential.md):

    cases/<id>.json      the spec case; `run --cases <out>/cases` loads every file here
    files/<id>.json      its golden bytes (`--golden-dir <out>/files`)
    observed/<id>.json   both sides' answers and final files, outside the case loader's reach
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.checks import escape_bytes
from harness.differential.decoys import decoy_sandbox, uses_decoys
from harness.differential.observe import CACHE_DIR, CACHE_FILE, Answer, DiskState, show
from harness.differential.signatures import Signature
from harness.exceptions import DiffSetupError
from harness.spec import load_case_file

CASES_SUBDIR = "cases"
FILES_SUBDIR = "files"
OBSERVED_SUBDIR = "observed"


@dataclass(frozen=True)
class TraceStep:
    """One executed step and what each side answered."""

    step: Mapping[str, Any]
    answers: tuple[Answer, Answer]


@dataclass(frozen=True)
class Counterexample:
    """A minimal diverging sequence and everything observed at the divergence."""

    names: tuple[str, str]
    file: bytes | None  # hand-edited cache file laid down before `steps`, if any
    steps: tuple[TraceStep, ...]
    disks: tuple[DiskState, DiskState]
    diffs: tuple[str, ...]
    expected_side: int  # 0 or 1: whose behaviour the spec case asserts
    signature: Signature | None = None
    env: Mapping[str, str | None] | None = None  # the example's open env; None: HOME only
    umask: int = 0o022

    def render(self) -> str:
        """A readable account: the steps, then every difference."""
        lines = [f"divergence between {self.names[0]} and {self.names[1]}"]
        if self.signature is not None:
            lines.append(f"  signature {self.signature.id}: {self.signature.text}")
        if self.env is not None and self.env != {"HOME": "home"}:
            lines.append(f"  env: {show(value=_case_env(self.env))}")
        if self.umask != 0o022:
            lines.append(f"  umask: {self.umask:04o}")
        if self.file is not None:
            lines.append(f"  cache file before: {escape_bytes(data=self.file)}")
        for n, ts in enumerate(self.steps, start=1):
            lines.append(f"  step {n}: {show(value=dict(ts.step))}")
        lines.append("differences after the last step:")
        lines.extend(f"  - {d}" for d in self.diffs)
        return "\n".join(lines)


def slug(*, name: str) -> str:
    """An implementation name as an id segment: `go-sdk@v0.129.0` → `go-sdk-v0-129-0`."""
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return s or "impl"


def _expect(answer: Answer) -> dict[str, Any] | None:
    c = answer.compared
    if "ok" in c:
        return {"ok": c["ok"]}
    if c.get("error") in ("not_found", "error"):
        out: dict[str, Any] = {"error": c["error"]}
        if "message" in c:
            out["message"] = c["message"]
        return out
    return None  # a crash cannot be expected; the step's expectation is left open


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _case_env(env: Mapping[str, str | None]) -> dict[str, str | None]:
    """The example env as a case's `env`: unset decoy variables are left out (a case
    never sets them), HOME is kept even when unset."""
    return {k: v for k, v in env.items() if k == "HOME" or v is not None}


def counterexample_case(*, cx: Counterexample) -> tuple[dict[str, Any], bytes | None]:
    """The spec case (docs/spec-format.md) and the golden bytes it refers to."""
    exp = cx.expected_side
    other = 1 - exp
    steps: list[dict[str, Any]] = []
    for ts in cx.steps:
        s = {k: v for k, v in ts.step.items() if not (ts.step["op"] == "open" and k == "path")}
        e = _expect(ts.answers[exp]) if ts.step["op"] != "edit" else None
        if e is not None:
            s["expect"] = e
        steps.append(s)
    sandbox: dict[str, Any] = {}
    if cx.file is not None:
        sandbox = {
            "dirs": [{"path": CACHE_DIR, "mode": "0700"}],
            "files": [{"path": CACHE_FILE, "mode": "0600", "base64": _b64(cx.file)}],
        }
    decoys = decoy_sandbox() if uses_decoys(env=cx.env, steps=[t.step for t in cx.steps]) else None
    if decoys is not None:
        sandbox["dirs"] = [*decoys["dirs"], *sandbox.get("dirs", [])]
        sandbox["files"] = [*decoys["files"], *sandbox.get("files", [])]
    if cx.umask != 0o022:
        sandbox["umask"] = f"{cx.umask:04o}"
    disk = cx.disks[exp]
    final: dict[str, Any] = {"file_type": disk.file_type}
    golden = disk.content if disk.file_type == "regular" else None
    if golden is not None:
        final["golden"] = True
    if disk.file_mode is not None:
        final["file_mode"] = f"{disk.file_mode:04o}"
    if disk.dir_mode is not None:
        final["dir_mode"] = f"{disk.dir_mode:04o}"
    if disk.listing is not None:
        final["listing"] = list(disk.listing)  # a temp file is listed as .token-cache-*.tmp
    if decoys is not None and not disk.decoys:
        final["other_files"] = decoys["other_files"]
    identity: dict[str, Any] = {
        "file": cx.file and _b64(cx.file), "steps": [dict(t.step) for t in cx.steps]
    }
    if cx.env is not None and cx.env != {"HOME": "home"}:
        identity["env"] = dict(cx.env)
    if cx.umask != 0o022:
        identity["umask"] = cx.umask
    body = json.dumps(identity, sort_keys=True)
    digest = hashlib.sha256(body.encode()).hexdigest()[:10]
    case_id = f"counterexample.{slug(name=cx.names[0])}-vs-{slug(name=cx.names[1])}.{digest}"
    what = (
        f"signature {cx.signature.id}: {cx.signature.text}" if cx.signature is not None
        else cx.diffs[0].split(chr(10))[0][:160] if cx.diffs else "see observed"
    )
    description = (
        f"Found by `tokencache-compat diff {cx.names[0]} {cx.names[1]}`: "
        f"{cx.names[exp]} behaves as written here, {cx.names[other]} differs ({what})."
    )
    case: dict[str, Any] = {
        "id": case_id,
        "description": description,
        "tags": ["differential", "counterexample"],
        "sandbox": sandbox,
        "steps": steps,
        "final": final,
    }
    if not sandbox:
        del case["sandbox"]
    if cx.env is not None and cx.env != {"HOME": "home"}:
        case["env"] = _case_env(cx.env)
    return case, golden


def _disk_json(d: DiskState) -> dict[str, Any]:
    return {
        "file_type": d.file_type,
        "file_mode": None if d.file_mode is None else f"{d.file_mode:04o}",
        "text": None if d.content is None else d.content.decode("utf-8", "replace"),
        "base64": None if d.content is None else _b64(d.content),
        "dir_mode": None if d.dir_mode is None else f"{d.dir_mode:04o}",
        "listing": None if d.listing is None else list(d.listing),
    }


def observed_outputs(*, cx: Counterexample, case_id: str) -> dict[str, Any]:
    """Both sides' answers for every step and their final files, as plain JSON."""
    return {
        "case": case_id,
        "expected_side": cx.names[cx.expected_side],
        "sides": {
            name: {
                "answers": [
                    {"step": n, "compared": dict(ts.answers[i].compared),
                     "detail": ts.answers[i].detail}
                    for n, ts in enumerate(cx.steps, start=1)
                ],
                "final": _disk_json(cx.disks[i]),
            }
            for i, name in enumerate(cx.names)
        },
        "differences": list(cx.diffs),
        "signature": None if cx.signature is None else {
            "id": cx.signature.id, "text": cx.signature.text,
            "op": cx.signature.op, "aspects": list(cx.signature.aspects),
        },
    }


def _write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary name: worker processes may write the same case at once."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@dataclass(frozen=True)
class WrittenCounterexample:
    """Where a counterexample went: the case file, its golden bytes, the observed outputs."""

    case_id: str
    case_file: Path
    golden_file: Path | None
    observed_file: Path


def write_counterexample(*, cx: Counterexample, out_dir: Path) -> WrittenCounterexample:
    """Write `cases/<id>.json`, `files/<id>.json` and `observed/<id>.json` under out_dir.

    The case file is valid against harness/schema/case-file.schema.json; the
    schema has no place for observations, so both sides' answers and final
    files go to `observed/`, a folder the case loader never reads: `cases/`
    holds nothing but case files and can be passed to `run --cases` as it is.
    """
    case, golden = counterexample_case(cx=cx)
    cid = case["id"]
    cases_dir = out_dir / CASES_SUBDIR
    cases_dir.mkdir(parents=True, exist_ok=True)
    case_file = cases_dir / f"{cid}.json"
    _write_atomic(case_file,
                  (json.dumps({"cases": [case]}, indent=2, ensure_ascii=False) + "\n").encode())
    golden_file = None
    if golden is not None:
        files_dir = out_dir / FILES_SUBDIR
        files_dir.mkdir(parents=True, exist_ok=True)
        golden_file = files_dir / f"{cid}.json"
        _write_atomic(golden_file, golden)
    observed_dir = out_dir / OBSERVED_SUBDIR
    observed_dir.mkdir(parents=True, exist_ok=True)
    observed_file = observed_dir / f"{cid}.json"
    observed = observed_outputs(cx=cx, case_id=cid)
    _write_atomic(observed_file,
                  (json.dumps(observed, indent=2, ensure_ascii=False) + "\n").encode())
    # Never hand out a case the loader would reject.
    _, errors = load_case_file(path=case_file)
    if errors:
        raise DiffSetupError(f"generated case is invalid: {'; '.join(map(str, errors))}")
    return WrittenCounterexample(
        case_id=cid, case_file=case_file, golden_file=golden_file, observed_file=observed_file
    )
