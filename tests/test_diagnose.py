"""Infeasibility explained: each kind of infeasibility, planted in a small portfolio, is
named by the diagnosis (resource family, site, tenant, periods, amount); plan() refuses it
with status infeasible; `dcplan plan` exits 3, prints the explanation and writes
diagnosis.json; `dcplan explain` prints it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from planner import PlanningError, plan, portfolio_from_dict
from planner.cli import app
from planner.diagnose import diagnose
from planner.inputs import prepare
from planner.testing.catalogs import neutral_operating
from planner.testing.synthetic import portfolio_dict, site_dict, tenant_dict
from solvers import SolveStatus

HALL_M2 = 1000.0


def catalog(hall_kind: str = "new_build", hall_lead_months: int = 0) -> dict:
    """PUE 1, 10 MW halls on 1,000 m2 at 10 M$, 1 MW N+1 CDUs at 10 k$."""
    rack = {
        "gpus": 1,
        "footprint_m2": 1.0,
        "capex_usd": 0,
        "gpu_hour_usd": 0,
        "gpu_hour_change_per_year": 0,
        "life_years": 10,
        "source": "test",
    }
    return {
        "racks": [
            {"id": "liq", "it_kw": 100, "cooling": "liquid", **rack},
            {"id": "air", "it_kw": 50, "cooling": "air", **rack},
        ],
        "cooling_units": [
            {
                "id": "cdu",
                "capacity_kw": 1000,
                "footprint_m2": 1,
                "capex_usd": 10_000,
                "life_years": 10,
                "source": "test",
            }
        ],
        "asics": [{"id": "a", "th_per_s": 100, "watts": 1000, "price_usd": 0, "source": "test"}],
        "hall_modules": [
            {
                "id": "hall",
                "kind": hall_kind,
                "it_mw": 10,
                "footprint_m2": HALL_M2,
                "capex_usd_per_mw_it": 1e6,
                "lead_time_months": hall_lead_months,
                "pue_liquid": 1.0,
                "pue_air": 1.0,
                "life_years": 20,
                "source": "test",
            }
        ],
        "operating": neutral_operating(),
    }


def site(sid: str, **kw) -> dict:
    kw.setdefault("mining_mw", 0.0)
    return site_dict(sid, asic="a", asic_watts=1000.0, price_usd_per_mwh=50.0, **kw)


def committed(tid: str, sites: list[str], it_mw: float, **kw) -> dict:
    kw.setdefault("start_earliest", "2026-01-01")
    kw.setdefault("start_latest", kw["start_earliest"])
    kw.setdefault("rack_type", "liq")
    kw.setdefault("term_months", 48)
    kw.setdefault("committed", True)
    return tenant_dict(tid, sites, it_mw=it_mw, rate_usd_per_kw_month=100.0, power="included", **kw)


def data(sites, tenants, *, periods=4, period="year", cat=None, finance=None) -> dict:
    return portfolio_dict(
        "planted",
        sites,
        tenants,
        periods=periods,
        period=period,
        catalog=cat or catalog(),
        finance={"discount_rate_per_year": 0.0, "terminal_value": "none", **(finance or {})},
        scenario={"hashprice": {"halvings": []}},
    )


YEARS = ["2026", "2027", "2028", "2029"]
UPGRADE = {"id": "u1", "mw": 30, "capex_usd": 1e6, "lead_time_months": 24}

# name -> (portfolio data, expected shortfall families, site, tenant, periods (None: see the test), MW/m2/USD short)
CASES = {
    # 30 MW committed from 2027 on a 20 MW contract and interconnect (PUE 1): 10 MW short, 2027-2029
    "power": (
        data([site("s1", contract_mw=20)], [committed("t1", ["s1"], 30, start_earliest="2027-01-01")]),
        {"power_contract", "interconnect"},
        "s1",
        "t1",
        YEARS[1:],
        10.0,
    ),
    # 3 halls of 1,000 m2 on a parcel with (sqrt(5000) - 20)^2 = 2,571 m2 of buildable land
    "land": (
        data([site("s1", contract_mw=60, parcel_m2=5000)], [committed("t1", ["s1"], 30)]),
        {"land_buildable"},
        "s1",
        "t1",
        YEARS,
        None,
    ),
    # 20 MW of air-cooled racks, 10 MW of air cooling
    "air": (
        data([site("s1", contract_mw=60, air_capacity_mw=10)], [committed("t1", ["s1"], 20, rack_type="air")]),
        {"air_cooling"},
        "s1",
        "t1",
        YEARS,
        10.0,
    ),
    # 2 halls (20 M$) and 21 CDUs (0.21 M$) in 2026 against a 5 M$ budget
    "budget": (
        data([site("s1", contract_mw=60)], [committed("t1", ["s1"], 20)], finance={"capex_budget_usd_per_period": 5e6}),
        {"budget"},
        None,
        "t1",
        YEARS[:1],
        (2 * 10e6 + 21 * 10e3 - 5e6) / 1e6,  # M USD, the unit of the budget rows
    ),
    # 20 MW committed only at a 5 MW site, while a 100 MW site is not eligible
    "ineligible": (
        data([site("big", contract_mw=100), site("tiny", contract_mw=5)], [committed("t1", ["tiny"], 20)]),
        {"power_contract", "interconnect"},
        "tiny",
        "t1",
        YEARS,
        15.0,
    ),
    # 20 MW from 2026Q1-Q2 for a year behind a 5 MW interconnect whose +30 MW upgrade takes 24 months
    "upgrade_lead": (
        data(
            [site("s1", contract_mw=40, interconnect_mw=5, upgrades=[UPGRADE])],
            [committed("t1", ["s1"], 20, start_latest="2026-04-01", term_months=12)],
            periods=12,
            period="quarter",
        ),
        {"interconnect"},
        "s1",
        "t1",
        None,
        15.0,
    ),
}


def _load(d: dict):
    return portfolio_from_dict(d, Path("."))


@pytest.fixture(scope="module")
def diagnoses():
    return {name: diagnose(_load(case[0])) for name, case in CASES.items()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_plan_refuses_as_infeasible(name):
    with pytest.raises(PlanningError) as exc:
        plan(_load(CASES[name][0]), bau=False)
    assert exc.value.status is SolveStatus.INFEASIBLE


@pytest.mark.parametrize("name", sorted(CASES))
def test_diagnosis_names_the_shortfall(diagnoses, name):
    _, families, site_id, tenant_id, periods, amount = CASES[name]
    d = diagnoses[name]
    assert d.status == "optimal"
    assert {s.family for s in d.shortfalls} == families, d.text()
    for s in d.shortfalls:
        assert s.site == site_id
        assert s.tenants == [tenant_id]
        assert tenant_id in "\n".join(s.hints)
        if periods is not None:
            assert s.periods == periods
        if amount is not None:
            assert s.max_amount == pytest.approx(amount, rel=1e-6)
    text = d.text()
    assert "no feasible plan" in text
    assert (site_id or "capex budget") in text


def test_land_shortfall_amount(diagnoses):
    [s] = diagnoses["land"].shortfalls
    ins = prepare(_load(CASES["land"][0]))
    hand = 3 * HALL_M2 - (math.sqrt(5000) - 20) ** 2
    assert s.max_amount == pytest.approx(3 * HALL_M2 - ins.site.free_area_m2[0], rel=1e-6)
    assert s.max_amount == pytest.approx(hand, rel=0.05)
    assert s.unit == "m2"


def test_ineligible_site_is_named(diagnoses):
    d = diagnoses["ineligible"]
    assert all(s.site == "tiny" for s in d.shortfalls)
    assert "big" not in {s.site for s in d.shortfalls}
    assert any("eligible only at tiny" in h for s in d.shortfalls for h in s.hints)


def test_upgrade_lead_hint(diagnoses):
    """The shortfall lies in the tenant's possible term (2026Q1..2027Q1), before the upgrade's
    earliest service (ceil(24 / 3) = period 8, 2028Q1), and the hint names both."""
    [s] = diagnoses["upgrade_lead"].shortfalls
    quarters = [f"{y}Q{q}" for y in (2026, 2027, 2028) for q in (1, 2, 3, 4)]
    assert len(s.periods) == 4
    assert set(s.periods) <= set(quarters[:5])
    assert s.periods == quarters[quarters.index(s.periods[0]) :][:4]
    hint = [h for h in s.hints if h.startswith("upgrade u1")]
    assert hint and "2028Q1" in hint[0] and "24 months" in hint[0]


def test_budget_is_in_musd(diagnoses):
    [s] = diagnoses["budget"].shortfalls
    assert s.unit == "M USD"
    assert "5,000,000" in "\n".join(s.hints)


def test_concentration_shortfall():
    """A committed 20 MW tenant and an optional 5 MW one at the same rate, cap 50 %: t1 earns
    96 M$ of 120 M$; the cap allows 60 M$, 36 M$ short."""
    d = diagnose(
        _load(
            data(
                [site("s1", contract_mw=60)],
                [committed("t1", ["s1"], 20), committed("t2", ["s1"], 5, committed=False)],
                finance={"concentration_cap": 0.5},
            )
        )
    )
    [s] = d.shortfalls
    assert (s.family, s.tenant, s.unit) == ("concentration", "t1", "M USD")
    assert s.max_amount == pytest.approx(96 - 0.5 * 120, rel=1e-6)


def test_hall_lead_shortfall():
    """Halls take 12 months: a tenant committed from 2026 lacks hall capacity in 2026 only."""
    d = diagnose(
        _load(data([site("s1", contract_mw=60)], [committed("t1", ["s1"], 20)], cat=catalog(hall_lead_months=12)))
    )
    families = {s.family for s in d.shortfalls}
    assert "hall_it" in families and families <= {"hall_it", "hall_floor"}
    hall = next(s for s in d.shortfalls if s.family == "hall_it")
    assert hall.periods == ["2026"] and hall.max_amount == pytest.approx(20.0)
    assert any("in service from 2027" in h for h in hall.hints)


def test_conversion_beyond_mining_buildings():
    """Only conversion halls: 30 MW needs 3,000 m2 of a 2,500 m2 mining building; the
    shortfall is the building area, not hall capacity."""
    d = diagnose(
        _load(
            data(
                [site("s1", contract_mw=60, mining_mw=10)],
                [committed("t1", ["s1"], 30)],
                cat=catalog(hall_kind="conversion"),
            )
        )
    )
    [s] = d.shortfalls
    assert (s.family, s.site, s.unit) == ("land_buildings", "s1", "m2")
    assert s.max_amount == pytest.approx(500, rel=0.01)


def test_feasible_portfolio_has_no_shortfall():
    d = diagnose(_load(data([site("s1", contract_mw=60)], [committed("t1", ["s1"], 20)])))
    assert d.shortfalls == []
    assert "feasible plan exists" in d.text()
    assert d.to_dict()["feasible"] is True


def test_floor_bound_feasible_portfolio_has_no_shortfall():
    """5 MW of 100 m2 racks fill six 1,000 m2 halls (floor-bound): feasible on a 60 MW site."""
    cat = catalog()
    cat["racks"][0]["footprint_m2"] = 100.0
    pf = _load(data([site("s1", contract_mw=60)], [committed("t1", ["s1"], 5)], cat=cat))
    assert plan(pf, bau=False).decisions.halls.max() == 6
    assert diagnose(pf).shortfalls == []


# --------------------------------------------------------------------------- CLI


def _write(tmp_path: Path, d: dict) -> Path:
    path = tmp_path / "portfolio.yaml"
    path.write_text(yaml.safe_dump(d, sort_keys=False))
    return path


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_plan_explains_infeasibility(tmp_path, name):
    _, families, site_id, tenant_id, _, _ = CASES[name]
    path = _write(tmp_path, CASES[name][0])
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["plan", str(path), "--out", str(out)])
    assert result.exit_code == 3, result.output
    assert "no feasible plan" in result.output
    assert "short by up to" in result.output
    saved = json.loads((out / "diagnosis.json").read_text())
    assert saved["feasible"] is False and saved["portfolio"] == "planted"
    assert {s["family"] for s in saved["shortfalls"]} == families
    assert {s["site"] for s in saved["shortfalls"]} == {site_id}
    assert all(s["tenants"] == [tenant_id] for s in saved["shortfalls"])
    assert _words(saved["text"]) in _words(result.output)
    assert not (out / "plan.json").exists()

    explained = CliRunner().invoke(app, ["explain", str(path)])
    assert explained.exit_code == 3, explained.output
    assert _words(saved["text"]) in _words(explained.output)


def _words(text: str) -> str:
    """Text with its whitespace collapsed (the console may wrap long lines)."""
    return " ".join(text.split())


def test_cli_explain_feasible(tmp_path):
    path = _write(tmp_path, data([site("s1", contract_mw=60)], [committed("t1", ["s1"], 20)]))
    result = CliRunner().invoke(app, ["explain", str(path)])
    assert result.exit_code == 0, result.output
    assert "feasible plan exists" in result.output
