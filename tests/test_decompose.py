"""The site decomposition (planner.decompose): its pieces against the whole model, and
properties of the plans it returns."""

from __future__ import annotations

import copy
import dataclasses
import logging
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import yaml
from hypothesis import event, given, note
from hypothesis import strategies as st

from planner import portfolio_from_dict
from planner.inputs import prepare
from planner.model import build_model
from planner.results.validator import validate
from planner.solve import decompose, planning
from planner.testing import strategies as S
from planner.testing.synthetic import portfolio_dict, site_dict, tenant_dict
from solvers import SolveOptions, get_solver

TOL = 1e-6


def load(d: dict):
    return portfolio_from_dict(d, Path.cwd())


def optimum(m) -> float:
    r = get_solver("highs").solve(m.problem, SolveOptions(rel_gap=1e-9))
    assert r.status.value == "optimal", r
    return float(r.objective)


def uncoupled(d: dict) -> dict:
    """The portfolio without tenants and without a cloud-market cap: its sites are independent."""
    d = copy.deepcopy(d)
    d["tenants"] = []
    d.get("scenario", {}).pop("cloud_max_it_mw", None)
    return d


def test_consolidate_rounds_shares_up_to_whole_modules_in_order_within_the_cap():
    shares = np.array([[0.5, 0.5], [30.0, 12.0], [3.0, 0.0], [19.0, 25.0]])
    out = decompose.consolidate(shares, np.array([50.0, 50.0]), 20.0)
    # by total share: site 3 (44) rounds up to [20, 40], site 1 (42) wants [40, 20] and
    # gets what is left, [30, 10]; sites 2 and 0 get nothing
    np.testing.assert_allclose(out, [[0, 0], [30, 10], [0, 0], [20, 40]])
    assert (out.sum(axis=0) <= 50.0 + 1e-9).all()


def test_consolidate_never_exceeds_the_cap_nor_gives_cloud_where_the_lp_had_none():
    rng = np.random.default_rng(1)
    shares = rng.uniform(0, 30, (40, 6)) * (rng.random((40, 6)) < 0.4)
    cap = shares.sum(axis=0) * rng.uniform(0.5, 1.0, 6)
    out = decompose.consolidate(shares, cap, 20.0)
    assert (out.sum(axis=0) <= cap + 1e-9).all() and (out >= 0).all()
    assert (out[shares == 0] == 0).all()


@given(d=S.portfolios(min_sites=2, max_sites=4, max_tenants=0, constrained=False, max_periods=6))
def test_site_models_of_independent_sites_add_up_to_the_whole_model(d):
    """Without tenants or a cloud cap the sites are independent: the optima of the site
    models built from site_inputs() add up to the whole model's (checks every sliced array)."""
    ins = prepare(load(uncoupled(d)))
    whole = optimum(build_model(ins))
    parts = sum(optimum(build_model(decompose.site_inputs(ins, s, [], None))) for s in range(ins.S))
    assert parts == pytest.approx(whole, rel=1e-6, abs=1.0)


@given(d=S.portfolios(min_sites=1, max_sites=1, max_tenants=3, constrained=False, max_periods=6))
def test_one_site_with_its_tenants_whole_is_the_whole_model(d):
    """A one-site portfolio, its tenants passed as whole pieces with their own windows and
    commitments, gives the whole model's optimum (checks the tenant arrays of site_inputs)."""
    ins = prepare(load(d))
    m = build_model(ins)
    pieces = [
        decompose.Piece(k, float(ins.tenant.mw[k]), ins.tenant.starts(k, ins.T), bool(ins.tenant.committed[k]))
        for k in range(ins.tenant.K)
    ]
    site = build_model(decompose.site_inputs(ins, 0, pieces, ins.op.cloud_max_it_mw))
    r_whole = get_solver("highs").solve(m.problem, SolveOptions(rel_gap=1e-9))
    r_site = get_solver("highs").solve(site.problem, SolveOptions(rel_gap=1e-9))
    assert r_whole.status == r_site.status
    if r_whole.has_solution:
        assert r_site.objective == pytest.approx(r_whole.objective, rel=1e-6, abs=1.0)


def check_decomposed_plan(d: dict, whole: planning.Plan | None = None, lp: bool = True) -> planning.Plan:
    """A decomposed plan keeps every limit, signs every committed tenant, lies below its own
    bound (without the LP relaxation: the Lagrangian one) and, given the whole MILP's plan,
    below that plan's bound."""
    with mock.patch.object(decompose, "LP_MAX_VARIABLES", decompose.LP_MAX_VARIABLES if lp else 0):
        p = planning.plan(load(d), gap=1e-6, bau=False, method="decompose")
    assert not p.violations and not validate(p.inputs, p.decisions)
    ins = p.inputs
    assert all(p.decisions.tenant_start[k] is not None for k in np.nonzero(ins.tenant.committed)[0])
    # the solver's feasibility tolerance moves an objective by up to FEASIBILITY_TOL sum|c| USD
    cost = float(np.abs(build_model(ins).problem.cost).sum())
    slack = max(1e-6 * max(1.0, abs(p.npv_usd)) + 1.0, planning.FEASIBILITY_TOL * cost)
    assert p.solve["bound"] is not None and p.solve["bound"] >= p.npv_usd - slack
    if not lp and "site decomposition" in p.solve["message"]:
        assert "the sites' plans assembled" in p.solve["message"] and "reported: Lagrangian" in p.solve["message"]
    if whole is not None and whole.solve["bound"] is not None:
        assert p.npv_usd <= whole.solve["bound"] + slack, "a decomposed plan better than the proven optimum"
    return p


@given(d=S.portfolios(min_sites=2, max_sites=5, max_tenants=4, constrained=False, max_periods=6), lp=st.booleans())
def test_decomposed_plans_are_valid_and_within_the_bounds(d, lp):
    """With the LP relaxation (fixed-integer LP) or without it (merit order, the sites'
    plans assembled)."""
    note(yaml.safe_dump(d, sort_keys=False))
    try:
        whole = planning.plan(load(d), gap=1e-6, bau=False, method="milp")
    except planning.PlanningError:
        return
    p = check_decomposed_plan(d, whole, lp)
    event(
        f"{'LP' if lp else 'merit order'}: "
        f"{'decomposed' if 'site decomposition' in p.solve['message'] else 'whole MILP (fallback)'}"
    )


def small_portfolio() -> dict:
    """Four sites, a committed tenant that needs two of them, two optional offers and a
    capped cloud market: every coupling the decomposition handles."""
    sites = [
        site_dict(
            f"s{i}",
            contract_mw=mw,
            mining_mw=0.5 * mw,
            price_usd_per_mwh=p,
            conversion_cost_usd=20e6,
            parcel_m2=250_000.0,
        )
        for i, (mw, p) in enumerate([(60, 35), (80, 45), (50, 30), (120, 55)])
    ]
    tenants = [
        tenant_dict(
            "anchor",
            ["s0", "s1", "s2"],
            it_mw=70.0,
            max_sites=2,
            committed=True,
            start_earliest="2028-01-01",
            start_latest="2028-06-01",
        ),
        tenant_dict("option-a", ["s2", "s3"], it_mw=30.0, start_earliest="2028-01-01", start_latest="2029-01-01"),
        tenant_dict(
            "option-b",
            ["s3"],
            it_mw=60.0,
            rate_usd_per_kw_month=110.0,
            start_earliest="2028-06-01",
            start_latest="2029-06-01",
        ),
    ]
    return portfolio_dict("small", sites, tenants, periods=16, scenario={"cloud_max_it_mw": 30.0})


def test_decomposed_small_portfolio():
    p = check_decomposed_plan(small_portfolio())
    assert "site decomposition" in p.solve["message"]


def test_split_tenant_pieces_add_up_to_the_offer():
    """A tenant bigger than any one of its sites is split over two: its pieces at the two
    sites sum to its MW and share one start."""
    sites = [
        site_dict(f"s{i}", contract_mw=60.0, mining_mw=0.0, parcel_m2=200_000.0, building_m2=0.0) for i in range(3)
    ]
    tenants = [
        tenant_dict(
            "big",
            ["s0", "s1", "s2"],
            it_mw=70.0,
            max_sites=2,
            committed=True,
            start_earliest="2028-01-01",
            start_latest="2028-06-01",
        )
    ]
    d = portfolio_dict("split", sites, tenants, periods=12)
    pf = load(d)
    ins = prepare(pf)
    m = build_model(ins)
    lp = decompose.relaxation(m, get_solver("highs"), SolveOptions())
    assert lp.status.value == "optimal"
    pieces = [p for ps in decompose.round_tenants(m, lp.x) for p in ps]
    assert len(pieces) == 2 and sum(p.mw for p in pieces) == pytest.approx(70.0)
    assert len({int(p.starts[0]) for p in pieces}) == 1 and all(len(p.starts) == 1 for p in pieces)
    p = planning.plan(pf, bau=False, method="decompose")
    assert not p.violations
    lease = p.decisions.lease_mw[0]
    assert lease.sum(axis=0)[lease.sum(axis=0) > 0] == pytest.approx(70.0)
    assert (lease.max(axis=1) > 0).sum() == 2


def test_without_the_lp_the_sites_follow_merit_order_and_the_bound_is_lagrangian(monkeypatch):
    monkeypatch.setattr(decompose, "LP_MAX_VARIABLES", 0)
    pf = load(small_portfolio())
    p = planning.plan(pf, bau=False, method="decompose")
    assert not p.violations and "merit order" in p.solve["message"] and "reported: Lagrangian" in p.solve["message"]
    assert "the sites' plans assembled" in p.solve["message"]
    assert p.solve["bound"] >= p.npv_usd - 1.0 and p.gap is not None
    assert p.decisions.tenant_start[0] is not None  # the committed anchor is signed,
    assert (p.decisions.lease_mw[0].max(axis=1) > 0).sum() == 2  # over two sites: none holds 70 MW
    whole = planning.plan(pf, gap=1e-6, bau=False, method="milp")
    assert p.npv_usd <= whole.solve["bound"] + 1.0


def test_without_the_lp_first_the_time_left_gives_the_bound(monkeypatch):
    monkeypatch.setattr(decompose, "LP_MAX_VARIABLES", 0)
    monkeypatch.setattr(decompose, "IMPROVE_MIN_S", 0.0)
    p = planning.plan(load(small_portfolio()), bau=False, method="decompose", time_limit=30.0)
    assert not p.violations and "LP bound in the time left" in p.solve["message"]
    assert p.solve["bound"] >= p.npv_usd - 1.0 and p.gap is not None


def test_a_committed_tenant_its_site_cannot_serve_moves_to_the_next(monkeypatch, caplog):
    """s0 (10 MW contract) ranked first for a 30 MW committed tenant fails; s1 serves it."""
    sites = [
        site_dict("s0", contract_mw=10.0, mining_mw=0.0, parcel_m2=200_000.0),
        site_dict("s1", contract_mw=80.0, mining_mw=0.0, parcel_m2=200_000.0),
    ]
    tenants = [
        tenant_dict(
            "anchor", ["s0", "s1"], it_mw=30.0, committed=True, start_earliest="2028-01-01", start_latest="2028-06-01"
        )
    ]
    pf = load(portfolio_dict("move", sites, tenants, periods=12))
    monkeypatch.setattr(decompose, "LP_MAX_VARIABLES", 0)
    monkeypatch.setattr(decompose.guide, "site_rank", lambda m, k, lp: np.arange(len(m.inputs.tenant.sites(k))))
    with caplog.at_level(logging.INFO, logger="planner.solve.decompose"):
        p = planning.plan(pf, bau=False, method="decompose")
    assert "site s0 cannot serve anchor: offered to the next eligible site" in caplog.text
    assert not p.violations and "the sites' plans assembled" in p.solve["message"]
    lease = p.decisions.lease_mw[0]
    assert lease[0].max() == 0 and lease[1].max() == pytest.approx(30.0)


def test_merit_order_places_a_tenant_whose_window_opened_before_the_horizon(monkeypatch):
    d = small_portfolio()
    d["horizon"]["start"] = "2028-07-01"
    d.setdefault("scenario", {}).setdefault("hashprice", {})["halvings"] = ["2032-04-15"]  # 2028-04 is in the past
    d["tenants"] = d["tenants"][1:]  # option-a may start from 2028-01: two quarters before
    pf = load(d)
    ins = prepare(pf)
    assert ins.tenant.first[0] < 0
    m, sites = build_model(ins), np.arange(ins.S)
    early, late = decompose.it_capacity(m, sites, 0), decompose.it_capacity(m, sites, ins.T - 2)
    assert not np.array_equal(early, late)  # halls take time to build
    np.testing.assert_array_equal(decompose.it_capacity(m, sites, -2), early)
    monkeypatch.setattr(decompose, "LP_MAX_VARIABLES", 0)
    p = planning.plan(pf, bau=False, method="decompose")
    assert not p.violations and "the sites' plans assembled" in p.solve["message"]


def test_whole_milp_improves_the_decomposed_plan_when_time_is_left(monkeypatch):
    pf = load(small_portfolio())
    monkeypatch.setattr(decompose, "IMPROVE_MIN_S", 0.0)
    fast = planning.plan(pf, bau=False, method="decompose")
    anytime = planning.plan(pf, bau=False, method="decompose", time_limit=20.0)
    assert anytime.npv_usd >= fast.npv_usd - 1.0
    assert anytime.solve["bound"] <= fast.solve["bound"] + 1.0


def test_auto_decomposes_only_large_portfolios_without_budget(caplog):
    ins = prepare(load(small_portfolio()))
    many = ins.select_sites(np.zeros(decompose.DECOMPOSE_SITES + 1, dtype=int))  # site 0, 61 times
    assert not planning._decompose(ins, "auto", None)
    assert planning._decompose(ins, "decompose", None)
    assert planning._decompose(many, "auto", None)
    assert not planning._decompose(many, "milp", None)
    budget = dataclasses.replace(many, op=dataclasses.replace(many.op, budget_usd_per_period=1e9))
    with caplog.at_level(logging.WARNING):
        assert not planning._decompose(budget, "auto", None)
    assert "capex budget" in caplog.text


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="method"):
        planning.plan(load(small_portfolio()), method="fastest")
