"""The commands around `dcplan plan`: init (a bundled portfolio to start from), report (the
HTML page again from a plan's folder), sweep (wired to planner.sweep), --quiet, the live
progress lines, and `validate` on a horizon of segments."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from planner.cli import EXIT_INPUT, app
from planner.testing.synthetic import portfolio_dict, site_dict, tenant_dict

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def tiny(tmp_path: Path, **horizon) -> Path:
    """Two sites, one optional offer, four yearly periods (plans in about a second)."""
    sites = [site_dict("a", contract_mw=60, mining_mw=30), site_dict("b", contract_mw=40, mining_mw=20, lon=-99)]
    tenants = [
        tenant_dict("t1", ["a", "b"], it_mw=20, start_earliest="2027-01-01", start_latest="2027-01-01", term_months=36)
    ]
    data = portfolio_dict("tiny", sites, tenants, periods=4, period="year", finance={"discount_rate_per_year": 0.1})
    data["horizon"].update(horizon)
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_init_copies_an_operator_portfolio_that_validates(runner, tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path / "mine"), "--operator", "TeraWulf"])
    assert result.exit_code == 0, result.output
    copied = tmp_path / "mine" / "terawulf.yaml"
    assert copied.exists() and (tmp_path / "mine" / "SOURCES.md").exists()
    checked = runner.invoke(app, ["validate", str(copied)])
    assert checked.exit_code == 0, checked.output
    assert "valid: 2 sites" in checked.output


def test_init_refuses_to_overwrite_and_unknown_operators(runner, tmp_path):
    assert runner.invoke(app, ["init", str(tmp_path / "a"), "--operator", "hive"]).exit_code == 0
    again = runner.invoke(app, ["init", str(tmp_path / "a"), "--operator", "hive"])
    assert again.exit_code == EXIT_INPUT
    unknown = runner.invoke(app, ["init", str(tmp_path / "b"), "--operator", "no-such-miner"])
    assert unknown.exit_code == EXIT_INPUT and "no-such-miner" in unknown.output
    assert not (tmp_path / "b").exists() or not any((tmp_path / "b").iterdir())


def _plan(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    """`dcplan plan` as a user runs it (not a terminal: progress as plain lines on stderr)."""
    return subprocess.run(
        [sys.executable, "-m", "planner.cli", "plan", str(tiny(tmp_path)), "--out", str(tmp_path / "out"), *extra],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )


def test_plan_prints_each_phase_once_when_not_a_terminal(tmp_path):
    proc = _plan(tmp_path)
    assert proc.returncode == 0, proc.stderr
    phases = [line.split()[0] for line in proc.stderr.splitlines() if line.startswith("  ")]
    assert phases[:2] == ["build", "solve"] and "validate" in phases
    assert phases.count("solve") <= 2, proc.stderr  # the first and the last line of the search, not every event
    assert len(phases) - phases.count("solve") == len(set(phases)) - 1, proc.stderr  # one line per other phase
    assert "NPV" in proc.stdout and "of which after the horizon" in proc.stdout


def test_plan_quiet_prints_nothing_and_still_writes(tmp_path):
    proc = _plan(tmp_path, "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""
    assert (tmp_path / "out" / "plan.json").exists()
    assert not list((tmp_path / "out").glob("*.png"))  # figures only with --png: report.html has them


def test_report_rewrites_the_page_from_the_plan_folder(tmp_path):
    assert _plan(tmp_path, "--quiet").returncode == 0
    page = tmp_path / "out" / "report.html"
    before = page.read_text()
    page.unlink()
    result = CliRunner().invoke(app, ["report", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert page.read_text() == before


def test_report_without_its_portfolio_is_bad_input(runner, tmp_path):
    assert _plan(tmp_path, "--quiet").returncode == 0
    plan_json = tmp_path / "out" / "plan.json"
    data = json.loads(plan_json.read_text())
    plan_json.write_text(json.dumps({**data, "portfolio_file": str(tmp_path / "gone.yaml")}))
    result = runner.invoke(app, ["report", str(tmp_path / "out")])
    assert result.exit_code == EXIT_INPUT and "--portfolio" in result.output
    missing = runner.invoke(app, ["report", str(tmp_path / "nowhere")])
    assert missing.exit_code == EXIT_INPUT and "plan.json" in missing.output


def test_sweep_bad_factor_is_bad_input_and_writes_nothing(runner, tmp_path):
    result = runner.invoke(
        app, ["sweep", str(tiny(tmp_path)), "--vary", "moonshine=1,2", "--out", str(tmp_path / "s"), "--quiet"]
    )
    assert result.exit_code == EXIT_INPUT, result.output
    assert "moonshine" in result.output
    assert not (tmp_path / "s").exists()


def test_sweep_runs_a_grid_on_a_local_worker(runner, tmp_path):
    out = tmp_path / "s"
    args = ["sweep", str(tiny(tmp_path)), "--vary", "hashprice=0.5,1.5", "--workers", "1", "--out", str(out)]
    result = runner.invoke(app, [*args, "--quiet"])
    assert result.exit_code == 0, result.output
    rows = (out / "sweep.csv").read_text().splitlines()
    assert len(rows) == 3  # header and two scenarios


def test_validate_names_every_segment_of_the_horizon(runner, tmp_path):
    path = tiny(
        tmp_path,
        periods=6,
        period="quarter",
        segments=[{"period": "quarter", "periods": 4}, {"period": "year", "periods": 2}],
    )
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "4 quarters, then 2 years" in result.output


def test_plan_with_scenarios_writes_the_stochastic_plan(runner, tmp_path):
    """`dcplan plan --scenarios SET`: two hashprice futures, the first stage shared, VSS and EVPI
    printed with their inputs, stochastic.json and each scenario's plan.json written."""
    futures = tmp_path / "futures.yaml"
    futures.write_text("kind: grid\nfactors:\n  hashprice: [0.5, 1.5]\n")
    out = tmp_path / "sp"
    args = [
        "plan",
        str(tiny(tmp_path)),
        "--scenarios",
        str(futures),
        "--out",
        str(out),
        "--decision-date",
        "2028-01-01",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "VSS" in result.output and "EVPI" in result.output and "P50" in result.output
    data = json.loads((out / "stochastic.json").read_text())
    assert len(data["scenarios"]) == 2 and data["evpi"]["value_usd"] >= -1e-6
    assert sorted(p.name for p in (out / "plans").iterdir()) == sorted(s["scenario_id"] for s in data["scenarios"])


def test_plan_with_a_bad_cvar_level_is_bad_input(runner, tmp_path):
    futures = tmp_path / "futures.yaml"
    futures.write_text("kind: grid\nfactors:\n  hashprice: [0.5, 1.5]\n")
    out = tmp_path / "sp"
    args = ["plan", str(tiny(tmp_path)), "--scenarios", str(futures), "--out", str(out), "--cvar-alpha", "1.5"]
    result = runner.invoke(app, args)
    assert result.exit_code == EXIT_INPUT and "1.5" in result.output
    assert not out.exists()
