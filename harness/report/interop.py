"""The interop grid rendered for the terminal, Markdown and JSON."""

from __future__ import annotations

import json
from typing import Any

from harness.interop import (
    ALTERED,
    ERROR,
    EXTRA_KEY,
    EXTRA_TOKEN,
    INTEROP_TOKENS,
    OK,
    UNREADABLE,
    InteropResult,
)

_SYMBOL = {OK: ".", ALTERED: "A", UNREADABLE: "U", ERROR: "E"}
LEGEND = "  ".join(f"{s} {name}" for name, s in _SYMBOL.items())


def render_interop_terminal(*, result: InteropResult) -> str:
    """Writer rows x reader columns, then the details of every non-ok cell."""
    names = list(result.impls)
    width = max([len("writer \\ reader"), *(len(n) for n in names)])
    out = ["interop: rows write, columns read", ""]
    out.append("writer \\ reader".ljust(width) + "  " + "  ".join(names))
    for w in names:
        line = w.ljust(width)
        for r in names:
            c = result.cell(writer=w, reader=r)
            sym = " " if c is None else _SYMBOL[c.status]
            line += "  " + sym.ljust(len(r))
        out.append(line.rstrip())
    out += ["", "legend: " + LEGEND]
    bad = [c for c in result.cells if c.status != OK]
    if bad:
        out += ["", "DETAILS"]
        for c in bad:
            out.append(f"--- {c.writer} -> {c.reader}: {c.summary()}")
            out.extend("    " + d for d in c.details())
    for name, why in sorted(result.unavailable.items()):
        out.append(f"{name}: unavailable: {why}")
    if result.incomplete is not None:
        out += ["", f"INTEROP INCOMPLETE ({result.incomplete})"]
    else:
        out += ["", "INTEROP OK" if result.ok else "INTEROP DIFFERENCES"]
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def render_interop_markdown(*, result: InteropResult) -> str:
    """The grid as a Markdown table (cells summarised), then every change."""
    names = list(result.impls)
    out = ["# tokencache-compat interop", "", "Rows write the file, columns read it.", ""]
    if result.incomplete is not None:
        out += [f"**INCOMPLETE ({_md(result.incomplete)})**", ""]
    out.append("| writer \\ reader | " + " | ".join(_md(n) for n in names) + " |")
    out.append("|---" * (len(names) + 1) + "|")
    for w in names:
        cells = []
        for r in names:
            c = result.cell(writer=w, reader=r)
            cells.append("" if c is None else _md(c.summary()))
        out.append(f"| {_md(w)} | " + " | ".join(cells) + " |")
    bad = [c for c in result.cells if c.status != OK]
    if bad:
        out += ["", "## Changes", ""]
        for c in bad:
            out += [f"### {_md(c.writer)} writes, {_md(c.reader)} reads: {_md(c.summary())}", ""]
            out += [f"- {_md(d)}" for d in c.details()]
            out.append("")
    if result.unavailable:
        out += ["", "## Unavailable", ""]
        out += [f"- {_md(n)}: {_md(w)}" for n, w in sorted(result.unavailable.items())]
    return "\n".join(out).rstrip("\n") + "\n"


def interop_to_dict(*, result: InteropResult) -> dict[str, Any]:
    """A plain-JSON view of the grid."""
    return {
        "ok": result.ok,
        "incomplete": result.incomplete,
        "impls": list(result.impls),
        "unavailable": dict(result.unavailable),
        "tokens": {k: dict(v) for k, v in INTEROP_TOKENS.items()},
        "extra": {EXTRA_KEY: dict(EXTRA_TOKEN)},
        "cells": [
            {
                "writer": c.writer,
                "reader": c.reader,
                "status": c.status,
                "readable_by_reader": c.readable_by_reader,
                "readable_by_writer": c.readable_by_writer,
                "changes": [
                    {"phase": t.phase, "key": t.key, "field": t.field, "wrote": t.wrote,
                     "read": t.read}
                    for t in c.changes
                ],
                "errors": list(c.errors),
            }
            for c in result.cells
        ],
    }


def render_interop_json(*, result: InteropResult) -> str:
    """The JSON text of the grid."""
    doc = interop_to_dict(result=result)
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
