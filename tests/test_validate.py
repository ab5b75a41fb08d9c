"""The independent validator: each planted fault in a solved plan's decisions is reported under
exactly the check that names it (site, tenant and period included), with the excess the fault
adds. Also: a plan survives its JSON round trip (same decisions, same NPV), and the bundled
WhiteFiber plan validates clean.

The faults are planted in purpose-built synthetic portfolios solved by hand (round numbers, no
discounting, no terminal value), never in bundled data, so that every limit a fault breaks is
known to be tight, or known to have room, in the plan it is planted in:

- ``tight``: one site whose power, cooling and lead times all bind on one committed tenant;
- ``small``: three sites and two offers, for the tenant structure and budget checks;
- ``mixed``: one site mining next to a tenant and a market lease, for the mining, land,
  GPU-cloud, market, renewal and concentration checks.

The last group are faults an earlier validator missed (negative MW in use or leased to a market,
negative renewals, fractional halls, a market lease before its market opens).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
from test_financing import FUNDING_PLANTED

from planner import load_portfolio, plan, portfolio_from_dict
from planner.results import Plan
from planner.results.capex import capex_by_period
from planner.results.validator import Violation, check_names, validate
from planner.testing.catalogs import neutral_operating
from planner.testing.synthetic import land_dict, portfolio_dict, site_dict, tenant_dict

ROOT = Path(__file__).resolve().parents[1]
WHITEFIBER = ROOT / "sites" / "whitefiber.yaml"
GAP = 1e-7

# --------------------------------------------------------------------------- builders


def rack(rid: str, it_kw: float, cooling: str) -> dict:
    """A rack of `it_kw` on 1 m2 that earns nothing self-operated (cloud opex exceeds its revenue)."""
    return {
        "id": rid,
        "it_kw": it_kw,
        "gpus": 1,
        "cooling": cooling,
        "footprint_m2": 1.0,
        "capex_usd": 0,
        "gpu_hour_usd": 0,
        "gpu_hour_change_per_year": 0,
        "life_years": 10,
        "source": "test",
    }


def hall(hid: str, kind: str, *, capex_usd_per_mw_it: float = 1e6, lead_time_months: int = 0, **pue) -> dict:
    """A 10 MW IT hall module on 1,000 m2 (PUE 1 unless `pue` says otherwise)."""
    return {
        "id": hid,
        "kind": kind,
        "it_mw": 10,
        "footprint_m2": 1000,
        "capex_usd_per_mw_it": capex_usd_per_mw_it,
        "lead_time_months": lead_time_months,
        "pue_liquid": 1.0,
        "pue_air": 1.0,
        "life_years": 20,
        "source": "test",
        **pue,
    }


def catalog(halls: list[dict]) -> dict:
    """A 100 kW liquid rack, a 50 kW air rack, 1 MW N+1 CDUs (10 k$, 1 m2), a 1 kW ASIC of
    100 TH/s, `halls`; PUE 1 for mining, load factor, uptime and utilisation 1, no opex."""
    cdu = {
        "id": "cdu",
        "capacity_kw": 1000,
        "footprint_m2": 1,
        "capex_usd": 10_000,
        "redundancy": "N+1",
        "life_years": 10,
        "source": "test",
    }
    operating = neutral_operating()
    return {
        "racks": [rack("liq", 100, "liquid"), rack("air", 50, "air")],
        "cooling_units": [cdu],
        "asics": [{"id": "a", "th_per_s": 100, "watts": 1000, "price_usd": 0, "source": "test"}],
        "hall_modules": halls,
        "operating": operating,
    }


def site(sid: str, *, parcel_m2: float = 40_000, building_m2: float = 0, housed_mw: float = 0, **kw) -> dict:
    """A site at 50 $/MWh mining `mining_mw` (default none) of 1 kW ASICs, on a square parcel
    with one square mining building of `building_m2` housing `housed_mw` of mining."""
    kw.setdefault("mining_mw", 0.0)
    s = site_dict(sid, asic="a", asic_watts=1000.0, price_usd_per_mwh=50.0, **kw)
    s["land"] = land_dict(-100.0, 32.0, parcel_m2, building_m2, housed_mw)
    return s


def tenant(tid: str, sites: list[str], **kw) -> dict:
    """An offer of liquid racks at 100 $/kW-month, power included, starting in 2026."""
    kw = {
        "start_earliest": "2026-01-01",
        "start_latest": "2026-01-01",
        "rack_type": "liq",
        "power": "included",
        "rate_usd_per_kw_month": 100.0,
        **kw,
    }
    return tenant_dict(tid, sites, **kw)


def solve(
    name: str,
    sites: list[dict],
    tenants: list[dict],
    cat: dict,
    *,
    periods: int,
    period: str,
    finance: dict | None = None,
    **sections,
) -> Plan:
    """The optimal plan of the portfolio, flat prices and hashprice (50 $/PH/day, no halving),
    no discounting, no terminal value; it must pass the validator."""
    scenario = {
        "hashprice": {"usd_per_ph_day": 50.0, "change_per_year": 0.0, "halvings": [], "fee_share": 0.0},
        "power_price_escalation_per_year": 0.0,
        **sections.pop("scenario", {}),
    }
    fin = {"discount_rate_per_year": 0.0, "terminal_value": "none", **(finance or {})}
    data = portfolio_dict(
        name, sites, tenants, periods=periods, period=period, catalog=cat, finance=fin, scenario=scenario, **sections
    )
    p = plan(portfolio_from_dict(data, Path(".")), gap=GAP)
    assert p.status == "optimal"
    assert p.violations == [] and validate(p.inputs, p.decisions) == []
    return p


def mutated(p: Plan, mutate) -> list[Violation]:
    """What the validator reports on a copy of p's decisions with `mutate(inputs, decisions)` applied."""
    d = copy.deepcopy(p.decisions)
    mutate(p.inputs, d)
    return validate(p.inputs, d)


def assert_reported(found: list[Violation], expected: dict[str, dict]) -> None:
    """The checks reported are exactly those of `expected`, and the first violation of each
    check has the attributes (site, period, tenant) its entry names."""
    assert {v.check for v in found} == set(expected), [str(v) for v in found]
    for name, where in expected.items():
        first = next(v for v in found if v.check == name)
        for key, value in where.items():
            assert getattr(first, key) == value, str(first)


def cases(*rows: tuple) -> list:
    """pytest params (mutation, expected) named after the mutation."""
    return [pytest.param(fn, expected, id=fn.__name__) for fn, expected in rows]


# --------------------------------------------------------------------------- tight: power, cooling, lead times


@pytest.fixture(scope="module")
def tight() -> Plan:
    """Quarters 2026Q1-2027Q4. Site s1: a 30 MW contract; a 24 MW interconnect and u1, +6 MW
    (1 M$), 9-month lead: in service from period 3 (2026Q4) at the earliest; conversion halls of
    10 MW IT on 1,000 m2 (10 M$), 9-month lead, PUE 1.25 liquid and 1.5 air, in a 4,500 m2
    building that houses no mining (4 halls fit, 5 do not); 1 MW of air cooling. Tenant t1:
    committed, 24 MW of 100 kW liquid racks, 48 months from 2026Q1-2027Q1, 100 $/kW-month,
    power included.

    By hand: t1 needs 24 x 1.25 = 30 MW gross, more than the 24 MW interconnect, and halls, so
    it cannot start before 2026Q4; it starts then, since a quarter of it earns 7.2 M$ of rent
    against 30 MW x 50 $/MWh x 2,190 h = 3.285 M$ of energy. From 2026Q4 on: 240 racks in
    3 halls (30 MW of hall IT for 24 MW: 6 MW spare), 25 CDUs (24 + the N+1 spare: exactly
    24 MW of capacity), u1 in service, gross 30 MW = contract = interconnect; nothing before.
    So power and liquid cooling have no room, while hall IT (6 MW), air cooling (1 MW) and the
    building (one more hall) do: an extra air rack breaks power alone.
    NPV = 5 x (7.2 M - 3.285 M) - 3 x 10 M - 25 x 10 k - 1 M = -11.675 M$."""
    cat = catalog([hall("hall", "conversion", lead_time_months=9, pue_liquid=1.25, pue_air=1.5)])
    up = {"id": "u1", "mw": 6, "capex_usd": 1e6, "lead_time_months": 9}
    s1 = site("s1", contract_mw=30, interconnect_mw=24, upgrades=[up], air_capacity_mw=1.0, building_m2=4500)
    t1 = tenant("t1", ["s1"], it_mw=24, term_months=48, start_latest="2027-01-01", committed=True)
    p = solve("tight", [s1], [t1], cat, periods=8, period="quarter")
    _check_tight(p)
    return p


def _check_tight(p: Plan) -> None:
    """The tight plan is the one its fixture solves by hand."""
    d, ins, before, after = p.decisions, p.inputs, [0] * 3, [1] * 5
    assert d.tenant_start == [3]
    np.testing.assert_array_equal(d.racks_in_use(ins)[0], [[0, 0, 0, *[240] * 5], [0] * 8])
    np.testing.assert_array_equal(d.halls[0, 0], np.multiply(3, before + after))
    np.testing.assert_array_equal(d.cdus[0, 0], np.multiply(25, before + after))
    np.testing.assert_array_equal(d.upgrades[0], before + after)
    np.testing.assert_allclose(p.frames()["site_period"]["gross_mw"], np.multiply(30.0, before + after))
    assert 4000 < ins.site.building_area_m2[0] < 5000
    assert p.npv_usd == pytest.approx(5 * (7.2e6 - 3.285e6) - 3 * 10e6 - 25 * 10e3 - 1e6, rel=1e-9)


def _u1(ins) -> int:
    return ins.upgrade.ids.index("s1/u1")


def exceed_power(ins, d):  # one 50 kW air rack in use at PUE 1.5 on top of both 30 MW limits
    d.gpu_racks[0, ins.rack.ids.index("air"), 3] += 1
    d.cloud_in_use = None  # every rack owned in use


def drop_upgrade(ins, d):
    d.upgrades[_u1(ins)] = 0


def remove_cdu(ins, d):
    d.cdus[0, 0, d.cdus[0, 0] > 0] -= 1


def upgrade_before_lead(ins, d):
    d.upgrades[_u1(ins), 2:] = 1  # one period before its lead time


def hall_before_lead(ins, d):
    d.halls[0, 0, 2:] = 3  # one period early


def halls_decrease(ins, d):  # one more hall for a quarter, then back: room for it, but irreversible
    d.halls[0, 0, 5] += 1


def cdus_decrease(ins, d):  # one more CDU for a quarter, then back
    d.cdus[0, 0, 5] += 1


def halls_below_load(ins, d):  # 2 halls from 2027Q3: 20 MW of hall IT for 24 MW of racks
    d.halls[0, 0, 6:] -= 1


def under_serve(ins, d):
    d.lease_mw[0][0, d.lease_mw[0][0] > 0] -= 1.0


def fractional_rack(ins, d):  # half an air rack bought, idle: no power, cooling or hall IT at stake
    d.gpu_racks = d.gpu_racks.astype(float)
    d.gpu_racks[0, ins.rack.ids.index("air"), 3] = 0.5


def too_many_buildings(ins, d):  # 5 conversion halls of 1,000 m2 in a 4,500 m2 building
    d.halls[0, 0, 6:] = 5


def drop_committed(ins, d):
    d.tenant_start[0] = None
    d.lease_mw[0][:] = 0.0


def negative_mining(ins, d):  # -1 MW of mining (no fleet) must not make room for the extra rack
    exceed_power(ins, d)
    d.mining_mw[0, 3:] = -1.0


def non_binary_upgrade(ins, d):  # 2 x u1 would count 36 MW of interconnect
    d.upgrades[_u1(ins), 3:] = 2


S1_Q4 = {"site": "s1", "period": "2026Q4"}
TIGHT = cases(
    (exceed_power, {"power_contract": S1_Q4, "interconnect": S1_Q4}),
    (drop_upgrade, {"interconnect": S1_Q4}),
    (remove_cdu, {"liquid_cooling": S1_Q4}),
    (upgrade_before_lead, {"lead_time": {"site": "s1", "period": "2026Q3"}}),
    (hall_before_lead, {"lead_time": {"site": "s1", "period": "2026Q3"}}),
    (halls_decrease, {"irreversibility": {}}),
    (cdus_decrease, {"irreversibility": {}}),
    (halls_below_load, {"irreversibility": {}, "hall_it": {"site": "s1", "period": "2027Q3"}}),
    (under_serve, {"tenant_delivery": {"tenant": "t1", "period": "2026Q4"}}),
    (fractional_rack, {"gpu_racks": S1_Q4}),
    (too_many_buildings, {"land_buildings": {"site": "s1", "period": "2027Q3"}}),
    (drop_committed, {"tenant_committed": {"tenant": "t1"}}),
    (negative_mining, {"domain": {}}),
    (non_binary_upgrade, {"domain": {}}),
)


@pytest.mark.parametrize(("mutate", "expected"), TIGHT)
def test_tight_mutation(tight, mutate, expected):
    assert_reported(mutated(tight, mutate), expected)


def test_tight_violation_amounts(tight):
    """The reported excess is what the fault adds: 0.05 MW x PUE 1.5 over each 30 MW limit from
    2026Q4, and 1 MW short of t1's 24 MW in each of its 5 quarters."""
    labels = ["2026Q4", "2027Q1", "2027Q2", "2027Q3", "2027Q4"]
    found = mutated(tight, exceed_power)
    for name in ("power_contract", "interconnect"):
        assert [v.period for v in found if v.check == name] == labels
        assert [v.excess for v in found if v.check == name] == pytest.approx([0.05 * 1.5] * 5, abs=1e-9)
    found = mutated(tight, under_serve)
    assert [v.period for v in found] == labels
    assert [v.excess for v in found] == pytest.approx([1.0] * 5)


# --------------------------------------------------------------------------- small: tenant structure and budget


@pytest.fixture(scope="module")
def small() -> Plan:
    """Years 2026-2029. Three sites A, B, C of 20 MW (contract and air cooling), new-build halls
    of 10 MW (10 M$, no lead). t1: 25 MW of 50 kW air racks from 2026 for 48 months, at most 2
    sites, blocks >= 8 MW, paying 200, 150 and 100 $/kW-month at A, B and C; t2 pays nothing
    and is left unsigned; a 45 M$ budget a year.

    By hand: 20 MW at A (the best rate) would leave 5 MW < 8 for B, so t1 takes 17 MW at A and
    8 at B, in 2 + 1 halls: 30 M$ in 2026, within the budget."""
    sites = [site(s, contract_mw=20, air_capacity_mw=20) for s in "ABC"]
    common = {"term_months": 48, "rack_type": "air"}
    rates = {"A": 200, "B": 150, "C": 100}
    tenants = [
        tenant("t1", list("ABC"), it_mw=25, max_sites=2, min_block_mw=8, site_rates_usd_per_kw_month=rates, **common),
        tenant("t2", ["A"], it_mw=5, rate_usd_per_kw_month=0, **common),
    ]
    p = solve(
        "small",
        sites,
        tenants,
        catalog([hall("hall", "new_build")]),
        periods=4,
        period="year",
        finance={"capex_budget_usd_per_period": 45e6},
    )
    np.testing.assert_allclose(p.decisions.lease_mw[0][:, 0], [17, 8, 0])
    assert p.decisions.tenant_start == [0, None]
    np.testing.assert_array_equal(p.decisions.halls[:, 0, 0], [2, 1, 0])
    assert capex_by_period(p.inputs, p.decisions)[0] == pytest.approx(30e6, rel=1e-3)
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


def negative_lease(ins, d):  # -4 MW at B cannot pay for 9 MW at C: 25 MW in all, blocks of 20 and 9
    d.lease_mw[0][:] = np.array([[20.0], [-4.0], [9.0]])
    d.halls[2, 0, :] = 1


SMALL = cases(
    (serve_unsigned, {"tenant_unsigned": {"tenant": "t2"}}),
    (break_min_block, {"tenant_min_block": {"tenant": "t1", "site": "B"}}),
    (three_sites, {"tenant_sites": {"tenant": "t1"}}),
    (block_changes, {"tenant_block": {"tenant": "t1"}}),
    (start_outside_window, {"tenant_window": {"tenant": "t1"}}),
    (exceed_budget, {"budget": {"period": "2026"}}),
    (skip_halls, {"hall_it": {"site": "B", "period": "2026"}, "hall_floor": {"site": "B", "period": "2026"}}),
    (negative_lease, {"domain": {}}),
)


@pytest.mark.parametrize(("mutate", "expected"), SMALL)
def test_small_mutation(small, mutate, expected):
    assert_reported(mutated(small, mutate), expected)


def test_budget_excess_is_reported(small):
    d = copy.deepcopy(small.decisions)
    exceed_budget(small.inputs, d)
    assert capex_by_period(small.inputs, d)[0] == pytest.approx(50e6)
    [v] = validate(small.inputs, d)
    assert "50,000,000" in v.message and "45,000,000" in v.message


# --------------------------------------------------------------------------- mixed: mining, land, cloud, markets


@pytest.fixture(scope="module")
def mixed() -> Plan:
    """Years 2026-2029. Site X: 40 MW of contract and interconnect; a fleet of 8,000 1-kW ASICs
    (8 MW) in a 4,000 m2 building that houses 13 MW (3.25 kW/m2); a 10,000 m2 parcel with a
    10 m setback: (100 - 20)^2 - 4,000 = 2,400 m2 for new-build halls (2 fit, 3 do not); 1 MW of
    air cooling. Halls of 10 MW on 1,000 m2, no lead: conversion at 0.5 M$/MW, new-build at
    1 M$/MW. t1: committed, 7.5 MW of liquid racks from 2026 for 36 months plus one 12-month
    renewal at the same rate. m1: market re-lease of up to 1 MW of liquid racks at 100 $/kW-month
    from 2027, no downtime, the tenants paying their energy. GPU-cloud markets of 1.2 MW (all
    operators) and 1.4 MW (the site's operator); concentration cap 95 %.

    By hand: mining earns 1.825 M$ against 0.438 M$ of energy per MW-year: the whole 8 MW fleet
    runs. t1 is signed in 2026 with its renewal (7.5 MW for all 4 years, 0.9 M$ of rent a year
    per MW against 0.438 M$ of energy), m1 leases its 1 MW from 2027, both in one conversion hall
    (cheaper; 1,000 m2 converted leave 13 - 3.25 = 9.75 MW housed for 8 of mining). CDUs:
    8 + 1 for 7.5 MW in 2026, 9 + 1 for 8.5 MW from 2027 (0.5 MW spare). Gross 15.5 MW, then
    16.5. t1 has 36 M$ of the 39.6 M$ of HPC rent, 90.9 % < 95 %. NPV = 4 x 8 x (1.825 M -
    0.438 M) + 36 M - 4 x 7.5 x 0.438 M + 3 x 1.2 M - 5 M - 10 x 10 k = 65.744 M$."""
    cat = catalog([hall("conv", "conversion", capex_usd_per_mw_it=0.5e6), hall("new", "new_build")])
    x = site("X", contract_mw=40, mining_mw=8, air_capacity_mw=1.0, parcel_m2=10_000, building_m2=4000, housed_mw=13)
    t1 = tenant("t1", ["X"], it_mw=7.5, term_months=36, committed=True, renewals={"options": 1, "term_months": 12})
    m1 = {
        "id": "m1",
        "grids": ["synthetic"],
        "rate_usd_per_kw_month": 100,
        "max_it_mw": 1,
        "rack_type": "liq",
        "downtime_months": 0,
        "first_available": "2027-01-01",
    }
    p = solve(
        "mixed",
        [x],
        [t1],
        cat,
        periods=4,
        period="year",
        finance={"concentration_cap": 0.95},
        scenario={"cloud_max_it_mw": 1.2},
        operators=[{"id": "synthetic", "cloud_max_it_mw": 1.4}],
        markets=[m1],
    )
    _check_mixed(p)
    return p


def _check_mixed(p: Plan) -> None:
    """The mixed plan is the one its fixture solves by hand."""
    d, ins = p.decisions, p.inputs
    assert d.tenant_start == [0] and d.tenant_renewals == [1]
    np.testing.assert_allclose(d.lease_mw[0], [[7.5] * 4])
    np.testing.assert_allclose(d.market_mw(ins)[0, 0], [0, 1, 1, 1])
    np.testing.assert_allclose(d.mining_mw[0], 8.0)
    np.testing.assert_array_equal(d.halls[0], [[1] * 4, [0] * 4])
    np.testing.assert_array_equal(d.cdus[0, 0], [9, 10, 10, 10])
    assert d.gpu_racks.sum() == 0 and d.cloud_used_mw(ins).sum() == 0
    np.testing.assert_allclose(p.frames()["site_period"]["gross_mw"], [15.5, 16.5, 16.5, 16.5])
    assert ins.site.building_area_m2[0] == pytest.approx(4000, rel=0.01)
    assert ins.site.free_area_m2[0] == pytest.approx(2400, rel=0.01)
    expected = 4 * 8 * (1.825e6 - 0.438e6) + 36e6 - 4 * 7.5 * 0.438e6 + 3 * 1.2e6 - 5e6 - 10 * 10e3
    assert p.npv_usd == pytest.approx(expected, rel=1e-9)


def _buy(ins, d, rid: str, n: int, t: int = 1) -> None:
    """n self-operated racks of `rid` bought in period t, all in use."""
    d.gpu_racks[0, ins.rack.ids.index(rid), t] += n
    d.cloud_in_use = None


def mine_beyond_fleet(ins, d):  # 9 MW of an 8 MW fleet: housed (9.75) and power have room
    d.mining_mw[0] += 1.0


def convert_housing(ins, d):  # a second conversion hall leaves 13 - 6.5 = 6.5 MW housed for 8 of mining
    d.halls[0, ins.hall.ids.index("conv")] = 2


def build_beyond_land(ins, d):  # 3 new-build halls of 1,000 m2 on 2,400 m2
    d.halls[0, ins.hall.ids.index("new")] = 3


def air_beyond_cooling(ins, d):  # 21 air racks: 1.05 MW of 1 MW air cooling, within the GPU-cloud markets
    _buy(ins, d, "air", 21)


def cloud_beyond_market(ins, d):  # 1 + 0.3 MW self-operated: over the 1.2 MW market, within the operator's 1.4
    _buy(ins, d, "air", 20)
    _buy(ins, d, "liq", 3)


def cloud_beyond_operator(ins, d):  # 1 + 0.5 MW: over both, filling the CDUs' spare 0.5 MW and the hall
    _buy(ins, d, "air", 20)
    _buy(ins, d, "liq", 5)


def use_racks_not_owned(ins, d):  # 0.1 MW of liquid racks in use from 2027, none bought
    d.cloud_in_use[0, ins.rack.ids.index("liq"), 1:] = 0.1


def market_beyond_demand(ins, d):  # 1.2 MW leased to a 1 MW market (the CDUs' spare holds it)
    d.market_new[0, 0, 1] += 0.2


def drop_market(ins, d):  # without m1, t1 has all of the HPC rent, over the 95 % cap
    d.market_new = None


def renewal_not_offered(ins, d):  # 2 renewals of the 1 offered (past the horizon: same deliveries)
    d.tenant_renewals[0] = 2


X_2026, X_2027 = {"site": "X", "period": "2026"}, {"site": "X", "period": "2027"}
MIXED = cases(
    (mine_beyond_fleet, {"mining_fleet": X_2026}),
    (convert_housing, {"mining_housing": X_2026}),
    (build_beyond_land, {"land_buildable": X_2026}),
    (air_beyond_cooling, {"air_cooling": X_2027}),
    (cloud_beyond_market, {"cloud_market": {"period": "2027", "site": None}}),
    (cloud_beyond_operator, {"cloud_market": {"period": "2027", "site": None}}),
    (use_racks_not_owned, {"cloud_in_use": X_2027}),
    (market_beyond_demand, {"market_cap": {"period": "2027"}}),
    (drop_market, {"concentration": {"tenant": "t1"}}),
    (renewal_not_offered, {"tenant_window": {"tenant": "t1"}}),
)


@pytest.mark.parametrize(("mutate", "expected"), MIXED)
def test_mixed_mutation(mixed, mutate, expected):
    assert_reported(mutated(mixed, mutate), expected)


def test_mixed_violation_amounts(mixed):
    """Excesses by hand: 1 MW over the fleet each year; 0.05 MW over the air cooling; 8 MW of
    mining against 13 x (1 - 2,000 / 4,000) = 6.5 MW housed; 3,000 m2 of halls on 2,400 m2."""
    site = mixed.inputs.site
    assert [v.excess for v in mutated(mixed, mine_beyond_fleet)] == pytest.approx([1.0] * 4)
    assert [v.excess for v in mutated(mixed, air_beyond_cooling)] == pytest.approx([0.05] * 3)
    housed = 13 * (1 - 2000 / site.building_area_m2[0])
    assert [v.excess for v in mutated(mixed, convert_housing)] == pytest.approx([8 - housed] * 4)
    assert 8 - housed == pytest.approx(1.5, rel=0.02)
    assert [v.excess for v in mutated(mixed, build_beyond_land)] == pytest.approx([3000 - site.free_area_m2[0]] * 4)


def test_mixed_messages_name_the_market(mixed):
    """The GPU-cloud and market checks say which market and by how much."""
    [v] = [v for v in mutated(mixed, cloud_beyond_market) if v.period == "2027"]
    assert "1.300 MW" in v.message and "1.2 MW" in v.message
    both = [v.message for v in mutated(mixed, cloud_beyond_operator) if v.period == "2027"]
    assert len(both) == 2 and any("synthetic sells 1.500 MW" in m and "1.4 MW" in m for m in both)
    [v] = [v for v in mutated(mixed, market_beyond_demand) if v.period == "2027"]
    assert "1.200 MW leased to market m1" in v.message


# --------------------------------------------------------------------------- coverage of the registry


def test_every_check_has_a_mutation():
    """Each name the validator can report is the expected report of some planted fault here."""
    planted = {name for group in (TIGHT, SMALL, MIXED) for case in group for name in case.values[1]}
    assert planted | FUNDING_PLANTED == check_names()  # funding faults: tests/test_financing.py


# --------------------------------------------------------------------------- faults an earlier validator missed


def test_negative_cloud_in_use_is_a_violation(tight):
    """-0.1 MW of liquid racks in use (none owned) must not make room for an extra air rack."""

    def mutate(ins, d):
        d.gpu_racks[0, ins.rack.ids.index("air"), 3] += 1
        d.cloud_in_use[0, ins.rack.ids.index("air"), 3:] = 0.05

    assert {v.check for v in mutated(tight, mutate)} == {"power_contract", "interconnect"}  # the rack alone

    def offset(ins, d):
        mutate(ins, d)
        d.cloud_in_use[0, ins.rack.ids.index("liq"), 3:] = -0.1

    assert "domain" in {v.check for v in mutated(tight, offset)}


def test_negative_market_lease_is_a_domain_violation(mixed):
    """A market lease of -1 MW is a negative quantity, as a negative tenant lease is."""

    def mutate(ins, d):
        d.market_new[0, 0, 1] = -1.0

    assert "domain" in {v.check for v in mutated(mixed, mutate)}


def test_market_lease_before_it_opens_is_a_violation(mixed):
    """m1 opens in 2027: its 1 MW signed in 2026 instead (with the 10th CDU a year earlier)."""

    def mutate(ins, d):
        d.market_new[0, 0] = [1.0, 0.0, 0.0, 0.0]
        d.cdus[0, 0, 0] = 10

    assert {v.check for v in mutated(mixed, mutate)} == {"market_cap"}


def test_negative_renewals_are_a_violation(mixed):
    """t1 served 24 of its 36 committed months, with -1 renewal to match."""

    def mutate(ins, d):
        d.tenant_renewals[0] = -1
        d.lease_mw[0][:, 2:] = 0.0

    assert "domain" in {v.check for v in mutated(mixed, mutate)}


def test_fractional_halls_are_a_violation(tight):
    """2.5 hall modules (25 MW of hall IT for 24 MW) are not a plan."""

    def mutate(ins, d):
        d.halls = d.halls.astype(float)
        d.halls[0, 0, 3:] = 2.5

    assert "domain" in {v.check for v in mutated(tight, mutate)}


# --------------------------------------------------------------------------- JSON round trip, bundled plan


@pytest.mark.parametrize("name", ["tight", "mixed"])
def test_json_round_trip(request, name):
    """Same decisions, NPV, solve record and KPIs after to_json / from_json; still valid."""
    p = request.getfixturevalue(name)
    text = p.to_json()
    back = Plan.from_json(text, p.inputs)
    a, b = p.decisions, back.decisions
    for field in ("mining_mw", "halls", "gpu_racks", "cdus", "upgrades", "cloud_in_use", "market_new"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    assert (b.tenant_start, b.tenant_renewals) == (a.tenant_start, a.tenant_renewals)
    assert len(b.lease_mw) == len(a.lease_mw)
    for x, y in zip(a.lease_mw, b.lease_mw):
        np.testing.assert_array_equal(x, y)
    assert (back.npv_usd, back.status, back.solve["bound"]) == (p.npv_usd, p.status, p.solve["bound"])
    assert back.bau_npv_usd == pytest.approx(p.bau_npv_usd)
    assert back.gap == pytest.approx(p.gap)
    assert back.kpis() == p.kpis()
    assert validate(back.inputs, back.decisions) == []
    assert json.loads(back.to_json()) == json.loads(text)


def test_whitefiber_plan_is_valid():
    """Smoke test on the bundled WhiteFiber portfolio, whatever its plan looks like."""
    p = plan(load_portfolio(WHITEFIBER))
    assert p.status in ("optimal", "feasible")
    assert p.violations == []
    assert validate(p.inputs, p.decisions) == []
