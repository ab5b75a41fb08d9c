"""The Lagrangian bound (planner.solve.decompose.lagrange, .blocks, .bounding): valid against the
whole MILP, no weaker than the LP relaxation from its duals, exact without coupling rows, and
mutations of its sign rule or of its use of proven bounds caught."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from planner import portfolio_from_dict
from planner.describe.errors import InputError
from planner.inputs import prepare
from planner.model import build_model
from planner.solve.decompose import bounding
from planner.solve.decompose import lagrange as L
from planner.solve.decompose.blocks import implied_bounds, partition, site_labels
from planner.solve.decompose.bounding import Parallel, lagrange_step
from planner.testing.synthetic import portfolio_dict, random_portfolio, site_dict
from solvers import SolveOptions, get_solver

EXACT = SolveOptions(rel_gap=1e-7, highs_options={"mip_feasibility_tolerance": L.MIP_FEASIBILITY})
FEASIBLE = SolveOptions(rel_gap=1e-2, time_limit_s=30.0)
"""Enough for a feasible point of a whole MILP (what every valid bound must not go below)."""


def model_of(d: dict):
    return build_model(prepare(portfolio_from_dict(d, Path.cwd())))


def small(seed: int, sites: int = 4, tenants: int = 2) -> dict:
    return random_portfolio(sites, tenants, seed=seed, periods=24)


def incumbent(m) -> float:
    """The objective of a feasible point of the whole MILP (a lower bound on its optimum)."""
    r = get_solver("highs").solve(m.problem, FEASIBLE)
    assert r.has_solution, r
    return float(r.objective)


def lp_of(m):
    return get_solver("highs").solve(m.problem.relaxed(), SolveOptions())


def run(m, start=None, iterations: int = 4, target=None):
    part = partition(m.problem, site_labels(m))
    return L.lagrangian_bound(m.problem, part, target, start, L.Settings(iterations=iterations, rel_gap=1e-7))


def below(trace: list[float], value: float) -> list[float]:
    """The evaluations below `value` beyond rounding: each one an invalid bound."""
    return [t for t in trace if t < value - 1e-7 * max(1.0, abs(value))]


@settings(max_examples=4)
@given(seed=st.integers(1, 10_000))
def test_every_lagrangian_evaluation_bounds_the_milp(seed):
    try:
        m = model_of(small(seed, 3, 2))
    except InputError:  # a tenant drawn to start after the short horizon
        assume(False)
    lp = lp_of(m)
    assume(lp.row_dual is not None)  # an infeasible draw has nothing to bound
    best = incumbent(m)
    part = partition(m.problem, site_labels(m))
    for start in (np.zeros(part.num_coupling), L.project(lp.row_dual[part.rows], part)):
        b = run(m, start, iterations=3, target=best)
        assert not below(b.trace, best), (b.trace, best)
        assert b.bound == min(b.trace)


def test_from_the_lp_duals_the_bound_is_at_most_the_lp_bound_and_equals_it_with_lp_blocks():
    m = model_of(small(3, 5, 3))
    lp = lp_of(m)
    part = partition(m.problem, site_labels(m))
    assert part.num_coupling > 0
    lam = L.project(lp.row_dual[part.rows], part)
    tol = 1e-7 * abs(lp.objective)
    np.testing.assert_allclose(lam, lp.row_dual[part.rows])  # HiGHS's duals already have the signs of Lambda
    with_lp, _ = L.evaluate(m.problem, L.as_lp(part), lam, L.serial, EXACT)
    assert abs(with_lp - lp.objective) <= tol  # LP strong duality: L at the LP duals is the LP optimum
    with_milp, _ = L.evaluate(m.problem, part, lam, L.serial, EXACT)
    assert incumbent(m) - tol <= with_milp <= lp.objective + tol


def uncoupled_portfolio() -> dict:
    sites = [site_dict(f"s{i}", contract_mw=mw, mining_mw=mw / 2) for i, mw in enumerate((60.0, 120.0))]
    return portfolio_dict("uncoupled", sites, periods=12)


def test_without_coupling_rows_the_bound_at_zero_is_the_milp_optimum():
    m = model_of(uncoupled_portfolio())
    part = partition(m.problem, site_labels(m))
    assert part.num_coupling == 0 and len(part.problems) >= 2
    b = run(m, iterations=1)
    best = get_solver("highs").solve(m.problem, EXACT)
    assert best.status.value == "optimal"
    assert abs(b.bound - best.objective) <= 1e-6 * abs(best.objective)


def test_propagated_bounds_keep_every_feasible_point_and_bound_the_tenant_blocks():
    m = model_of(small(3, 5, 3))
    r = get_solver("highs").solve(m.problem, FEASIBLE)
    lo, up = implied_bounds(m.problem)
    assert (r.x >= lo - 1e-7).all() and (r.x <= up + 1e-7).all()
    assert np.isfinite(up[m.leases.block.columns()]).all()  # bounded only through block_total
    assert (up <= m.problem.col_upper).all() and (lo >= m.problem.col_lower).all()


def slack_cap(seed: int) -> dict:
    """A portfolio whose cloud-market cap no plan reaches (its rows couple the sites, never bind)."""
    d = copy.deepcopy(small(seed, 3, 1))
    d["scenario"]["cloud_max_it_mw"] = 1e5
    return d


def wrong_sign_terms(lam, part):
    """Mutation: lambda_r u_r whatever the sign of lambda_r (the lower side where u_r is +inf)."""
    side = np.where(np.isfinite(part.row_upper), part.row_upper, part.row_lower)
    return float(np.sum(lam * side))


def test_a_multiplier_of_the_wrong_sign_is_caught():
    m = model_of(slack_cap(3))
    best = incumbent(m)
    part = partition(m.problem, site_labels(m))
    upper_only = ~np.isfinite(part.row_lower)
    assert upper_only.any()
    start = np.where(upper_only, -1e7, 0.0)  # mu < 0 on <= rows: outside Lambda
    assert not below(run(m, start, iterations=1).trace, best)  # projected onto Lambda: valid
    with mock.patch.object(L, "project", lambda lam, part: lam), mock.patch.object(L, "row_terms", wrong_sign_terms):
        assert below(run(m, start, iterations=1).trace, best)


def incumbent_block(problem, cost, options, stop_at=None):
    """Mutation: the block's incumbent (its column lower bounds without one) in place of its proven bound."""
    r = get_solver("highs").solve(dataclasses.replace(problem, cost=cost), options)
    x = r.x if r.x is not None else np.where(np.isfinite(problem.col_lower), problem.col_lower, 0.0)
    return float(cost @ x), x


def test_incumbents_in_place_of_proven_bounds_are_caught():
    m = model_of(uncoupled_portfolio())
    best = incumbent(m)
    part = partition(m.problem, site_labels(m))
    first = L.Settings(iterations=1, highs_options={"mip_max_nodes": 0})  # blocks stopped by a limit, without a plan
    honest = L.lagrangian_bound(m.problem, part, None, None, first)
    assert not below(honest.trace, best)  # no proven bound: +inf
    with mock.patch.object(L, "solve_block", incumbent_block):
        assert below(L.lagrangian_bound(m.problem, part, None, None, first).trace, best)


@pytest.mark.parametrize("lp", [False, True])
def test_the_step_in_this_process_gives_a_valid_bound(lp, monkeypatch):
    monkeypatch.setattr(bounding, "MAX_ITERATIONS", 2)
    m = model_of(small(3, 3, 2))
    best = incumbent(m)
    b = lagrange_step(m, best, lp_of(m) if lp else None, None, 1e-3, Parallel(dask=False))
    assert b is not None and not below(b.trace, best)
    assert lagrange_step(m, best, None, 1.0, 1e-7, Parallel(dask=False)) is None  # below MIN_BUDGET_S


def test_blocks_past_the_deadline_count_with_their_box_bound():
    m = model_of(small(3, 3, 2))
    part = partition(m.problem, site_labels(m))
    value, _ = L.evaluate(m.problem, part, np.zeros(part.num_coupling), L.serial, EXACT, stop_at=0.0)
    assert value >= incumbent(m) and np.isfinite(value)  # the propagated bounds keep every box finite
