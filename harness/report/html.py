"""One self-contained HTML page: case x implementation grid, writer x reader grid, details.

Inline CSS only, no scripts, no external assets, no timestamps: the same run
always renders the same bytes. Every failing cell links to an anchor holding
its differences.
"""

from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING

from harness.data import Outcome, RunResult
from harness.report.common import DETAIL_OUTCOMES, matrix_rows, result_text, totals_text, verdict

if TYPE_CHECKING:  # the interop module imports the CLI glue lazily; keep this one light
    from harness.interop import InteropResult

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d232a}
h1{font-size:22px;margin:0 0 4px} h2{font-size:18px;margin:28px 0 8px}
.verdict{font-weight:600;padding:2px 8px;border-radius:4px;display:inline-block}
.verdict.ok{background:#d8f3dc;color:#1b5e20} .verdict.bad{background:#fde2e1;color:#8a1c15}
table{border-collapse:collapse;margin:8px 0}
th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f7;font-weight:600}
table.grid th.col{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;
 font-weight:600;padding:6px 3px}
table.grid td.c{text-align:center;min-width:26px;font-weight:600}
table.grid td.id{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
td.c a{color:inherit;text-decoration:none;display:block}
.pass{background:#2da44e;color:#fff} .fail{background:#cf222e;color:#fff}
.crash,.timeout,.error{background:#82071e;color:#fff} .skipped{background:#eaeef2;color:#57606a}
.xfail{background:#f5d77c;color:#4d3800} .xpass{background:#8250df;color:#fff}
.warn{background:#fb8f44;color:#fff} .ok{background:#2da44e;color:#fff}
.altered{background:#fb8f44;color:#fff} .unreadable{background:#cf222e;color:#fff}
.legend span{display:inline-block;padding:1px 7px;margin:2px 4px 2px 0;border-radius:3px}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:8px;overflow-x:auto;
 font:12.5px/1.4 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap}
.detail{margin:14px 0} .detail h3{font-size:14px;margin:0 0 4px}
.muted{color:#57606a} code{font-family:ui-monospace,Menlo,Consolas,monospace}
""".strip()

_ABBREV = {
    Outcome.PASS: "✓",
    Outcome.FAIL: "✗",
    Outcome.CRASH: "C",
    Outcome.TIMEOUT: "T",
    Outcome.SKIPPED: "-",
    Outcome.XFAIL: "x",
    Outcome.XPASS: "X",
    Outcome.WARN: "w",
    Outcome.ERROR: "E",
}
# Expected failures link to their differences too: the page explains every red or amber cell.
_LINKED = DETAIL_OUTCOMES | {Outcome.XFAIL}
_INTEROP_ABBREV = {"ok": "✓", "altered": "A", "unreadable": "U", "error": "E"}


def anchor(*parts: str) -> str:
    """A stable, HTML-safe anchor id built from the given parts."""
    return "-".join(re.sub(r"[^A-Za-z0-9._-]+", "_", p) for p in parts)


def _legend(items: list[tuple[str, str, str]]) -> str:
    spans = "".join(
        f'<span class="{cls}">{escape(sym)} {escape(label)}</span>' for cls, sym, label in items
    )
    return f'<p class="legend muted">{spans}</p>'


def _case_summary(run: RunResult) -> list[str]:
    out = ["<h2>Implementations</h2>"]
    out.append(f'<p><span class="verdict {"ok" if run.ok else "bad"}">'
               f"{escape(verdict(run=run))}</span></p>")
    out.append("<table><tr><th>implementation</th><th>version</th><th>totals</th></tr>")
    for info in run.impls:
        version = ""
        if info.hello:
            version = f"{info.hello.get('version', '')} ({info.hello.get('runtime', '')})"
        totals = (
            totals_text(run=run, impl=info.name)
            if info.unavailable is None
            else f"unavailable: {info.unavailable}"
        )
        out.append(
            f"<tr><td>{escape(info.name)}</td><td>{escape(version)}</td>"
            f"<td>{escape(totals)}</td></tr>"
        )
    out.append("</table>")
    return out


def _case_grid(run: RunResult) -> list[str]:
    out: list[str] = []
    impls = [i.name for i in run.available_impls()]
    if impls:
        out.append("<h2>Cases &times; implementations</h2>")
        out.append(_legend([(o.value, _ABBREV[o], o.value) for o in Outcome]))
        out.append('<table class="grid"><tr><th>case</th>')
        out.extend(f'<th class="col">{escape(n)}</th>' for n in impls)
        out.append("</tr>")
        for cid, cells in matrix_rows(run=run):
            row = [f'<tr><td class="id">{escape(cid)}</td>']
            for name, cell in zip(impls, cells, strict=True):
                if cell is None:
                    row.append('<td class="c"></td>')
                    continue
                o = cell.outcome
                title = escape(f"{cid} on {name}: {o.value}", quote=True)
                sym = escape(_ABBREV[o])
                if o in _LINKED:
                    sym = f'<a href="#{anchor("case", cid, name)}">{sym}</a>'
                row.append(f'<td class="c {o.value}" title="{title}">{sym}</td>')
            row.append("</tr>")
            out.append("".join(row))
        out.append("</table>")
    return out


def _case_details(run: RunResult) -> list[str]:
    out: list[str] = []
    shown = [r for r in run.results if r.outcome in _LINKED]
    if shown:
        out.append("<h2>Case details</h2>")
        for r in shown:
            out.append(
                f'<div class="detail" id="{anchor("case", r.case_id, r.impl)}">'
                f'<h3><code>{escape(r.case_id)}</code> on {escape(r.impl)}: '
                f'<span class="{r.outcome.value}">&nbsp;{escape(r.outcome.value)}&nbsp;</span></h3>'
                f"<pre>{escape(result_text(result=r))}</pre></div>"
            )
    problems = [str(e) for e in run.load_errors] + list(run.harness_errors)
    if problems:
        out.append("<h2>Errors</h2><ul>")
        out.extend(f"<li>{escape(p)}</li>" for p in problems)
        out.append("</ul>")
    return out


def _interop_section(result: InteropResult) -> list[str]:
    names = list(result.impls)
    out = ["<h2>Interop: writer &times; reader</h2>",
           '<p class="muted">Rows write the cache file, columns read it, add a token, and the '
           "writer reads everything again.</p>"]
    out.append(_legend([(s, _INTEROP_ABBREV[s], s) for s in _INTEROP_ABBREV]))
    out.append('<table class="grid"><tr><th>writer \\ reader</th>')
    out.extend(f'<th class="col">{escape(n)}</th>' for n in names)
    out.append("</tr>")
    for w in names:
        row = [f'<tr><td class="id">{escape(w)}</td>']
        for r in names:
            c = result.cell(writer=w, reader=r)
            if c is None:
                row.append('<td class="c"></td>')
                continue
            title = escape(f"{w} writes, {r} reads: {c.summary()}", quote=True)
            sym = escape(_INTEROP_ABBREV.get(c.status, "?"))
            if c.status != "ok":
                sym = f'<a href="#{anchor("interop", w, r)}">{sym}</a>'
            row.append(f'<td class="c {c.status}" title="{title}">{sym}</td>')
        row.append("</tr>")
        out.append("".join(row))
    out.append("</table>")
    if result.unavailable:
        out.append("<ul>")
        out.extend(
            f"<li>{escape(n)}: unavailable: {escape(w)}</li>"
            for n, w in sorted(result.unavailable.items())
        )
        out.append("</ul>")
    return out


def _interop_details(result: InteropResult) -> list[str]:
    out: list[str] = []
    bad = [c for c in result.cells if c.status != "ok"]
    if bad:
        out.append("<h2>Interop details</h2>")
        for c in bad:
            out.append(
                f'<div class="detail" id="{anchor("interop", c.writer, c.reader)}">'
                f"<h3>{escape(c.writer)} writes, {escape(c.reader)} reads: "
                f"{escape(c.summary())}</h3><pre>{escape(chr(10).join(c.details()))}</pre></div>"
            )
    return out


def render_html(
    *,
    run: RunResult | None = None,
    interop: InteropResult | None = None,
    title: str = "tokencache-compat report",
) -> str:
    """The whole page; either part may be absent."""
    body = [f"<h1>{escape(title)}</h1>"]
    # Summary, the small interop grid, the case grid, then the details cells link to.
    if run is not None:
        body += _case_summary(run)
    if interop is not None:
        body += _interop_section(interop)
    if run is not None:
        body += _case_grid(run)
        body += _case_details(run)
    if interop is not None:
        body += _interop_details(interop)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>\n{_CSS}\n</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def render_run_html(*, run: RunResult, interop: InteropResult | None = None) -> str:
    """The `run --html FILE` page: the case grid and, when given, the interop grid."""
    return render_html(run=run, interop=interop)
