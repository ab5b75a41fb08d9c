"""Published optima: tenant placement reduced to capacitated facility location.

The reduction (planner.testing.cflp): one period (a year, undiscounted), no mining, PUE 1, free
energy, one committed tenant per customer, each site holding s_i / 1000 MW at a one-time
conversion cost f_i, per-site lease rates that turn dcplan's NPV into R sum_j d_j / 1000 minus the
instance's cost. Beasley's OR-Library optima (tests/data/cflp, see its README) must come back to a
relative 1e-7, through dcplan's own descriptors, loader and model; and the bare textbook
formulation that benchmarks/cflp.py times against dcplan must find them too.
"""

from __future__ import annotations

from pathlib import Path

import pulp
import pytest

from planner import plan
from planner.inputs import prepare
from planner.model import build_model
from planner.testing.cflp import bare_problem, cflp_portfolio, read_instance, read_optima, solve_bare
from solvers import SolveOptions, SolveStatus, get_solver

CFLP = Path(__file__).resolve().parent / "data" / "cflp"
OPTIMA = read_optima(CFLP / "optima.txt")


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_cflp_published_optimum(name):
    portfolio, revenue_at_par = cflp_portfolio(read_instance(CFLP / f"{name}.txt"))
    result = plan(portfolio, gap=1e-10, bau=False)
    assert result.status == "optimal"
    assert not result.violations
    assert revenue_at_par - result.npv_usd == pytest.approx(OPTIMA[name], rel=1e-7)


@pytest.mark.parametrize("strong", [True, False])
def test_bare_formulation_finds_cap41_optimum(strong):
    """The strong links change the relaxation, not the optimum: both forms reach Beasley's value."""
    prob = bare_problem(read_instance(CFLP / "cap41.txt"), strong=strong)
    optimal, cost = solve_bare(prob, 1e-10)
    assert optimal
    assert cost == pytest.approx(OPTIMA["cap41"], rel=1e-7)


def test_reader_keeps_the_costs_of_each_facility():
    """cap41: 16 facilities of capacity 5000 and 50 customers; customer 0's first cost is the file's."""
    inst = read_instance(CFLP / "cap41.txt")
    first = (CFLP / "cap41.txt").read_text().split()
    assert inst.cost.shape == (16, 50) and inst.capacity.tolist() == [5000.0] * 16
    assert inst.demand[0] == float(first[2 + 32]) and inst.cost[0, 0] == float(first[2 + 32 + 1])
    assert inst.cost[15, 0] == float(first[2 + 32 + 16])


@pytest.mark.parametrize("name", ["cap41", "cap114"])
def test_relaxation_is_the_strong_formulations(name):
    """dcplan's LP relaxation of the reduced case is the bare strong formulation's: hosts_power is
    sum_j d_j x_ij <= s_i y_i, tenant_at_hpc_site x_ij <= y_i. Without hosts_power the hall rows
    give the site every hall type's bound at once and the LP is weaker (cap41: cost 1,026,868.86
    against 1,040,444.38; cap114: 977,876.91 against 1,060,778.25)."""
    inst = read_instance(CFLP / f"{name}.txt")
    portfolio, revenue_at_par = cflp_portfolio(inst)
    lp = build_model(prepare(portfolio), "plan").problem.relaxed()
    ours = get_solver("highs").solve(lp, SolveOptions(rel_gap=1e-10))
    bare = bare_problem(inst)
    for v in bare.variables():
        v.cat = pulp.LpContinuous
    _, bare_cost = solve_bare(bare, 1e-10)
    assert ours.status is SolveStatus.OPTIMAL and bare_cost is not None
    assert revenue_at_par - ours.objective == pytest.approx(bare_cost, rel=1e-7)
