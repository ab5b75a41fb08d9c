"""The independent validator: a solved plan passes it, and each planted fault in the plan's
decisions is reported under exactly the check that names it (site and period included).
Also: a plan survives its JSON round trip (same decisions, same NPV)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest

from planner import load_portfolio, plan, portfolio_from_dict
from planner.results import Plan
from planner.results.capex import capex_by_period
from planner.testing.synthetic import portfolio_dict, site_dict, tenant_dict
from planner.results.validator import validate

ROOT = Path(__file__).resolve().parents[1]
WHITEFIBER = ROOT / "sites" / "whitefiber.yaml"
SITE = "whitefiber-nc1"


@pytest.fixture(scope="module")
def whitefiber():
    p = plan(load_portfolio(WHITEFIBER))
    assert p.status == "optimal"
    return p


def test_whitefiber_plan_is_valid(whitefiber):
    assert whitefiber.violations == []
    assert validate(whitefiber.inputs, whitefiber.decisions) == []


def _checks(p, mutate) -> tuple[set[str], list]:
    d = copy.deepcopy(p.decisions)
    mutate(p.inputs, d)
    found = validate(p.inputs, d)
    return {v.check for v in found}, found


def _rack(ins, rid):
    return ins.rack.ids.index(rid)


def _cdu(ins, cid):
    return ins.cdu.ids.index(cid)


def _upgrade(ins, uid):
    return ins.upgrade.ids.index(f"{SITE}/{uid}")


def _start(ins, d):
    return d.tenant_start[0]


# Whitefiber's plan: the 40 MW nscale lease plus ~39 MW of self-operated GB300s from its start
# (2027Q1, period 4) in 4 conversion halls with 33 CDU-2500s, gross ~98.99 MW against 99 MW of
# contract and 99 MW of interconnect (24 MW + the nc1-to-99 upgrade, lead 3 quarters).
def exceed_power(ins, d):  # one more 142 kW rack at PUE 1.25 tops both 99 MW limits
    d.gpu_racks[0, _rack(ins, "gb300-nvl72"), _start(ins, d)] += 1
    d.cloud_in_use = None  # every rack owned in use


def drop_upgrade(ins, d):
    d.upgrades[_upgrade(ins, "nc1-to-99")] = 0


def remove_cdu(ins, d):
    c = _cdu(ins, "cdu-2500")
    d.cdus[0, c, d.cdus[0, c] > 0] -= 1


def upgrade_before_lead(ins, d):
    u = _upgrade(ins, "nc1-to-99")
    d.upgrades[u, int(np.argmax(ins.upgrade.ready[u])) - 1:] = 1  # one period before its lead time


def hall_before_lead(ins, d):
    h = int(np.nonzero(d.halls[0, :, -1])[0][0])
    d.halls[0, h, int(np.argmax(ins.hall.ready[h])) - 1:] = d.halls[0, h, -1]  # one period early


def halls_decrease(ins, d):  # one more hall for a quarter, then back: room for it, but irreversible
    h = int(np.nonzero(d.halls[0, :, -1])[0][0])
    d.halls[0, h, 10] += 1


def halls_below_load(ins, d):
    h = int(np.nonzero(d.halls[0, :, -1])[0][0])
    d.halls[0, h, 20:] -= 1


def under_serve(ins, d):
    d.lease_mw[0][0, d.lease_mw[0][0] > 0] -= 1.0


def fractional_rack(ins, d):
    d.gpu_racks = d.gpu_racks.astype(float)
    d.gpu_racks[0, _rack(ins, "gb300-nvl72"), _start(ins, d)] -= 0.5
    d.cloud_in_use = None  # every rack owned in use


def too_many_buildings(ins, d):  # 6 conversion halls of 6,000 m2 in a 31,000 m2 building
    h = int(np.nonzero(d.halls[0, :, -1])[0][0])
    d.halls[0, h, 10:] = 6


def drop_committed(ins, d):
    d.tenant_start[0] = None
    d.lease_mw[0][:] = 0.0


@pytest.mark.parametrize(("mutate", "expected", "period"), [
    (exceed_power, {"power_contract", "interconnect"}, "2027Q1"),
    (drop_upgrade, {"interconnect"}, "2027Q1"),
    (remove_cdu, {"liquid_cooling"}, "2027Q1"),
    (upgrade_before_lead, {"lead_time"}, "2026Q3"),
    (hall_before_lead, {"lead_time"}, "2026Q4"),
    (halls_decrease, {"irreversibility"}, None),
    (halls_below_load, {"irreversibility", "hall_it"}, None),
    (under_serve, {"tenant_delivery"}, "2027Q1"),
    (fractional_rack, {"gpu_racks"}, "2027Q1"),
    (too_many_buildings, {"land_buildings"}, "2028Q3"),
    (drop_committed, {"tenant_committed"}, None),
], ids=lambda x: getattr(x, "__name__", None))
def test_whitefiber_mutation(whitefiber, mutate, expected, period):
    checks, found = _checks(whitefiber, mutate)
    assert checks == expected, [str(v) for v in found]
    if period is not None:
        first = [v for v in found if v.check in expected and v.period is not None][0]
        assert first.period == period
        assert first.site in (SITE, None)
        assert first.site == SITE or first.tenant == "nscale-nc1"


def test_violation_amounts(whitefiber):
    """The reported excess is what the fault adds: one GB300 rack at PUE 1.25 over the slack."""
    ins, d = whitefiber.inputs, whitefiber.decisions
    _, found = _checks(whitefiber, exceed_power)
    occ = d.occupied_mw(ins)[0, :, 4]
    gross = float((ins.site.pue_hpc[0] * occ).sum()) + 0.142 * 1.25
    power = [v for v in found if v.check == "power_contract" and v.period == "2027Q1"][0]
    assert power.excess == pytest.approx(gross - 99.0, abs=1e-6)
    _, found = _checks(whitefiber, under_serve)
    assert [v.excess for v in found] == pytest.approx([1.0] * len(found))


# --------------------------------------------------------------------------- tenant and budget faults
# A small plan: three 20 MW sites with air cooling; t1 (25 MW of air racks, at most 2 sites,
# blocks >= 8 MW, best paid at A then B) gets 17 MW at A and 8 at B; t2 pays nothing and is
# left unsigned; the 45 M$ budget is not binding (30 M$ of halls in year 0).


def _cat():
    rack = {"id": "air", "it_kw": 50, "gpus": 1, "cooling": "air", "footprint_m2": 1.0, "capex_usd": 0,
            "gpu_hour_usd": 0, "gpu_hour_change_per_year": 0, "life_years": 10, "source": "test"}
    return {
        "racks": [rack],
        "cooling_units": [{"id": "cdu", "capacity_kw": 1000, "footprint_m2": 1, "capex_usd": 10_000,
                           "life_years": 10, "source": "test"}],
        "asics": [{"id": "a", "th_per_s": 100, "watts": 1000, "price_usd": 0, "source": "test"}],
        "hall_modules": [{"id": "hall", "kind": "new_build", "it_mw": 10, "footprint_m2": 1000,
                          "capex_usd_per_mw_it": 1e6, "lead_time_months": 0, "pue_liquid": 1.0, "pue_air": 1.0,
                          "life_years": 20, "source": "test"}],
        "operating": {"mining_opex_usd_per_mw_year": 0, "hpc_opex_usd_per_mw_year": 0,
                      "cloud_opex_usd_per_mw_year": 1000, "hpc_load_factor": 1.0, "cloud_utilisation": 1.0,
                      "mining_uptime": 1.0, "pue_mining_air": 1.0, "pue_mining_immersion": 1.0,
                      "pue_per_degc_above_15": 0.0, "grid_asset_life_years": 30, "source": "test"},
    }


@pytest.fixture(scope="module")
def small():
    sites = [site_dict(s, contract_mw=20, air_capacity_mw=20, mining_mw=0, price_usd_per_mwh=50) for s in "ABC"]
    common = {"start_earliest": "2026-01-01", "start_latest": "2026-01-01", "term_months": 48, "power": "included",
              "rack_type": "air"}
    tenants = [
        tenant_dict("t1", list("ABC"), it_mw=25, max_sites=2, min_block_mw=8,
                    site_rates_usd_per_kw_month={"A": 200, "B": 150, "C": 100}, **common),
        tenant_dict("t2", ["A"], it_mw=5, rate_usd_per_kw_month=0, **common),
    ]
    data = portfolio_dict("mutations", sites, tenants, periods=4, period="year", catalog=_cat(),
                          finance={"discount_rate_per_year": 0.0, "capex_budget_usd_per_period": 45e6},
                          scenario={"hashprice": {"halvings": []}})
    p = plan(portfolio_from_dict(data, Path(".")), gap=1e-7, bau=False)
    assert p.status == "optimal" and p.violations == []
    np.testing.assert_allclose(p.decisions.lease_mw[0][:, 0], [17, 8, 0])
    assert p.decisions.tenant_start == [0, None]
    return p


def serve_unsigned(ins, d):
    d.lease_mw[1][0] = 1.0


def break_min_block(ins, d):
    d.lease_mw[0][:2] = np.array([[20.0], [5.0]])


def three_sites(ins, d):
    d.lease_mw[0][:] = np.array([[9.0], [8.0], [8.0]])
    d.halls[2, 0, :] = 1


def block_changes(ins, d):
    d.lease_mw[0][:2, 1] = [16.0, 9.0]


def start_outside_window(ins, d):
    d.tenant_start[0] = 1
    d.lease_mw[0][:, 0] = 0.0


def exceed_budget(ins, d):  # two more halls at C in year 0: 30 + 20 M$ > 45 M$
    d.halls[2, 0, :] = 2


def skip_halls(ins, d):  # lease B's block without its hall
    d.halls[1, 0, :] = 0


@pytest.mark.parametrize(("mutate", "expected", "where"), [
    (serve_unsigned, {"tenant_unsigned"}, {"tenant": "t2"}),
    (break_min_block, {"tenant_min_block"}, {"tenant": "t1", "site": "B"}),
    (three_sites, {"tenant_sites"}, {"tenant": "t1"}),
    (block_changes, {"tenant_block"}, {"tenant": "t1"}),
    (start_outside_window, {"tenant_window"}, {"tenant": "t1"}),
    (exceed_budget, {"budget"}, {"period": "2026"}),
    (skip_halls, {"hall_it", "hall_floor"}, {"site": "B", "period": "2026"}),
], ids=lambda x: getattr(x, "__name__", None))
def test_small_plan_mutation(small, mutate, expected, where):
    checks, found = _checks(small, mutate)
    assert checks == expected, [str(v) for v in found]
    first = found[0]
    for key, value in where.items():
        assert getattr(first, key) == value


def test_budget_excess_is_reported(small):
    d = copy.deepcopy(small.decisions)
    exceed_budget(small.inputs, d)
    assert capex_by_period(small.inputs, d)[0] == pytest.approx(50e6)
    [v] = validate(small.inputs, d)
    assert "50,000,000" in v.message and "45,000,000" in v.message




def test_negative_lease_is_a_violation(small):
    """A negative lease at one site cannot pay for an over-lease at another."""
    d = copy.deepcopy(small.decisions)
    d.lease_mw[0][:] = np.array([[20.0], [-4.0], [9.0]])  # 25 MW in all, blocks of 20 and 9 at A and C
    d.halls[2, 0, :] = 1
    assert validate(small.inputs, d) != []


def test_negative_mining_is_a_violation(whitefiber):
    """-1 MW of mining (at a site with no fleet) must not make room for an extra rack."""
    d = copy.deepcopy(whitefiber.decisions)
    exceed_power(whitefiber.inputs, d)
    d.mining_mw = d.mining_mw.astype(float)
    d.mining_mw[0, 4:] = -1.0
    assert validate(whitefiber.inputs, d) != []


def test_non_binary_upgrade_is_a_violation(whitefiber):
    """An upgrade is in service or not: 2 x nc1-to-99 would count 150 MW of interconnect."""
    d = copy.deepcopy(whitefiber.decisions)
    d.upgrades[_upgrade(whitefiber.inputs, "nc1-to-99"), 3:] = 2
    assert validate(whitefiber.inputs, d) != []


# --------------------------------------------------------------------------- JSON round trip


def test_json_round_trip(whitefiber):
    text = whitefiber.to_json()
    back = Plan.from_json(text, whitefiber.inputs)
    a, b = whitefiber.decisions, back.decisions
    for name in ("mining_mw", "halls", "gpu_racks", "cdus", "upgrades"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert b.tenant_start == a.tenant_start
    assert len(b.lease_mw) == len(a.lease_mw)
    for x, y in zip(a.lease_mw, b.lease_mw):
        np.testing.assert_array_equal(x, y)
    assert back.npv_usd == whitefiber.npv_usd
    assert back.status == whitefiber.status
    assert back.bau_npv_usd == pytest.approx(whitefiber.bau_npv_usd)
    assert back.solve["bound"] == whitefiber.solve["bound"]
    assert back.gap == pytest.approx(whitefiber.gap)
    assert back.kpis() == whitefiber.kpis()
    assert validate(back.inputs, back.decisions) == []
    assert json.loads(back.to_json()) == json.loads(text)
