"""The command line: exit codes, report files, list and impls output."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from tcc_helpers import OPEN, case, fake_command, skip_references, store

from harness.cli import COMMANDS, build_parser, main


def _fake_impl() -> str:
    return "fake=" + shlex.join(fake_command())


def _run_args(project: Path, *extra: str) -> list[str]:
    return ["run", "--root", str(project), "--no-go", "--no-require-go",
            *skip_references(), "--impl", _fake_impl(), *extra]


def test_run_clean_exits_zero_and_writes_reports(
    project: Path, write_cases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A passing run exits 0 and writes the JUnit, JSON and Markdown files asked for."""
    write_cases("a", [case("a.one", OPEN, store("k"))])
    out = tmp_path / "out"
    code = main(_run_args(project, "--junit", str(out / "j.xml"), "--json", str(out / "r.json"),
                          "--markdown", str(out / "r.md")))
    assert code == 0
    assert "PASSED" in capsys.readouterr().out
    assert json.loads((out / "r.json").read_text())["results"][0]["outcome"] == "pass"
    assert 'name="a.one"' in (out / "j.xml").read_text()
    assert "| `a.one` | pass |" in (out / "r.md").read_text()


def test_run_failure_exits_one_and_filters_apply(
    project: Path, write_cases, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failing case exits 1; -k and --tag select which cases run."""
    write_cases("a", [
        case("a.good", OPEN, store("k"), tags=["t1"]),
        case("a.bad", OPEN, {"op": "lookup", "key": "missing"}, tags=["t2"]),
    ])
    assert main(_run_args(project)) == 1
    assert "--- a.bad [fake] fail" in capsys.readouterr().out
    assert main(_run_args(project, "-k", "good")) == 0
    assert main(_run_args(project, "--tag", "t1")) == 0
    assert main(_run_args(project, "--tag", "t2")) == 1


def test_xfail_option_and_default_list(project: Path, write_cases, tmp_path: Path) -> None:
    """--xfail NAME=FILE and adapters/xfail/<name>.txt both mark expected failures."""
    write_cases("a", [case("a.bad", OPEN, {"op": "lookup", "key": "missing"})])
    listing = tmp_path / "x.txt"
    listing.write_text("a.bad # fake has no tokens\n")
    assert main(_run_args(project, "--xfail", f"fake={listing}")) == 0
    (project / "adapters" / "xfail" / "fake.txt").write_text("a.bad # default list\n")
    assert main(_run_args(project)) == 0
    (project / "adapters" / "xfail" / "fake.txt").write_text("a.bad # x\nno.such.case # x\n")
    assert main(_run_args(project)) == 1


def test_list_json_and_load_error_exit(
    project: Path, write_cases, capsys: pytest.CaptureFixture[str]
) -> None:
    """list --json shows id, level, tags, description; a bad file makes it exit 1."""
    write_cases("a", [case("a.one", OPEN, tags=["x"], level="recommended")])
    assert main(["list", "--root", str(project), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["cases"] == [{"id": "a.one", "level": "recommended", "tags": ["x"],
                             "description": "case a.one", "file": "a.json"}]
    write_cases("b", raw="[]")
    assert main(["list", "--root", str(project)]) == 1


def test_impls_json_shows_command_and_hello(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """impls --json lists each implementation with its command and hello."""
    code = main(["impls", "--root", str(project), "--no-go", "--no-require-go",
                 *skip_references(), "--impl", _fake_impl(), "--json"])
    assert code == 0
    (fake,) = json.loads(capsys.readouterr().out)
    assert fake["name"] == "fake" and fake["command"] == list(fake_command())
    assert fake["hello"]["name"] == "fake" and fake["unavailable"] is None


def test_usage_errors_exit_two(project: Path) -> None:
    """Malformed --impl and a golden call without a mode are usage errors."""
    with pytest.raises(SystemExit) as bad_impl:
        main(["run", "--root", str(project), "--no-go", "--impl", "no-equals-sign"])
    assert bad_impl.value.code == 2
    with pytest.raises(SystemExit) as no_mode:
        main(["golden", "--root", str(project)])
    assert no_mode.value.code == 2


def test_command_table_lists_every_subcommand_module() -> None:
    """The literal table names one command per module in harness/commands, in --help order."""
    import harness.commands

    folder = Path(harness.commands.__file__).parent
    modules = {p.stem for p in folder.glob("*.py")} - {"__init__", "common"}
    assert {c.run.__module__.rsplit(".", 1)[1] for c in COMMANDS} == modules
    assert [c.name for c in COMMANDS][:4] == ["run", "list", "golden", "impls"]


def test_nothing_to_run_is_an_error(
    project: Path, write_cases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing or empty cases folder and a selection matching nothing exit 1, saying why."""
    missing = tmp_path / "nonexistent"
    assert main(_run_args(project, "--cases", str(missing))) == 1
    err = capsys.readouterr().err
    assert f"cases folder {missing} does not exist" in err and "--root" in err
    assert "--cases" in err
    assert main(_run_args(project)) == 1
    assert "holds no case files" in capsys.readouterr().err
    write_cases("a", [case("a.one", OPEN, store("k"), tags=["t1"])])
    assert main(_run_args(project, "-k", "typo")) == 1
    assert "no case matches -k 'typo'" in capsys.readouterr().err
    assert main(_run_args(project, "--tag", "nope")) == 1
    assert "no case matches --tag 'nope'" in capsys.readouterr().err
    assert main(["list", "--root", str(project), "-k", "typo"]) == 1
    out = capsys.readouterr()
    assert out.out == "" and "no case matches -k 'typo'" in out.err
    assert main(_run_args(project, "-k", "one")) == 0


def test_run_outside_any_project_fails_plainly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """From a directory that is no checkout, with the package installed elsewhere, run exits 1."""
    import harness.paths

    site = tmp_path / "site-packages" / "harness"
    site.mkdir(parents=True)
    monkeypatch.setattr(harness.paths, "__file__", str(site / "paths.py"))
    monkeypatch.delenv("TOKENCACHE_COMPAT_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--no-go", "--no-require-go"]) == 1
    err = capsys.readouterr().err
    assert "no project root found" in err and "--root" in err


def test_impl_options_are_one_set_shared_by_every_command() -> None:
    """run, impls, interop and report take the same implementation switches; diff names its two."""
    parser = build_parser()
    for command in ("run", "impls", "interop", "report"):
        extra = ["--html", "x.html"] if command == "report" else []
        args = parser.parse_args([command, *extra, "--skip-go", "--only-impl", "reference",
                                  "--skip-impl", "x", "--timeout", "3", "--no-require-go"])
        assert (args.no_go, args.only_impl, args.skip_impl, args.timeout) == (
            True, ["reference"], ["x"], 3.0), command
    diff = parser.parse_args(["diff", "a", "b", "--skip-go", "--impl", "x=y"])
    assert diff.no_go and diff.impl == ["x=y"] and not hasattr(diff, "only_impl")


def test_report_alias_builds_the_same_run_config_as_run() -> None:
    """`report` takes run's selection and judging options and turns them into the same config."""
    from harness.commands.common import run_config

    parser = build_parser()
    common = ["-k", "decode", "--tag", "decode", "--xfail", "mine=x.txt",
              "--no-strict-messages", "--enforce-recommended", "--skip-go", "--root", "."]
    run_args = parser.parse_args(["run", *common])
    report_args = parser.parse_args(["report", "--html", "x.html", *common])
    assert run_config(args=report_args) == run_config(args=run_args)
    assert run_config(args=report_args).tags == ("decode",)
