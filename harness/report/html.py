"""One self-contained HTML page a person can read: the verdict first, then what is wrong.

Order: the verdict and per-implementation totals; the regressions against a
baseline (when `run --baseline` gave one) and the failures, each with its
differences; the writer x reader grid; then every case grouped by topic (the
first segment of its id), groups where everything passes collapsed, each case
linked to its spec file; last, the details of every other cell that did not
pass. A filter box and an "only differences" toggle (a few lines of inline
script) narrow the case groups; without script everything is still there.
Inline CSS and script only, no external assets, no timestamps: the same run
always renders the same bytes, and the page works offline.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from harness.compare.model import topic_of
from harness.data import CaseResult, Outcome, RunResult
from harness.report.common import (
    DETAIL_OUTCOMES,
    broken_notes,
    data_loss_lines,
    matrix_rows,
    message_only_summary,
    result_text,
    verdict,
)

if TYPE_CHECKING:  # keep this module light: interop and compare are imported by callers
    from harness.compare.model import Comparison, Transition
    from harness.interop import InteropResult

DEFAULT_SPEC_BASE = "golden/cases/"

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d232a}
h1{font-size:22px;margin:0 0 6px} h2{font-size:18px;margin:28px 0 8px}
h3{font-size:14px;margin:0 0 4px}
.verdict{font-weight:600;padding:3px 10px;border-radius:4px;display:inline-block;font-size:15px}
.verdict.ok{background:#d8f3dc;color:#1b5e20} .verdict.bad{background:#fde2e1;color:#8a1c15}
.sub{margin:6px 0 0}
table{border-collapse:collapse;margin:8px 0}
th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f7;font-weight:600}
table.totals td.n{text-align:right;font-variant-numeric:tabular-nums}
table.totals td.zero{color:#b0b7be}
table.grid th.col{white-space:nowrap;font-weight:600;font-size:12.5px}
table.grid td.c{text-align:center;min-width:26px;font-weight:600}
table.grid td.id,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
table.grid td.id a{color:#0b4f9c;text-decoration:none}
table.grid td.id a:hover{text-decoration:underline}
td.c a{color:inherit;text-decoration:none;display:block}
.pass{background:#2da44e;color:#fff} .fail{background:#cf222e;color:#fff}
.crash,.timeout,.error,.broken{background:#82071e;color:#fff}
.skipped{background:#eaeef2;color:#57606a}
.xfail{background:#f5d77c;color:#4d3800} .xpass{background:#8250df;color:#fff}
.warn{background:#fb8f44;color:#fff} .ok{background:#2da44e;color:#fff}
.altered{background:#fb8f44;color:#fff} .unreadable{background:#cf222e;color:#fff}
.tag{display:inline-block;padding:0 6px;border-radius:3px;font-size:12px;font-weight:600}
.tag.regression{background:#cf222e;color:#fff} .tag.known{background:#eaeef2;color:#57606a}
.legend span{display:inline-block;padding:1px 7px;margin:2px 4px 2px 0;border-radius:3px}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:8px;overflow-x:auto;margin:4px 0 0;
 font:12.5px/1.4 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap}
.detail{margin:14px 0}
details.known{margin:2px 0}
details.known>summary{cursor:pointer;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
details.known[open]{margin:8px 0 14px}
details.topic{border:1px solid #d0d7de;border-radius:6px;margin:8px 0;padding:0 10px}
details.topic>summary{cursor:pointer;padding:7px 0;font-weight:600}
details.topic>summary .muted{font-weight:400}
details.topic[open]>summary{border-bottom:1px solid #d0d7de;margin-bottom:6px}
#controls{position:sticky;top:0;background:#fff;padding:8px 0;z-index:1;
 border-bottom:1px solid #d0d7de}
#controls input[type=search]{font:inherit;padding:3px 8px;width:22em}
#controls label{margin-left:14px} #shown{margin-left:14px}
.muted{color:#57606a} code{font-family:ui-monospace,Menlo,Consolas,monospace}
""".strip()

# Narrow the case groups: words in the filter box must all appear in the case id
# (the expected-failure list below follows the filter too); "only differences" hides
# rows (and groups) where every implementation passes.
_SCRIPT = """
(function () {
  var box = document.getElementById("filter"), only = document.getElementById("only-diff");
  var shown = document.getElementById("shown");
  var groups = Array.prototype.slice.call(document.querySelectorAll("details.topic"));
  var known = Array.prototype.slice.call(document.querySelectorAll("details.known"));
  document.getElementById("controls").hidden = false;
  function apply() {
    var words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var narrowed = words.length > 0 || only.checked, seen = 0, total = 0;
    groups.forEach(function (g) {
      var visible = 0;
      g.querySelectorAll("tr.case").forEach(function (row) {
        var id = row.getAttribute("data-id").toLowerCase();
        var keep = (!only.checked || row.getAttribute("data-diff") === "1") &&
          words.every(function (w) { return id.indexOf(w) !== -1; });
        row.hidden = !keep;
        total += 1;
        if (keep) { visible += 1; }
      });
      seen += visible;
      g.hidden = visible === 0;
      g.open = narrowed ? visible > 0 : g.hasAttribute("data-open");
    });
    known.forEach(function (d) {
      var id = d.getAttribute("data-id").toLowerCase();
      d.hidden = !words.every(function (w) { return id.indexOf(w) !== -1; });
    });
    shown.textContent = seen + " of " + total + " cases shown";
  }
  box.addEventListener("input", apply);
  only.addEventListener("change", apply);
  document.addEventListener("click", function (e) {
    var link = e.target.closest ? e.target.closest("a[href^='#']") : null;
    var target = link && document.getElementById(link.getAttribute("href").slice(1));
    var holder = target && target.closest ? target.closest("details") : null;
    if (holder) { holder.open = true; }
  });
  apply();
})();
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
    Outcome.BROKEN: "B",
}
# Expected failures link to their differences too: the page explains every red or amber cell.
_LINKED = DETAIL_OUTCOMES | {Outcome.XFAIL}
_INTEROP_ABBREV = {"ok": "✓", "altered": "A", "unreadable": "U", "error": "E"}


def anchor(*parts: str) -> str:
    """A stable, HTML-safe anchor id built from the given parts."""
    return "-".join(re.sub(r"[^A-Za-z0-9._-]+", "_", p) for p in parts)


def spec_link_base(*, run: RunResult, target: Path | None) -> str:
    """The relative URL prefix from the page at `target` to the run's case files."""
    if run.source is None or target is None:
        return DEFAULT_SPEC_BASE
    rel = os.path.relpath(Path(run.source.cases_dir).resolve(), target.resolve().parent)
    return Path(rel).as_posix().rstrip("/") + "/"


class _Page:
    """What every section needs: the run, the links to spec files, the comparison."""

    def __init__(self, *, run: RunResult, comparison: Comparison | None, spec_base: str) -> None:
        self.run = run
        self.comparison = comparison
        self.spec_base = spec_base
        self.files: Mapping[str, str] = run.source.case_files if run.source else {}
        self.gating: dict[tuple[str, str], Transition] = (
            {(t.case_id, t.impl): t for t in comparison.gating} if comparison else {}
        )

    def case_link(self, case_id: str) -> str:
        """The case id, linked to its spec file when the run knows it."""
        file = self.files.get(case_id)
        text = escape(case_id)
        if file is None:
            return text
        href = escape(self.spec_base + file, quote=True)
        return f'<a href="{href}" title="spec: {escape(file, quote=True)}">{text}</a>'


def _tag(outcome: Outcome) -> str:
    return f'<span class="tag {outcome.value}">{escape(outcome.value)}</span>'


def _summary(page: _Page) -> list[str]:
    run, c = page.run, page.comparison
    out = []
    if c is not None:
        # The gate's answer first: with a baseline, only regressions fail the run.
        out.append(f'<p><span class="verdict {"ok" if c.ok else "bad"}" id="verdict">'
                   f"{escape(c.verdict())}</span> against the baseline "
                   f"<code>{escape(c.old_label)}</code></p>")
        counts = ", ".join(f"{n} {k.label}" for k, n in c.counts().items() if n)
        out.append(f'<p class="sub muted">This run: {escape(verdict(run=run))}. '
                   f"Changes: {escape(counts or 'none')}.</p>")
    else:
        out.append(f'<p><span class="verdict {"ok" if run.ok else "bad"}" id="verdict">'
                   f"{escape(verdict(run=run))}</span></p>")
    used = [o for o in Outcome if any(run.totals(impl=i.name).get(o) for i in run.impls)]
    out.append('<table class="totals"><tr><th>implementation</th><th>version</th>')
    out.extend(f'<th class="{o.value}">{escape(o.value)}</th>' for o in used)
    out.append("</tr>")
    for info in run.impls:
        version = ""
        if info.hello:
            version = f"{info.hello.get('version', '')} ({info.hello.get('runtime', '')})"
        row = [f"<tr><td>{escape(info.name)}</td><td>{escape(version)}</td>"]
        if info.unavailable is not None:
            row.append(f'<td colspan="{max(1, len(used))}">unavailable: '
                       f"{escape(info.unavailable)}</td>")
        else:
            totals = run.totals(impl=info.name)
            for o in used:
                n = totals.get(o, 0)
                row.append(f'<td class="n{"" if n else " zero"}">{n}</td>')
        row.append("</tr>")
        out.append("".join(row))
    out.append("</table>")
    notes = broken_notes(run=run)
    if notes:
        out.append("<ul>")
        out.extend(f'<li class="muted">{escape(n)}</li>' for n in notes)
        out.append("</ul>")
    messages = [f"{i.name}: {s}" for i in run.available_impls()
                if (s := message_only_summary(run=run, impl=i.name)) is not None]
    if messages:
        out.append('<ul class="muted">')
        out.extend(f"<li>{escape(n)}</li>" for n in messages)
        out.append("</ul>")
    losses = data_loss_lines(run=run)
    if losses:
        out.append('<p id="data-loss"><strong>Data loss</strong> (behaviours shown that lose '
                   "data):</p><ul>")
        out.extend(f"<li>{escape(line)}</li>" for line in losses)
        out.append("</ul>")
    return out


def _detail_block(page: _Page, r: CaseResult) -> str:
    flag = ""
    if page.comparison is not None and r.outcome.unexpected:
        t = page.gating.get((r.case_id, r.impl))
        flag = (f' <span class="tag regression">regression: {escape(t.outcomes())}</span>'
                if t is not None else ' <span class="tag known">also in the baseline</span>')
    return (
        f'<div class="detail" id="{anchor("case", r.case_id, r.impl)}">'
        f'<h3><span class="mono">{page.case_link(r.case_id)}</span> on {escape(r.impl)}: '
        f"{_tag(r.outcome)}{flag}</h3>"
        f"<pre>{escape(result_text(result=r))}</pre></div>"
    )


def _regressions(page: _Page) -> list[str]:
    c = page.comparison
    if c is None:
        return []
    out = [f'<h2 id="regressions">Regressions against the baseline ({len(c.gating)})</h2>']
    if not c.gating:
        out.append('<p class="muted">None: no case got worse than in the baseline.</p>')
    results = {(r.case_id, r.impl): r for r in page.run.results}
    for t in c.gating:
        r = results.get((t.case_id, t.impl))
        if r is not None:
            out.append(_detail_block(page, r))
    others = [t for t in c.transitions if not t.gates]
    if others:
        out.append(f"<details><summary>Other changes against the baseline ({len(others)})"
                   "</summary><table><tr><th>change</th><th>case</th><th>implementation</th>"
                   "<th>outcome</th><th>also changed</th></tr>")
        out.extend(
            f"<tr><td>{escape(t.kind.label)}</td><td class=\"mono\">{page.case_link(t.case_id)}"
            f"</td><td>{escape(t.impl)}</td><td>{escape(t.outcomes())}</td>"
            f"<td>{escape(t.what_changed())}</td></tr>"
            for t in others
        )
        out.append("</table></details>")
    if c.new_problems:
        out.append("<h3>New harness problems</h3><ul>")
        out.extend(f"<li>{escape(p)}</li>" for p in c.new_problems)
        out.append("</ul>")
    if c.notes:
        out.append('<ul class="muted">')
        out.extend(f"<li>{escape(n)}</li>" for n in c.notes)
        out.append("</ul>")
    return out


def _failures(page: _Page) -> list[str]:
    run = page.run
    # Regressions are shown (with their anchors) in the section above.
    bad = [r for r in run.results
           if r.outcome.unexpected and (r.case_id, r.impl) not in page.gating]
    problems = [str(e) for e in run.load_errors] + list(run.harness_errors)
    title = "Failures" if page.comparison is None else "Failures also in the baseline"
    out = [f'<h2 id="failures">{title} ({len(bad) + len(problems)})</h2>']
    if not bad and not problems:
        out.append('<p class="muted">None: nothing failed, crashed, timed out or passed '
                   "unexpectedly.</p>")
    # Differences only in error messages come apart from those in behaviour.
    out.extend(_detail_block(page, r) for r in bad if not r.message_only)
    messages = [r for r in bad if r.message_only]
    if messages:
        out.append(f'<h3 id="message-only">Differences only in error messages '
                   f"({len(messages)})</h3>")
        out.extend(_detail_block(page, r) for r in messages)
    if problems:
        out.append("<h3>Errors</h3><ul>")
        out.extend(f"<li>{escape(p)}</li>" for p in problems)
        out.append("</ul>")
    return out


def _interop_section(result: InteropResult) -> list[str]:
    names = list(result.impls)
    out = ["<h2>Interop: writer &times; reader</h2>",
           '<p class="muted">Rows write the cache file, columns read it, add a token, and the '
           "writer reads everything again.</p>"]
    if result.incomplete is not None:
        out.append(f'<p><span class="verdict bad">INCOMPLETE ({escape(result.incomplete)})'
                   "</span></p>")
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


def _legend(items: list[tuple[str, str, str]]) -> str:
    spans = "".join(
        f'<span class="{cls}">{escape(sym)} {escape(label)}</span>' for cls, sym, label in items
    )
    return f'<p class="legend muted">{spans}</p>'


def _group_summary(topic: str, rows: Sequence[tuple[str, list[CaseResult | None]]]) -> str:
    differing = sum(1 for _, cells in rows if _differs(cells))
    counts: dict[Outcome, int] = {}
    for _, cells in rows:
        for cell in cells:
            if cell is not None and cell.outcome is not Outcome.PASS:
                counts[cell.outcome] = counts.get(cell.outcome, 0) + 1
    n = len(rows)
    head = f"{escape(topic)} <span class=\"muted\">{n} case{'s' if n != 1 else ''}"
    if not differing:
        return head + ", all pass</span>"
    what = ", ".join(f"{k} {o.value}" for o in Outcome if (k := counts.get(o)))
    return head + f", {differing} with differences ({escape(what)})</span>"


def _differs(cells: Sequence[CaseResult | None]) -> bool:
    return any(c is None or c.outcome is not Outcome.PASS for c in cells)


def _case_groups(page: _Page) -> list[str]:
    run = page.run
    impls = [i.name for i in run.available_impls()]
    if not impls:
        return []
    rows = matrix_rows(run=run)
    groups: dict[str, list[tuple[str, list[CaseResult | None]]]] = {}
    for cid, cells in rows:
        groups.setdefault(topic_of(case_id=cid), []).append((cid, cells))
    out = [f'<h2 id="cases">Cases by topic ({len(rows)} cases, {len(groups)} topics)</h2>',
           '<div id="controls" hidden>'
           '<input type="search" id="filter" placeholder="filter cases by id, e.g. expiry offset"'
           ' aria-label="filter cases by id">'
           '<label><input type="checkbox" id="only-diff"> only differences</label>'
           '<span id="shown" class="muted"></span></div>',
           _legend([(o.value, _ABBREV[o], o.value) for o in Outcome])]
    header = '<tr><th>case</th>' + "".join(f'<th class="col">{escape(n)}</th>'
                                          for n in impls) + "</tr>"
    for topic, members in groups.items():
        differs = any(_differs(cells) for _, cells in members)
        state = " open data-open" if differs else ""
        out.append(f'<details class="topic" id="{anchor("topic", topic)}" '
                   f'data-topic="{escape(topic, quote=True)}"{state}>'
                   f"<summary>{_group_summary(topic, members)}</summary>")
        out.append(f'<table class="grid">{header}')
        for cid, cells in members:
            row = [f'<tr class="case" data-id="{escape(cid, quote=True)}" '
                   f'data-diff="{1 if _differs(cells) else 0}">'
                   f'<td class="id">{page.case_link(cid)}</td>']
            for name, cell in zip(impls, cells, strict=True):
                if cell is None:
                    row.append('<td class="c"></td>')
                    continue
                o = cell.outcome
                first = cell.message.split("\n", 1)[0]
                title = escape(f"{cid} on {name}: {o.value}" + (f": {first}" if first else ""),
                               quote=True)
                sym = escape(_ABBREV[o])
                if o in _LINKED:
                    sym = f'<a href="#{anchor("case", cid, name)}">{sym}</a>'
                row.append(f'<td class="c {o.value}" title="{title}">{sym}</td>')
            row.append("</tr>")
            out.append("".join(row))
        out.append("</table></details>")
    return out


def _other_details(page: _Page) -> list[str]:
    shown = [r for r in page.run.results if r.outcome in _LINKED and not r.outcome.unexpected]
    if not shown:
        return []
    # Known and tolerated: one collapsed line each, opened by a click on its cell.
    out = [f'<h2 id="details">Expected failures and warnings ({len(shown)})</h2>']
    for r in shown:
        first = r.message.split("\n", 1)[0]
        out.append(
            f'<details class="known" id="{anchor("case", r.case_id, r.impl)}" '
            f'data-id="{escape(r.case_id, quote=True)}"><summary>'
            f'<span class="mono">{escape(r.case_id)}</span> on {escape(r.impl)}: '
            f'{_tag(r.outcome)} <span class="muted">{escape(first)}</span></summary>'
            f'<p class="mono">spec: {page.case_link(r.case_id)}</p>'
            f"<pre>{escape(result_text(result=r))}</pre></details>"
        )
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
    comparison: Comparison | None = None,
    title: str = "tokencache-compat report",
    spec_base: str = DEFAULT_SPEC_BASE,
) -> str:
    """The whole page; any part may be absent (the comparison only shows with a run)."""
    body = [f"<h1>{escape(title)}</h1>"]
    has_script = False
    if run is not None:
        page = _Page(run=run, comparison=comparison, spec_base=spec_base)
        body += _summary(page)
        body += _regressions(page)
        body += _failures(page)
    if interop is not None:
        body += _interop_section(interop)
    if run is not None:
        groups = _case_groups(page)
        has_script = bool(groups)
        body += groups
        body += _other_details(page)
    if interop is not None:
        body += _interop_details(interop)
    script = f"<script>\n{_SCRIPT}\n</script>\n" if has_script else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>\n{_CSS}\n</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n"
        + script
        + "</body></html>\n"
    )


def render_run_html(
    *,
    run: RunResult,
    interop: InteropResult | None = None,
    comparison: Comparison | None = None,
    target: Path | None = None,
) -> str:
    """The `run --html FILE` page; spec links are relative to where `target` will be."""
    return render_html(run=run, interop=interop, comparison=comparison,
                       spec_base=spec_link_base(run=run, target=target))
