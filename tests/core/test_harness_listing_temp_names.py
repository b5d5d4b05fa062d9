"""Final listings name random temporary files `.token-cache-*.tmp`, as messages do."""

from __future__ import annotations

from pathlib import Path

from tcc_helpers import OPEN, case

from harness.checks import check_final
from harness.sandbox import CaseSandbox
from harness.spec import load_cases

CF = "home/.databricks/token-cache.json"


def test_a_left_temp_file_matches_the_pattern_and_nothing_else_does(
    project: Path, write_cases
) -> None:
    """`.token-cache-123.tmp` matches `.token-cache-*.tmp`; an extra or missing one differs."""
    write_cases("l", [
        case("l.with", OPEN,
             final={"file": CF, "listing": [".token-cache-*.tmp", "token-cache.json"]}),
        case("l.without", OPEN, final={"file": CF, "listing": ["token-cache.json"]}),
    ])
    cases = {c.id: c for c in load_cases(cases_dir=project / "golden" / "cases").cases}
    with CaseSandbox(spec=cases["l.with"].sandbox) as sb:
        (sb.root / "home/.databricks").mkdir()
        (sb.root / CF).write_text("{}")
        (sb.root / "home/.databricks/.token-cache-4242.tmp").write_text("")
        assert check_final(case=cases["l.with"], sandbox=sb, golden=None) == []
        (diff,) = check_final(case=cases["l.without"], sandbox=sb, golden=None)
        assert "unexpected ['.token-cache-*.tmp']" in diff
        (sb.root / "home/.databricks/.token-cache-4242.tmp").unlink()
        (diff,) = check_final(case=cases["l.with"], sandbox=sb, golden=None)
        assert "missing ['.token-cache-*.tmp']" in diff
