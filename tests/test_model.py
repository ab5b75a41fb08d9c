"""Golden tests of the planning MILP: small cases whose optimum is worked out by hand.

Every case uses a tiny inline catalog with round numbers (PUE 1, load factor 1, uptime 1,
no opex unless a test sets it, an ASIC of 100 TH/s per kW, halls of 10 MW IT on 1,000 m2,
CDUs of 1 MW), a flat hashprice, flat power prices, no discounting and no residual value,
so that each expected figure is plain arithmetic written in the test, never a call into the
model. The second half checks, one constraint family at a time (Calliope style), that the
family binds where it should.

Hand units: a year has 8,760 h; mining earns 100 PH/s per MW x hashprice x 365 days a year;
a lease earns rate x 1,000 kW x 12 months a year per MW; energy costs price x 8,760 per
MW-year.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest

from planner import plan, portfolio_from_dict
from planner.results.capex import capex_by_period
from planner.testing.catalogs import neutral_operating
from planner.testing.synthetic import portfolio_dict, site_dict, tenant_dict

HOURS = 8760.0
PRICE = 50.0  # $/MWh, every site unless a test says otherwise
HASHPRICE = 50.0  # $/PH/day
PH_PER_MW = 100.0  # 100 TH/s per 1,000 W
ENERGY_MW_YEAR = PRICE * HOURS  # 438,000 $ per MW-year
MINING_MW_YEAR = PH_PER_MW * HASHPRICE * 365  # 1,825,000 $ per MW-year
HALL_MW, HALL_M2, HALL_CAPEX = 10.0, 1000.0, 10e6  # capex 1 M$/MW IT
CDU_MW, CDU_CAPEX = 1.0, 10_000.0
GAP = 1e-7


# --------------------------------------------------------------------------- builders


def rack(
    rid: str,
    it_kw: float,
    cooling: str,
    *,
    gpus: int = 1,
    gpu_hour_usd: float = 0.0,
    capex_usd: float = 0.0,
    life_years: float = 10.0,
    footprint_m2: float = 1.0,
) -> dict:
    return {
        "id": rid,
        "it_kw": it_kw,
        "gpus": gpus,
        "cooling": cooling,
        "footprint_m2": footprint_m2,
        "capex_usd": capex_usd,
        "gpu_hour_usd": gpu_hour_usd,
        "gpu_hour_change_per_year": 0.0,
        "life_years": life_years,
        "source": "test",
    }


def hall(hid: str = "hall", kind: str = "new_build", **over) -> dict:
    h = {
        "id": hid,
        "kind": kind,
        "it_mw": HALL_MW,
        "footprint_m2": HALL_M2,
        "capex_usd_per_mw_it": HALL_CAPEX / HALL_MW,
        "lead_time_months": 0,
        "pue_liquid": 1.0,
        "pue_air": 1.0,
        "life_years": 20,
        "source": "test",
    }
    h.update(over)
    return h


def catalog(*, racks: list | None = None, cdus: list | None = None, halls: list | None = None, **operating) -> dict:
    """Round-number catalog: a 100 kW liquid rack and a 50 kW air rack that earn nothing
    self-operated (cloud costs 1,000 $/MW-year more than it earns), 1 MW N+1 CDUs, 10 MW halls."""
    op = neutral_operating()
    op.update(operating)
    return {
        "racks": racks or [rack("liq", 100, "liquid"), rack("air", 50, "air")],
        "cooling_units": cdus
        or [
            {
                "id": "cdu",
                "capacity_kw": CDU_MW * 1000,
                "footprint_m2": 1,
                "capex_usd": CDU_CAPEX,
                "redundancy": "N+1",
                "life_years": 10,
                "source": "test",
            }
        ],
        "asics": [{"id": "a", "th_per_s": 100, "watts": 1000, "price_usd": 0, "source": "test"}],
        "hall_modules": halls or [hall()],
        "operating": op,
    }


def site(sid: str, **kw) -> dict:
    """A synthetic site with no mining unless asked, mining on the test ASIC (1 kW each)."""
    kw.setdefault("mining_mw", 0.0)
    kw.setdefault("price_usd_per_mwh", PRICE)
    return site_dict(sid, asic="a", asic_watts=1000.0, **kw)


def tenant(tid: str, sites: list[str], **kw) -> dict:
    """A tenant that starts in the first period (unless asked), power included, liquid racks."""
    kw.setdefault("start_earliest", "2026-01-01")
    kw.setdefault("start_latest", kw["start_earliest"])
    kw.setdefault("rack_type", "liq")
    kw.setdefault("power", "included")
    kw.setdefault("rate_usd_per_kw_month", 100.0)
    kw.setdefault("term_months", 48)
    return tenant_dict(tid, sites, **kw)


def portfolio(
    sites: list[dict],
    tenants: list[dict] = (),
    *,
    periods: int = 4,
    period: str = "year",
    cat: dict | None = None,
    finance: dict | None = None,
    hashprice: dict | None = None,
    **scenario,
):
    sc = {
        "hashprice": {
            "usd_per_ph_day": HASHPRICE,
            "change_per_year": 0.0,
            "halvings": [],
            "fee_share": 0.0,
            **(hashprice or {}),
        },
        "power_price_escalation_per_year": 0.0,
        **scenario,
    }
    fin = {"discount_rate_per_year": 0.0, "terminal_value": "none", **(finance or {})}
    data = portfolio_dict(
        "golden",
        copy.deepcopy(sites),
        copy.deepcopy(list(tenants)),
        periods=periods,
        period=period,
        catalog=cat or catalog(),
        finance=fin,
        scenario=sc,
    )
    return portfolio_from_dict(data, Path("."))


def solve(pf, bau: bool = False, status: tuple[str, ...] = ("optimal",)):
    p = plan(pf, gap=GAP, bau=bau)
    assert p.status in status
    assert p.violations == []
    return p


def n_cdus(liquid_mw: float, cdu_mw: float = CDU_MW, spare: int = 1) -> int:
    return math.ceil(liquid_mw / cdu_mw - 1e-9) + spare


def lease_at(p, k: int = 0) -> np.ndarray:
    """[eligible site j, T] MW leased to tenant k."""
    return p.decisions.lease_mw[k]


# --------------------------------------------------------------------------- 1. hand-solved cases


@pytest.mark.parametrize("power", ["included", "pass_through"])
def test_single_site_single_tenant(power):
    """(a) 20 MW at 100 $/kW-month for 4 years at a 30 MW site: signed at once, 2 halls,
    21 CDUs; NPV = 4 x (24 M lease - 8.76 M energy [+ 8.76 M pass-through]) - 20 M halls - 0.21 M CDUs."""
    pf = portfolio([site("s1", contract_mw=30)], [tenant("t1", ["s1"], it_mw=20, power=power)])
    p = solve(pf)
    lease_year = 20 * 1000 * 100 * 12  # 24 M$
    energy_year = 20 * ENERGY_MW_YEAR  # 8.76 M$
    halls = math.ceil(20 / HALL_MW)
    cdus = n_cdus(20)
    assert (halls, cdus) == (2, 21)
    capex = halls * HALL_CAPEX + cdus * CDU_CAPEX
    pass_through = energy_year if power == "pass_through" else 0.0
    expected = 4 * (lease_year - energy_year + pass_through) - capex

    d = p.decisions
    assert d.tenant_start == [0]
    np.testing.assert_allclose(lease_at(p), [[20, 20, 20, 20]])
    assert d.halls[0, 0, 0] == halls and d.cdus[0, 0, 0] == cdus
    flows = p.cash_flows
    np.testing.assert_allclose(flows["lease_revenue"], lease_year)
    np.testing.assert_allclose(flows["energy_cost"], -energy_year)
    np.testing.assert_allclose(flows["power_pass_through"], pass_through)
    np.testing.assert_allclose(flows["capex"], [-capex, 0, 0, 0])
    assert p.npv_usd == pytest.approx(expected, rel=1e-9)
    tenants = p.frames()["tenants"]
    row = tenants[tenants["tenant_id"] == "t1"].iloc[0]
    assert row["signed"] and row["site_id"] == "s1" and row["it_mw"] == pytest.approx(20)
    assert row["revenue_usd"] == pytest.approx(4 * lease_year)
    kpis = p.kpis()  # 20 MW of 100 kW racks: 200 racks in use, 10 per MW
    assert kpis["racks_end"] == 200 and kpis["racks_per_mw_it_end"] == pytest.approx(10.0)


def test_racks_are_whole_and_kpis_count_those_in_use():
    """A 19.95 MW lease holds floor(199.5) = 199 racks of 100 kW; after it ends (term 2 of 4
    years) the 199 positions stay installed while none is in use."""
    pf = portfolio([site("s1", contract_mw=30)], [tenant("t1", ["s1"], it_mw=19.95, term_months=24)])
    p = solve(pf)
    np.testing.assert_array_equal(p.decisions.racks_in_use(p.inputs)[0, 0], [199, 199, 0, 0])
    np.testing.assert_array_equal(p.decisions.racks(p.inputs)[0, 0], [199, 199, 199, 199])
    assert p.kpis()["racks_per_mw_it_end"] is None  # no IT in use at the end


def test_single_tenant_residual_value():
    """Residual value at the horizon end: straight line over the life, from the period in
    service. Halls (20 years) and CDUs (10 years) enter in year 0 of 4: 80 % and 60 % left."""
    pf = portfolio([site("s1", contract_mw=30)], [tenant("t1", ["s1"], it_mw=20)], finance={"terminal_value": "book"})
    p = solve(pf)
    residual = 2 * HALL_CAPEX * (1 - 4 / 20) + 21 * CDU_CAPEX * (1 - 4 / 10)
    np.testing.assert_allclose(p.cash_flows["residual_value"], [0, 0, 0, residual])
    expected = 4 * (24e6 - 20 * ENERGY_MW_YEAR) - 2 * HALL_CAPEX - 21 * CDU_CAPEX + residual
    assert p.npv_usd == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    "offer",
    [
        pytest.param({"it_mw": 10.0, "rate_usd_per_kw_month": 500.0}, id="contract-too-small"),
        pytest.param({"it_mw": 5.0, "rate_usd_per_kw_month": 0.0}, id="tenant-does-not-pay"),
        pytest.param({"it_mw": 5.0, "rate_usd_per_kw_month": 100.0}, id="mining-pays-more"),
    ],
)
def test_mining_only_site_equals_business_as_usual(offer):
    """(b) A 9 MW site mining 9 MW: a 10 MW tenant does not fit at PUE 1; a tenant paying 0, or
    1.2 M$/MW-year against mining's 1.825 M$, is not worth a hall. NPV = BAU = 9 MW x 4 years x
    (1.825 M - 0.438 M)."""
    pf = portfolio([site("s1", contract_mw=9, mining_mw=9)], [tenant("t1", ["s1"], **offer)])
    p = solve(pf, bau=True)
    expected = 9 * 4 * (MINING_MW_YEAR - ENERGY_MW_YEAR)
    d = p.decisions
    assert d.tenant_start == [None]
    assert d.halls.sum() == 0 and d.cdus.sum() == 0 and d.gpu_racks.sum() == 0
    np.testing.assert_allclose(d.mining_mw, 9.0)
    assert p.npv_usd == pytest.approx(expected, rel=1e-9)
    assert p.bau_npv_usd == pytest.approx(expected, rel=1e-9)


def test_tenant_split_over_two_sites():
    """(c) 25 MW against two 15 MW sites (PUE 1): neither holds it alone, so with max_sites 2 it
    is split, 10-15 MW at each, 25 MW in all; with max_sites 1 it cannot be signed."""
    sites = [site("s1", contract_mw=15), site("s2", contract_mw=15)]
    p = solve(portfolio(sites, [tenant("t1", ["s1", "s2"], it_mw=25, max_sites=2)]))
    lease = lease_at(p)
    assert p.decisions.tenant_start == [0]
    np.testing.assert_allclose(lease.sum(axis=0), 25.0, atol=1e-6)
    assert (lease <= 15 + 1e-6).all()
    assert (lease >= 10 - 1e-6).all()  # 25 - 15 at the least, at both sites, every year
    assert p.kpis()["tenants_signed"] == ["t1"]

    single = solve(portfolio(sites, [tenant("t1", ["s1", "s2"], it_mw=25, max_sites=1)]))
    assert single.decisions.tenant_start == [None]
    assert single.npv_usd == pytest.approx(0.0, abs=1e-6)


def _conversion_period(halving: str | None) -> int:
    """First year with an HPC hall at a 10 MW mining site that could self-operate 10 MW of
    air-cooled GPUs instead (T when it never converts)."""
    gpu = rack("air", 50, "air", gpus=1, gpu_hour_usd=6.0)
    cat = catalog(
        racks=[rack("liq", 100, "liquid"), gpu],
        halls=[hall(capex_usd_per_mw_it=0.1e6)],
        hpc_opex_usd_per_mw_year=10_000,
        cloud_opex_usd_per_mw_year=0,
    )
    pf = portfolio(
        [site("s1", contract_mw=10, mining_mw=10, air_capacity_mw=10, price_usd_per_mwh=20.0)],
        periods=6,
        cat=cat,
        hashprice={"halvings": [halving] if halving else []},
    )
    p = solve(pf)
    halls = p.decisions.halls.sum(axis=(0, 1))
    it = p.decisions.occupied_mw(p.inputs).sum(axis=(0, 1))
    first = int(np.argmax(halls > 0)) if halls.any() else pf.spec.horizon.periods
    assert first == (int(np.argmax(it > 1e-6)) if it.any() else pf.spec.horizon.periods)
    return first


def test_halving_brings_conversion_forward():
    """(d) At 20 $/MWh, mining nets 1.825 M - 0.175 M = 1.650 M$/MW-year before a halving and
    0.9125 M - 0.175 M = 0.737 M after; 20 GPUs/MW at 6 $/h net 1.051 M - 0.175 M - 0.010 M
    opex = 0.866 M. So the site converts in the year of the halving, and never without one."""
    cloud = 20 * 6.0 * HOURS - 20 * HOURS - 10_000
    assert MINING_MW_YEAR / 2 - 20 * HOURS < cloud < MINING_MW_YEAR - 20 * HOURS
    early, late, never = _conversion_period("2028-04-15"), _conversion_period("2030-04-15"), _conversion_period(None)
    assert (early, late, never) == (2, 4, 6)
    assert early <= late <= never


def test_upgrade_lead_time_delays_tenant():
    """(e) A 20 MW committed tenant on a 5 MW interconnect whose +25 MW upgrade has an
    18-month lead: in quarters it is in service from period ceil(18 / 3) = 6, and the
    tenant (worth more the earlier it starts) starts exactly then."""
    upgrade = {"id": "u1", "mw": 25, "capex_usd": 1e6, "lead_time_months": 18}
    pf = portfolio(
        [site("s1", contract_mw=30, interconnect_mw=5, upgrades=[upgrade])],
        [tenant("t1", ["s1"], it_mw=20, committed=True, term_months=120, start_latest="2028-10-01")],
        periods=12,
        period="quarter",
    )
    p = solve(pf)
    lead = math.ceil(18 / 3)
    d = p.decisions
    assert d.tenant_start == [lead]
    np.testing.assert_array_equal(d.upgrades[0], [0] * lead + [1] * (12 - lead))
    np.testing.assert_allclose(lease_at(p)[0], [0] * lead + [20] * (12 - lead))


def test_committed_tenant_served_at_a_loss():
    """(f) A committed 10 MW tenant paying nothing, energy included: served anyway.
    NPV = -(4 x 10 x 438 k energy + 10 M hall + 11 x 10 k CDUs) < BAU = 0."""
    pf = portfolio(
        [site("s1", contract_mw=20)], [tenant("t1", ["s1"], it_mw=10, rate_usd_per_kw_month=0.0, committed=True)]
    )
    p = solve(pf, bau=True)
    expected = -(4 * 10 * ENERGY_MW_YEAR + HALL_CAPEX + n_cdus(10) * CDU_CAPEX)
    assert p.decisions.tenant_start == [0]
    np.testing.assert_allclose(lease_at(p), 10.0)
    assert p.npv_usd == pytest.approx(expected, rel=1e-9)
    assert p.bau_npv_usd == pytest.approx(0.0, abs=1e-6)
    assert p.npv_usd < p.bau_npv_usd


@pytest.mark.parametrize(
    ("it_mw", "cdu_kw", "redundancy", "expected"),
    [
        (20.5, 1000, "N+1", 22),  # ceil(20.5) + 1
        (20.0, 1000, "N+1", 21),  # an exact multiple still gets its spare
        (20.5, 800, "N+1", 27),  # ceil(25.625) + 1
        (20.5, 1000, "N", 21),  # no spare
    ],
)
def test_cdus_n_plus_one(it_mw, cdu_kw, redundancy, expected):
    """(g) CDUs installed = ceil(liquid MW / CDU MW) + 1 spare for N+1 types."""
    cdu = {
        "id": "cdu",
        "capacity_kw": cdu_kw,
        "footprint_m2": 1,
        "capex_usd": CDU_CAPEX,
        "redundancy": redundancy,
        "life_years": 10,
        "source": "test",
    }
    pf = portfolio([site("s1", contract_mw=40)], [tenant("t1", ["s1"], it_mw=it_mw)], cat=catalog(cdus=[cdu]))
    p = solve(pf)
    hand = math.ceil(it_mw / (cdu_kw / 1000) - 1e-9) + (redundancy == "N+1")
    assert hand == expected
    np.testing.assert_array_equal(p.decisions.cdus[0, 0], expected)


def test_cdus_n_plus_one_per_type_used():
    """(g) With two CDU types, each type in use carries its own spare: installed units of every
    type used = the fewest that cover the liquid load after one spare per type."""
    cdus = [
        {
            "id": "small",
            "capacity_kw": 1000,
            "footprint_m2": 1,
            "capex_usd": 10_000,
            "life_years": 10,
            "source": "test",
        },
        {"id": "big", "capacity_kw": 3000, "footprint_m2": 1, "capex_usd": 20_000, "life_years": 10, "source": "test"},
    ]
    pf = portfolio([site("s1", contract_mw=40)], [tenant("t1", ["s1"], it_mw=20)], cat=catalog(cdus=cdus))
    p = solve(pf)
    n = p.decisions.cdus[0, :, 0]
    # by hand: big only: ceil(20 / 3) + 1 = 8 units, 160 k$; any mix pays two spares (>= 30 k$ extra)
    assert n.tolist() == [0, math.ceil(20 / 3) + 1]
    capacity = 1.0 * max(n[0] - 1, 0) + 3.0 * max(n[1] - 1, 0)
    assert capacity >= 20


@pytest.mark.parametrize(
    ("contract", "top", "fleet", "hashprice", "mining", "paid_mw"),
    [
        (100.0, 0.5, 10.0, 10.0, 10.0, 50.0),  # mining loses at the margin, yet the floor makes it free to run
        (20.0, 0.5, 15.0, HASHPRICE, 15.0, 15.0),  # draw above the floor: pay the draw
        (100.0, 0.0, 10.0, 10.0, 0.0, 0.0),  # no take-or-pay: unprofitable mining stops
    ],
)
def test_take_or_pay_floor(contract, top, fleet, hashprice, mining, paid_mw):
    """(h) Energy paid = max(draw, take-or-pay share x contract MW) x 8,760 h x price, and never
    less than the floor. At 10 $/PH/day mining earns 365 k$/MW-year < 438 k$ of energy."""
    pf = portfolio(
        [site("s1", contract_mw=contract, mining_mw=fleet, take_or_pay_share=top)],
        hashprice={"usd_per_ph_day": hashprice},
    )
    p = solve(pf)
    floor = top * contract * ENERGY_MW_YEAR
    cost = -p.cash_flows["energy_cost"]
    assert (cost >= floor - 1e-6).all()
    np.testing.assert_allclose(cost, paid_mw * ENERGY_MW_YEAR)
    np.testing.assert_allclose(p.decisions.mining_mw, mining, atol=1e-6)
    assert p.npv_usd == pytest.approx(4 * (mining * PH_PER_MW * hashprice * 365 - paid_mw * ENERGY_MW_YEAR), abs=1.0)


@pytest.mark.parametrize(
    ("fleet", "resale", "mining", "resold_mw"),
    [
        (60.0, 40.0, 60.0, 0.0),  # draw above the 50 MW block: nothing left to resell, still feasible
        (20.0, 40.0, 20.0, 30.0),  # draw below the block: the 30 MW surplus is resold
        (20.0, 0.0, 20.0, 0.0),  # the contract does not allow resale
    ],
)
def test_take_or_pay_resale(fleet, resale, mining, resold_mw):
    """(h') A 100 MW contract at 50 $/MWh, half take-or-pay, resold at `resale` $/MWh: the landlord
    pays max(draw, 50 MW) and resells min(50 MW - draw, 50 MW)^+ of it. Mining earns 1.825 M$/MW-year
    > 438 k$, so the whole fleet runs. NPV = 4 x (mining revenue - paid energy + resold energy)."""
    s = site("s1", contract_mw=100.0, mining_mw=fleet, take_or_pay_share=0.5)
    s["power_contracts"][0]["resale_price_usd_per_mwh"] = resale
    p = solve(portfolio([s]))
    paid_mw = max(fleet, 50.0)
    np.testing.assert_allclose(p.decisions.mining_mw, mining, atol=1e-6)
    np.testing.assert_allclose(p.cash_flows["energy_resale"], resold_mw * resale * HOURS, atol=1e-3)
    expected = 4 * (mining * MINING_MW_YEAR - paid_mw * ENERGY_MW_YEAR + resold_mw * resale * HOURS)
    assert p.npv_usd == pytest.approx(expected, abs=1.0)


def test_concentration_cap():
    """(i) Four equal-rate offers, A 20 MW and B, C, D 10 MW each, at one 60 MW site. Uncapped
    all are signed and A has 40 % of HPC revenue; with a 35 % cap A cannot be signed (40 %),
    while B, C and D have 1/3 each. NPV = 4 x 30 x (1.2 M - 0.438 M) - 30 M halls - 31 CDUs."""
    sites = [site("s1", contract_mw=60)]
    offers = [tenant("A", ["s1"], it_mw=20), *(tenant(k, ["s1"], it_mw=10) for k in "BCD")]
    free = solve(portfolio(sites, offers))
    assert free.kpis()["tenants_signed"] == ["A", "B", "C", "D"]
    assert free.kpis()["tenant_max_share"] == pytest.approx(0.4)

    capped = solve(portfolio(sites, offers, finance={"concentration_cap": 0.35}))
    k = capped.kpis()
    assert k["tenants_signed"] == ["B", "C", "D"]
    assert k["tenant_max_share"] == pytest.approx(1 / 3)
    assert k["tenant_max_share"] <= 0.35
    expected = 4 * 30 * (1.2e6 - ENERGY_MW_YEAR) - 3 * HALL_CAPEX - n_cdus(30) * CDU_CAPEX
    assert capped.npv_usd == pytest.approx(expected, rel=1e-9)


def test_budget_per_period():
    """(j) A committed 20 MW tenant needs two 10 M$ halls; a 12 M$ budget a year allows one a
    year, so the lease starts in year 1 (year 0 unbudgeted) and no year spends more than 12 M$."""
    sites = [site("s1", contract_mw=30)]
    offers = [tenant("t1", ["s1"], it_mw=20, committed=True, start_latest="2029-01-01")]
    free = solve(portfolio(sites, offers))
    assert free.decisions.tenant_start == [0]
    assert capex_by_period(free.inputs, free.decisions).max() > 12e6

    p = solve(portfolio(sites, offers, finance={"capex_budget_usd_per_period": 12e6}))
    assert p.decisions.tenant_start == [1]
    capex = capex_by_period(p.inputs, p.decisions)
    assert (capex <= 12e6 * (1 + 1e-9)).all()
    np.testing.assert_array_equal(p.decisions.halls[0, 0, :2], [1, 2])
    # 10 M hall in year 0; 10 M hall + 21 CDUs in year 1
    np.testing.assert_allclose(capex, [HALL_CAPEX, HALL_CAPEX + n_cdus(20) * CDU_CAPEX, 0, 0])


# --------------------------------------------------------------------------- 2. each family binds


def test_power_contract_binds():
    """power_contract: a 20 MW fleet at PUE 1.25 on an 8 MW contract (interconnect 50) mines
    8 / 1.25 = 6.4 MW."""
    pf = portfolio([site("s1", contract_mw=8, interconnect_mw=50, mining_mw=20)], cat=catalog(pue_mining_air=1.25))
    p = solve(pf)
    np.testing.assert_allclose(p.decisions.mining_mw, 8 / 1.25)
    np.testing.assert_allclose(p.frames()["site_period"]["gross_mw"], 8.0)


def test_interconnect_binds():
    """interconnect: the same fleet on a 50 MW contract behind an 8 MW interconnect: 6.4 MW."""
    pf = portfolio([site("s1", contract_mw=50, interconnect_mw=8, mining_mw=20)], cat=catalog(pue_mining_air=1.25))
    p = solve(pf)
    np.testing.assert_allclose(p.decisions.mining_mw, 8 / 1.25)
    np.testing.assert_allclose(p.frames()["site_period"]["grid_mw"], 8.0)


def test_interconnect_upgrade_bought_when_it_pays():
    """interconnect + upgrade: an 8 MW interconnect with a +12 MW upgrade (1 M$, no lead) under a
    20 MW contract: mining 12 MW more earns 4 x 12 x 1.387 M >> 1 M, so the upgrade is in
    service from the start and the fleet runs in full."""
    up = {"id": "u1", "mw": 12, "capex_usd": 1e6, "lead_time_months": 0}
    pf = portfolio([site("s1", contract_mw=20, interconnect_mw=8, mining_mw=20, upgrades=[up])])
    p = solve(pf)
    np.testing.assert_array_equal(p.decisions.upgrades, [[1, 1, 1, 1]])
    np.testing.assert_allclose(p.decisions.mining_mw, 20.0)
    assert p.npv_usd == pytest.approx(4 * 20 * (MINING_MW_YEAR - ENERGY_MW_YEAR) - 1e6, rel=1e-9)


def test_hall_it_binds():
    """hall_it: 25 MW of leases need ceil(25 / 10) = 3 halls, no more (halls cost)."""
    pf = portfolio([site("s1", contract_mw=40)], [tenant("t1", ["s1"], it_mw=25)])
    p = solve(pf)
    np.testing.assert_array_equal(p.decisions.halls[0, 0], 3)
    np.testing.assert_array_equal(p.decisions.cdus[0, 0], n_cdus(25))


def test_air_cooling_binds():
    """air_cooling: profitable self-operated 50 kW air racks, 7.32 MW of air cooling: floor(7.32 /
    0.05) = 146 racks = 7.3 MW; the 10 MW hall and the 40 MW contract have room to spare."""
    gpu = rack("air", 50, "air", gpus=1, gpu_hour_usd=10.0)
    pf = portfolio(
        [site("s1", contract_mw=40, air_capacity_mw=7.32)], cat=catalog(racks=[rack("liq", 100, "liquid"), gpu])
    )
    p = solve(pf, status=("optimal", "feasible"))  # bound: the relaxation's 146.4 racks
    assert p.gap is not None and p.gap < 0.01
    racks = math.floor(7.32 / 0.05)
    assert racks == 146
    np.testing.assert_array_equal(p.decisions.gpu_racks[0, 1], [racks, 0, 0, 0])
    np.testing.assert_allclose(p.decisions.cloud_mw(p.inputs)[0, 1], racks * 0.05)
    np.testing.assert_array_equal(p.decisions.halls[0, 0], 1)


def test_air_tenant_needs_air_cooling():
    """air_cooling with a lease: a 20 MW air-rack tenant is signed with 20 MW of air cooling,
    not with 19.9 MW (the liquid CDUs cannot cool air racks)."""
    offers = [tenant("t1", ["s1"], it_mw=20, rack_type="air")]
    ok = solve(portfolio([site("s1", contract_mw=40, air_capacity_mw=20)], offers))
    assert ok.decisions.tenant_start == [0]
    assert ok.decisions.cdus.sum() == 0
    short = solve(portfolio([site("s1", contract_mw=40, air_capacity_mw=19.9)], offers))
    assert short.decisions.tenant_start == [None]


def _converting_site(**kw) -> dict:
    """10 MW of mining in a 2,500 m2 building (4 kW/m2) on a 50 MW contract."""
    return site("s1", contract_mw=50, mining_mw=10, **kw)


def test_land_buildings_binds():
    """land_buildings: conversion halls of 1,000 m2 in a 2,500 m2 mining building: at most 2,
    even though 10 MW of GPUs (1.3 M$/MW-year net) pay more than the 4 MW of mining a hall displaces."""
    gpu = rack("liq", 100, "liquid", gpus=2, gpu_hour_usd=10.0)
    cat = catalog(racks=[gpu, rack("air", 50, "air")], halls=[hall(kind="conversion", capex_usd_per_mw_it=0.1e6)])
    p = solve(portfolio([_converting_site()], cat=cat))
    area = p.inputs.site.building_area_m2[0]
    assert area == pytest.approx(2500, rel=0.01)
    halls = math.floor(area / HALL_M2)
    assert halls == 2
    np.testing.assert_array_equal(p.decisions.halls[0, 0], halls)
    # mining_housing: 2,000 m2 converted of 2,500 at 0.004 MW/m2 leave 2 MW of mining
    np.testing.assert_allclose(p.decisions.mining_mw[0], 10 - 0.004 * 2000 * 2500 / area, atol=1e-6)


def test_land_buildable_binds():
    """land_buildable: a 5,000 m2 square parcel with a 10 m setback leaves (sqrt(5000) - 20)^2 =
    2,571 m2 for new-build halls of 1,000 m2: 2 halls, 20 MW, though the contract allows 50."""
    gpu = rack("liq", 100, "liquid", gpus=2, gpu_hour_usd=10.0)
    cat = catalog(racks=[gpu, rack("air", 50, "air")])
    p = solve(portfolio([site("s1", contract_mw=50, parcel_m2=5000)], cat=cat))
    hand = (math.sqrt(5000) - 20) ** 2
    assert p.inputs.site.free_area_m2[0] == pytest.approx(hand, rel=0.01)
    np.testing.assert_array_equal(p.decisions.halls[0, 0], math.floor(hand / HALL_M2))
    assert p.decisions.cloud_mw(p.inputs)[0, 0].max() == pytest.approx(20.0)


def test_mining_housing_binds():
    """mining_housing: a committed 5 MW tenant from year 1 in a converted 1,000 m2 hall of the
    2,500 m2 building (10 MW of mining): mining runs 10 MW in year 0, then 10 - 4 = 6 MW."""
    cat = catalog(halls=[hall(kind="conversion")])
    offers = [tenant("t1", ["s1"], it_mw=5, committed=True, start_earliest="2027-01-01")]
    p = solve(portfolio([_converting_site()], offers, cat=cat))
    density = 10 / p.inputs.site.building_area_m2[0]
    assert p.decisions.tenant_start == [1]
    np.testing.assert_array_equal(p.decisions.halls[0, 0], [0, 1, 1, 1])
    np.testing.assert_allclose(p.decisions.mining_mw[0], [10, *(3 * [10 - density * HALL_M2])], atol=1e-6)
    assert p.decisions.mining_mw[0, 1] == pytest.approx(6.0, rel=0.01)


def test_delivery_is_exact_over_the_term():
    """delivery: a signed tenant gets exactly its IT MW for its term (2 years from year 1) and
    nothing outside it, even where more would fit."""
    offers = [tenant("t1", ["s1"], it_mw=7, term_months=24, start_earliest="2027-01-01")]
    p = solve(portfolio([site("s1", contract_mw=40)], offers))
    assert p.decisions.tenant_start == [1]
    np.testing.assert_allclose(lease_at(p)[0], [0, 7, 7, 0])


def test_min_block_binds():
    """min_block: 25 MW over three 20 MW sites paying 200, 150 and 100 $/kW-month, at most 2
    sites. Without a minimum block: 20 MW at the best site and 5 MW at the next; with 12 MW
    blocks the second site needs 12, leaving 13 at the first."""
    sites = [site(s, contract_mw=20) for s in ("A", "B", "C")]
    rates = {"A": 200.0, "B": 150.0, "C": 100.0}

    def blocks(min_block: float) -> list[float]:
        offer = tenant(
            "t1", ["A", "B", "C"], it_mw=25, max_sites=2, min_block_mw=min_block, site_rates_usd_per_kw_month=rates
        )
        p = solve(portfolio(sites, [offer]))
        return lease_at(p)[:, 0].round(6).tolist()

    assert blocks(0.0) == [20.0, 5.0, 0.0]
    assert blocks(12.0) == [13.0, 12.0, 0.0]


@pytest.mark.parametrize(("max_sites", "signed"), [(3, True), (2, False)])
def test_max_sites_binds(max_sites, signed):
    """max_sites: 25 MW over three 10 MW sites needs all three."""
    sites = [site(s, contract_mw=10) for s in ("A", "B", "C")]
    offer = tenant("t1", ["A", "B", "C"], it_mw=25, max_sites=max_sites)
    p = solve(portfolio(sites, [offer]))
    assert (p.decisions.tenant_start[0] is not None) == signed
    used = (lease_at(p).max(axis=1) > 1e-6).sum()
    assert used == (3 if signed else 0)
    assert used <= max_sites


@pytest.mark.parametrize("contract", [60.0, 40.0])
def test_hall_floor_binds(contract):
    """hall_floor: racks taking 100 m2 each (1,000 m2 per MW) fill a 1,000 m2 hall at 1 MW, so 5 MW
    of committed leases with 6 CDUs of 1 m2 need ceil((5,000 + 6) / 1,000) = 6 halls, not the 1
    their IT needs; 6 halls = 60 MW of hall IT, more than a 40 MW contract could fill."""
    cat = catalog(racks=[rack("liq", 100, "liquid", footprint_m2=100.0), rack("air", 50, "air")])
    p = solve(portfolio([site("s1", contract_mw=contract)], [tenant("t1", ["s1"], it_mw=5, committed=True)], cat=cat))
    cdus = n_cdus(5)
    assert cdus == 6
    np.testing.assert_array_equal(p.decisions.cdus[0, 0], cdus)
    np.testing.assert_array_equal(p.decisions.halls[0, 0], math.ceil((5 * 1000 + cdus * 1) / HALL_M2))


@pytest.mark.parametrize(("contract", "signed"), [(26.0, True), (25.9, False)])
def test_hpc_pue_with_climate_and_load_factor(contract, signed):
    """Power is provisioned at the climate-adjusted PUE, 1.2 + 0.01 x (25 - 15) C = 1.3: a 20 MW
    lease needs 26 MW of contract. Energy is billed at the load factor: 0.8 x 1.3 x 20 MW."""
    cat = catalog(halls=[hall(pue_liquid=1.2)], pue_per_degc_above_15=0.01, hpc_load_factor=0.8)
    p = solve(
        portfolio([site("s1", contract_mw=contract, mean_temp_c=25.0)], [tenant("t1", ["s1"], it_mw=20)], cat=cat)
    )
    assert (p.decisions.tenant_start == [0]) == signed
    if signed:
        np.testing.assert_allclose(p.cash_flows["energy_cost"], -0.8 * 1.3 * 20 * ENERGY_MW_YEAR)
        np.testing.assert_allclose(p.frames()["site_period"]["gross_mw"], 26.0)


def test_existing_halls_and_cdus_cost_nothing():
    """Two halls and 21 CDUs already in service: the 20 MW tenant needs no capex, and what
    existed at the start has no residual value in the plan. NPV = 4 x (24 M - 8.76 M)."""
    s = {**site("s1", contract_mw=30), "existing_halls": {"hall": 2}, "existing_cdus": {"cdu": 21}}
    p = solve(portfolio([s], [tenant("t1", ["s1"], it_mw=20)], finance={"terminal_value": "book"}))
    np.testing.assert_array_equal(p.decisions.halls[0, 0], 2)
    np.testing.assert_array_equal(p.decisions.cdus[0, 0], 21)
    np.testing.assert_allclose(p.cash_flows["capex"], 0.0)
    np.testing.assert_allclose(p.cash_flows["residual_value"], 0.0)
    assert p.npv_usd == pytest.approx(4 * (24e6 - 20 * ENERGY_MW_YEAR), rel=1e-9)


def test_capex_timing_with_lead_times():
    """Quarters; a committed 10 MW tenant from 2026Q4 (period 3). The hall (6-month lead = 2
    quarters) is paid when ordered, in period 1; the site conversion (3 M$) and the 11 CDUs when
    the hall enters service, in period 3; the upgrade (+10 MW, 1 M$, 9-month lead = 3 quarters)
    is ordered in period 0 and in service from period 3. (5 %/year discounting: nothing early.)"""
    cat = catalog(halls=[hall(lead_time_months=6)])
    up = {"id": "u1", "mw": 10, "capex_usd": 1e6, "lead_time_months": 9}
    pf = portfolio(
        [site("s1", contract_mw=20, interconnect_mw=1, upgrades=[up], conversion_cost_usd=3e6)],
        [tenant("t1", ["s1"], it_mw=10, committed=True, start_earliest="2026-10-01")],
        periods=6,
        period="quarter",
        cat=cat,
        finance={"discount_rate_per_year": 0.05, "capex_draw": "at_order"},
    )
    p = solve(pf)
    assert p.decisions.tenant_start == [3]
    np.testing.assert_array_equal(p.decisions.halls[0, 0], [0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(p.decisions.upgrades[0], [0, 0, 0, 1, 1, 1])
    np.testing.assert_allclose(capex_by_period(p.inputs, p.decisions), [1e6, HALL_CAPEX, 0, 3e6 + 11 * CDU_CAPEX, 0, 0])
    proc = p.procurement()
    hall_row = proc[proc["kind"] == "hall"].iloc[0]
    assert (hall_row["order_period"], hall_row["in_service"]) == ("2026Q2", "2026Q4")
