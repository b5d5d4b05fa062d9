"""The HTML report in a real headless browser: filter box, "only differences", links, offline.

Drives Debian's chromium through playwright (`playwright install` is never
needed: the system browser is launched by path). Skips, saying why, only when
no browser is installed and not in CI; in CI (CI=true, where .ci/run installs
chromium) a missing browser fails. The page is a real run of every case on every
available implementation, as `tokencache-compat run --html` writes it. A
screenshot goes to the test's temp folder, and also to $TOKENCACHE_COMPAT_SCREENSHOT
when set (how docs/report-screenshot.png is refreshed).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.compare.model import topic_of

# Seconds each (a whole run, a browser): the fast lane (pytest -m "not slow") leaves these out.
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BROWSER_ENV = "TOKENCACHE_COMPAT_CHROMIUM"
SCREENSHOT_ENV = "TOKENCACHE_COMPAT_SCREENSHOT"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
FILTER = "expiry.offset"


def _browser_path() -> str | None:
    given = os.environ.get(BROWSER_ENV)
    if given:
        return given
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}; CI must run the browser test (.ci/run installs chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's chromium, headless, launched by path through playwright, with its own HOME."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("python package playwright is not installed (it is in the test extra)")
    path = _browser_path()
    if path is None:
        _unavailable(f"no chromium on PATH (apt-get install chromium, or set {BROWSER_ENV})")
    # Chromium keeps crash reports and settings under HOME: never the real one.
    home = tmp_path_factory.mktemp("browser-home")
    with pytest.MonkeyPatch.context() as mp:
        for name, sub in (("HOME", ""), ("XDG_CONFIG_HOME", ".config"),
                          ("XDG_CACHE_HOME", ".cache"), ("XDG_DATA_HOME", ".local/share")):
            mp.setenv(name, str(home / sub))
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=path, args=LAUNCH_ARGS, env=dict(os.environ))
            try:
                yield b
            finally:
                b.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """`run --html --json` over every case and every available implementation."""
    out = tmp_path_factory.mktemp("report")
    html, js = out / "reports" / "report.html", out / "report.json"
    code = main(["run", "--root", str(REPO), "--html", str(html), "--json", str(js)])
    assert code == 0, "the real run must pass for this page"
    import json

    return html, json.loads(js.read_text())


def _grouped(cases: list[str]) -> list[str]:
    """Case ids in page order: topics in order of first appearance, run order inside."""
    first = {}
    for n, c in enumerate(cases):
        first.setdefault(topic_of(case_id=c), n)
    return sorted(cases, key=lambda c: first[topic_of(case_id=c)])


def _visible_ids(page: Any) -> list[str]:
    ids: list[str] = page.eval_on_selector_all(
        "tr.case", "rows => rows.filter(r => r.checkVisibility())"
                   ".map(r => r.dataset.id)")
    return ids


def _groups(page: Any) -> dict[str, dict[str, bool]]:
    found: list[dict[str, Any]] = page.eval_on_selector_all(
        "details.topic", "gs => gs.map(g => ({topic: g.dataset.topic, open: g.open, "
                         "shown: g.checkVisibility()}))")
    return {g["topic"]: {"open": g["open"], "shown": g["shown"]} for g in found}


def test_filter_and_only_differences_in_a_browser(
    browser: Any, report: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """Typing narrows rows and groups, the toggle keeps only differing rows, links open details."""
    html, doc = report
    cases = _grouped(list(doc["cases"]))
    cells: dict[str, list[str]] = {}
    for r in doc["results"]:
        cells.setdefault(r["case"], []).append(r["outcome"])
    differing = [c for c in cases if any(o != "pass" for o in cells[c])]
    requests: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 1700})
    page.on("request", lambda req: requests.append(req.url))
    page.goto(html.as_uri())

    # First the verdict and totals, and the controls the script shows.
    assert page.locator("#verdict").is_visible()
    assert page.locator("#verdict").inner_text() == "PASSED"
    assert page.locator("#controls").is_visible()
    assert _visible_ids(page) == [c for c in cases if topic_of(case_id=c) in {
        t for t, g in _groups(page).items() if g["open"]}]
    groups = _groups(page)
    for topic, g in groups.items():
        members = [c for c in cases if topic_of(case_id=c) == topic]
        assert g["open"] == any(c in differing for c in members), topic  # all-pass: collapsed
    assert page.locator("#shown").inner_text() == f"{len(cases)} of {len(cases)} cases shown"
    screenshot = tmp_path / "report.png"
    page.screenshot(path=str(screenshot))
    assert screenshot.stat().st_size > 10_000

    # The filter box: only matching rows; groups without a match disappear, the others open.
    page.fill("#filter", FILTER)
    matching = [c for c in cases if FILTER in c]
    assert matching and _visible_ids(page) == matching
    topics = {topic_of(case_id=c) for c in matching}
    assert {t for t, g in _groups(page).items() if g["shown"]} == topics
    assert all(_groups(page)[t]["open"] for t in topics)
    assert page.locator("#shown").inner_text() == f"{len(matching)} of {len(cases)} cases shown"
    # The list of expected failures below follows the filter too.
    page.fill("#filter", "expires-in")
    known: list[str] = page.eval_on_selector_all(
        "details.known", "ds => ds.filter(d => d.checkVisibility()).map(d => d.dataset.id)")
    tolerated = [r["case"] for r in doc["results"]
                 if r["outcome"] in ("xfail", "warn") and "expires-in" in r["case"]]
    assert tolerated and sorted(known) == sorted(tolerated)
    page.fill("#filter", FILTER)

    # The toggle on top of it, then alone: rows where every implementation passes go.
    page.check("#only-diff")
    assert _visible_ids(page) == [c for c in matching if c in differing]
    page.fill("#filter", "")
    assert _visible_ids(page) == differing
    shown = {t for t, g in _groups(page).items() if g["shown"]}
    assert shown == {topic_of(case_id=c) for c in differing}

    # Back to everything, collapsed as at first.
    page.uncheck("#only-diff")
    assert _groups(page) == groups

    # A linked cell opens the details it points at.
    page.check("#only-diff")  # a linked cell's row differs, so it stays visible
    link = page.locator("tr.case td.c a").first
    href = link.get_attribute("href")
    assert href is not None and href.startswith("#")
    target = page.locator(f'[id="{href[1:]}"]')
    assert not target.locator("pre").is_visible()  # collapsed until asked for
    link.click()
    assert target.is_visible() and target.locator("pre").is_visible()

    # Offline: the page is the only thing loaded.
    assert requests == [html.as_uri()]
    page.close()
    wanted = os.environ.get(SCREENSHOT_ENV)
    if wanted:
        shutil.copyfile(screenshot, wanted)


def test_spec_links_lead_to_case_files(
    browser: Any, report: tuple[Path, dict[str, Any]]
) -> None:
    """Each case id links, relative to the page, to the spec file it was loaded from."""
    html, doc = report
    page = browser.new_page()
    page.goto(html.as_uri())
    hrefs: list[str] = page.eval_on_selector_all("td.id a", "as => as.map(a => a.href)")
    assert len(hrefs) == len(doc["cases"])
    files = {Path(h.removeprefix("file://")) for h in hrefs}
    assert files == {REPO / "golden" / "cases" / f for f in set(doc["case_files"].values())}
    assert all(f.is_file() for f in files)
    page.close()
