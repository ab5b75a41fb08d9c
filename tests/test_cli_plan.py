"""`dcplan plan` end to end: the files it writes and what is in them, atomic output, `dcplan
compare`, and honest statuses under a time limit."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from planner import load_portfolio
from planner.cli import app
from planner.model.finance import STREAMS
from planner.testing.synthetic import random_portfolio

ROOT = Path(__file__).resolve().parents[1]
WHITEFIBER = ROOT / "sites" / "whitefiber.yaml"
FILES = (
    "plan.json",
    "site_period.csv",
    "tenants.csv",
    "cash_flows.csv",
    "procurement.csv",
    "sites.geojson",
    "power_split.png",  # with --png
    "cash_flows.png",
    "buildout.png",
    "report.html",
    "plan.xlsx",
)
PLAN_KEYS = {
    "status",
    "objective_usd",
    "bound_usd",
    "gap",
    "solver",
    "solve_seconds",
    "build_seconds",
    "kpis",
    "sites",
    "tenants",
    "periods",
}
PNG = b"\x89PNG\r\n\x1a\n"


def _dcplan() -> list[str]:
    script = Path(sys.executable).parent / "dcplan"
    return [str(script)] if script.exists() else [sys.executable, "-m", "planner.cli"]


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _leftovers(folder: Path) -> list[str]:
    """Temporary or old folders the atomic writer left beside `folder`."""
    return [p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}.")]


@pytest.fixture(scope="module")
def whitefiber(tmp_path_factory):
    """`dcplan plan sites/whitefiber.yaml --out DIR --png`, as a user runs it (a subprocess)."""
    out = tmp_path_factory.mktemp("whitefiber") / "plan"
    proc = subprocess.run(
        [*_dcplan(), "plan", str(WHITEFIBER), "--out", str(out), "--png"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path_factory.getbasetemp(),
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    return proc, out


def test_plan_exits_zero_and_writes_every_file(whitefiber):
    proc, out = whitefiber
    assert proc.returncode == 0, proc.stderr
    assert "files written to" in proc.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    assert _leftovers(out) == []


def test_plan_json(whitefiber):
    _, out = whitefiber
    data = json.loads((out / "plan.json").read_text())
    assert PLAN_KEYS <= set(data)
    assert data["status"] == "optimal"
    assert data["solver"] == "highs"
    assert data["gap"] is not None and 0 <= data["gap"] <= 1e-3 * (1 + 1e-6)
    assert data["bound_usd"] >= data["objective_usd"] - 1.0
    assert data["objective_usd"] == pytest.approx(data["kpis"]["npv_usd"])
    assert data["solve_seconds"] >= 0 and data["build_seconds"] > 0
    assert data["periods"][0] == "2026Q1" and len(data["periods"]) == 20 + 15  # 20 quarters, then 15 years
    assert [s["site_id"] for s in data["sites"]] == ["whitefiber-nc1"]
    signed = [t for t in data["tenants"] if t["signed"]]
    assert [t["tenant_id"] for t in signed] == ["nscale-nc1"]
    assert signed[0]["it_mw"] == pytest.approx(40.0)
    assert data["kpis"]["tenants_signed"] == ["nscale-nc1"]
    assert data["violations"] == []


def test_csv_tables(whitefiber):
    _, out = whitefiber
    sp = pd.read_csv(out / "site_period.csv")
    assert len(sp) == 35 and set(sp["site_id"]) == {"whitefiber-nc1"}  # 20 quarters, then 15 years
    assert {"mining_mw", "hpc_it_mw", "gross_mw", "contracted_mw", "grid_mw", "halls", "cdus"} <= set(sp.columns)
    assert (sp["gross_mw"] <= sp["contracted_mw"] + 1e-6).all()
    assert (sp["gross_mw"] <= sp["grid_mw"] + 1e-6).all()
    tenants = pd.read_csv(out / "tenants.csv")
    assert "nscale-nc1" in set(tenants["tenant_id"])
    cf = pd.read_csv(out / "cash_flows.csv")
    assert len(cf) == 35
    assert set(STREAMS) | {"period", "net", "discount_factor"} <= set(cf.columns)
    npv = cf["present_value_usd"].sum()  # each class at its own rate: net x discount_factor is not the NPV
    data = json.loads((out / "plan.json").read_text())
    assert npv == pytest.approx(data["objective_usd"], rel=1e-6)
    proc = pd.read_csv(out / "procurement.csv")
    assert list(proc.columns) == ["order_period", "in_service", "site_id", "kind", "item", "quantity"]
    assert {"hall", "cdu", "upgrade"} <= set(proc["kind"])


def test_sites_geojson(whitefiber):
    _, out = whitefiber
    frame = gpd.read_file(out / "sites.geojson")
    portfolio = load_portfolio(WHITEFIBER)
    assert len(frame) == len(portfolio.sites) == 1
    assert frame["site_id"].tolist() == ["whitefiber-nc1"]
    assert frame.crs.to_epsg() == 4326
    assert frame.geometry.is_valid.all() and frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    centroid = frame.geometry.iloc[0].representative_point()
    assert abs(centroid.x - (-79.96)) < 0.5 and abs(centroid.y - 36.39) < 0.5


@pytest.mark.parametrize("name", ["power_split.png", "cash_flows.png", "buildout.png"])
def test_plots_are_pngs(whitefiber, name):
    _, out = whitefiber
    data = (out / name).read_bytes()
    assert data[:8] == PNG and len(data) > 5_000


# --------------------------------------------------------------------------- atomic output


def _bad_portfolio(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"name": "bad", "sites": ["nowhere.yaml"], "capex_budget": 1}))
    return path


def test_bad_input_leaves_previous_output_untouched(whitefiber, tmp_path):
    _, out = whitefiber
    target = tmp_path / "plan"
    shutil.copytree(out, target)
    before = _snapshot(target)
    result = CliRunner().invoke(app, ["plan", str(_bad_portfolio(tmp_path)), "--out", str(target)])
    assert result.exit_code == 2, result.output
    assert "invalid input" in result.output
    assert _snapshot(target) == before
    assert _leftovers(target) == []


def _small_portfolio(tmp_path: Path, name: str = "small", **finance) -> Path:
    """One synthetic 60 MW site mining 10 MW (its 2,500 m2 building holds no 6,000 m2 conversion
    module) and one committed 20 MW tenant from 2028, in a new-build hall (24-month lead), with
    the bundled catalog: solved in well under a second."""
    from planner.testing.synthetic import portfolio_dict, site_dict, tenant_dict

    data = portfolio_dict(
        name,
        [site_dict("s1", contract_mw=60, mining_mw=10)],
        [tenant_dict("t1", ["s1"], it_mw=20, committed=True, start_earliest="2028-01-01", start_latest="2028-12-01")],
        periods=16,
        finance={"terminal_value": "none", **finance},
    )
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_crash_while_writing_leaves_previous_output_untouched(whitefiber, tmp_path, monkeypatch):
    _, out = whitefiber
    target = tmp_path / "plan"
    shutil.copytree(out, target)
    before = _snapshot(target)

    def boom(plan, path):
        raise RuntimeError("disk full")

    import planner.report.files

    monkeypatch.setattr(planner.report.files, "sites_geojson", boom)  # the last file written
    result = CliRunner().invoke(app, ["plan", str(_small_portfolio(tmp_path)), "--out", str(target)])
    assert result.exit_code != 0
    assert _snapshot(target) == before
    assert _leftovers(target) == []


def test_infeasible_run_keeps_previous_plan(whitefiber, tmp_path):
    _, out = whitefiber
    target = tmp_path / "plan"
    shutil.copytree(out, target)
    before = _snapshot(target)
    infeasible = _small_portfolio(tmp_path, "tight", capex_budget_usd_per_period=1e6)
    result = CliRunner().invoke(app, ["plan", str(infeasible), "--out", str(target)])
    assert result.exit_code == 3, result.output
    assert (target / "diagnosis.json").exists()
    assert {k: v for k, v in _snapshot(target).items() if k != "diagnosis.json"} == before


# --------------------------------------------------------------------------- compare


def test_compare_two_plans(whitefiber, tmp_path):
    _, a = whitefiber
    b = tmp_path / "b"
    result = CliRunner().invoke(app, ["plan", str(_small_portfolio(tmp_path)), "--out", str(b)])
    assert result.exit_code == 0, result.output
    pa, pb = (json.loads((x / "plan.json").read_text()) for x in (a, b))

    result = CliRunner().invoke(app, ["compare", str(a), str(b / "plan.json")])
    assert result.exit_code == 0, result.output
    text = result.output
    for key in ("npv_usd", "hpc_it_mw_end", "mining_mw_end", "capex_usd"):
        assert key in text
    assert f"{pb['kpis']['npv_usd'] - pa['kpis']['npv_usd']:,.3f}" in text
    assert "whitefiber-nc1" in text and "s1" in text
    assert "tenants signed only in A: nscale-nc1" in text
    assert "only in B: t1" in text


def test_compare_missing_plan(tmp_path, whitefiber):
    _, a = whitefiber
    result = CliRunner().invoke(app, ["compare", str(a), str(tmp_path / "nothing")])
    assert result.exit_code == 2


# --------------------------------------------------------------------------- time limit


def test_time_limit_on_a_larger_portfolio(tmp_path):
    """40 sites x 20 offers (synthetic), 1 s: either a plan whose status agrees with its gap
    (never "optimal" above the requested gap), or exit 4 and no plan files."""
    data = random_portfolio(40, 20, seed=0, periods=24)
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "out"
    gap = 1e-3
    result = CliRunner().invoke(app, ["plan", str(path), "--out", str(out), "--time-limit", "1", "--gap", str(gap)])
    assert result.exit_code in (0, 4), result.output
    if result.exit_code == 4:
        assert "time limit" in result.output
        assert not (out / "plan.json").exists()
        return
    plan = json.loads((out / "plan.json").read_text())
    assert plan["status"] in ("optimal", "feasible")
    assert plan["violations"] == []
    if plan["status"] == "optimal":
        assert plan["gap"] is not None and plan["gap"] <= gap * (1 + 1e-6)
    elif plan["gap"] is not None:
        assert plan["bound_usd"] >= plan["objective_usd"] - 1.0


def test_plan_gap_option_is_honoured(tmp_path):
    """An explicit loose gap: "optimal" means within it, and the bound is above the NPV."""
    out = tmp_path / "loose"
    result = CliRunner().invoke(app, ["plan", str(_small_portfolio(tmp_path)), "--out", str(out), "--gap", "0.05"])
    assert result.exit_code == 0, result.output
    plan = json.loads((out / "plan.json").read_text())
    assert plan["status"] in ("optimal", "feasible")
    if plan["status"] == "optimal":
        assert plan["gap"] <= 0.05 * (1 + 1e-6)
    assert plan["bound_usd"] >= plan["objective_usd"] - 1.0


def test_plan_by_site_decomposition(tmp_path):
    """`--method decompose`: a valid plan whose message names the decomposition, with a bound."""
    out = tmp_path / "dec"
    result = CliRunner().invoke(
        app, ["plan", str(_small_portfolio(tmp_path)), "--out", str(out), "--method", "decompose"]
    )
    assert result.exit_code == 0, result.output
    plan = json.loads((out / "plan.json").read_text())
    assert plan["violations"] == [] and plan["bound_usd"] >= plan["objective_usd"] - 1.0
    assert "site decomposition" in json.dumps(plan)


def test_unknown_method_is_bad_input(tmp_path):
    out = tmp_path / "x"
    result = CliRunner().invoke(app, ["plan", str(_small_portfolio(tmp_path)), "--out", str(out), "--method", "fast"])
    assert result.exit_code == 2 and "--method" in result.output and not out.exists()
