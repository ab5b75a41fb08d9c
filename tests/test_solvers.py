"""The solver adapters report honest results with HiGHS and CBC, on PuLP 3 and PuLP 4."""

from __future__ import annotations

import json
import logging
import math
import random
import sys
from pathlib import Path

import pulp
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from solvers import (  # noqa: E402
    SolveOptions,
    SolveResult,
    SolverUnavailable,
    SolveStatus,
    available_solvers,
    base,  # noqa: E402
    get_solver,
)
from solvers.cbc import CbcLog  # noqa: E402

SOLVERS = available_solvers()
pytestmark = pytest.mark.skipif(not SOLVERS, reason="no solver installed")
MAX, MIN = pulp.LpMaximize, pulp.LpMinimize


@pytest.fixture(params=["highs", "cbc"])
def solver(request):
    if request.param not in SOLVERS:
        pytest.skip(f"{request.param} not available")
    return get_solver(request.param)


def check_honest(r: SolveResult, sense: int, rel_gap: float = 1e-4) -> None:
    """Invariants every result must satisfy, whatever the solver said."""
    maximize = sense == MAX
    assert r.has_solution == (r.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE))
    if not r.has_solution:
        assert r.objective is None and r.gap is None and r.values == {}
        return
    assert r.objective is not None and math.isfinite(r.objective) and r.values
    if r.bound is not None:
        assert (r.bound >= r.objective - 1e-9) if maximize else (r.bound <= r.objective + 1e-9)
        assert r.gap == pytest.approx(abs(r.bound - r.objective) / max(1e-9, abs(r.objective)))
    if r.status is SolveStatus.OPTIMAL:
        assert r.bound is not None and r.gap is not None
        assert abs(r.bound - r.objective) <= max(base.ABS_GAP_TOL, rel_gap * abs(r.objective)) * (1 + 1e-9)


# ------------------------------------------------------------------------ models


def small_max():
    """max 5x + 4y + 3z + 10 s.t. 2x+3y+z <= 5, 4x+y+2z <= 11, 3x+4y+2z <= 8; optimum 23 at (2, 0, 1)."""
    p = pulp.LpProblem("small_max", MAX)
    x, y, z = (p.add_variable(n, 0, None, pulp.LpInteger) for n in "xyz")
    p += 5 * x + 4 * y + 3 * z + 10
    p += 2 * x + 3 * y + z <= 5, "c1"
    p += 4 * x + y + 2 * z <= 11, "c2"
    p += 3 * x + 4 * y + 2 * z <= 8, "c3"
    return p, {"x": 2, "y": 0, "z": 1}, 23.0


def small_min():
    """min 3a + 2b - 1 s.t. a + b >= 4, a + 3b >= 6, b <= 3; optimum 8 at (1, 3)."""
    p = pulp.LpProblem("small_min", MIN)
    a = p.add_variable("a", 0, 10, pulp.LpInteger)
    b = p.add_variable("b", 0, 3, pulp.LpInteger)
    p += 3 * a + 2 * b - 1
    p += a + b >= 4, "cover"
    p += a + 3 * b >= 6, "weighted"
    return p, {"a": 1, "b": 3}, 8.0


def hard_knapsack(n=80, m=10, seed=7, sense=MAX):
    """Strongly correlated multi-dimensional knapsack: neither solver proves it in seconds."""
    rnd = random.Random(seed)
    p = pulp.LpProblem("mdk", sense)
    x = [p.add_variable(f"x_{i}", cat=pulp.LpBinary) for i in range(n)]
    w = [[rnd.randint(20, 100) for _ in range(n)] for _ in range(m)]
    v = [sum(w[k][i] for k in range(m)) / m + rnd.randint(-5, 5) for i in range(n)]
    sign = 1 if sense == MAX else -1
    p += sign * pulp.lpSum(v[i] * x[i] for i in range(n))
    for k in range(m):
        p += pulp.lpSum(w[k][i] * x[i] for i in range(n)) <= sum(w[k]) // 2, f"cap_{k}"
    return p


def facility(n_sites=12, n_clients=40, seed=3):
    """Capacitated facility location (min cost), solved in well under a second."""
    rnd = random.Random(seed)
    p = pulp.LpProblem("facility", MIN)
    y = [p.add_variable(f"open_{i}", cat=pulp.LpBinary) for i in range(n_sites)]
    x = [[p.add_variable(f"x_{i}_{j}", 0, 1) for j in range(n_clients)] for i in range(n_sites)]
    dem = [rnd.randint(1, 5) for _ in range(n_clients)]
    cap = [rnd.randint(15, 40) for _ in range(n_sites)]
    cost = [[rnd.uniform(1, 100) * dem[j] for j in range(n_clients)] for _ in range(n_sites)]
    p += pulp.lpSum(rnd.randint(200, 600) * y[i] for i in range(n_sites)) + pulp.lpSum(
        cost[i][j] * x[i][j] for i in range(n_sites) for j in range(n_clients)
    )
    for j in range(n_clients):
        p += pulp.lpSum(x[i][j] for i in range(n_sites)) == 1, f"serve_{j}"
    for i in range(n_sites):
        p += pulp.lpSum(dem[j] * x[i][j] for j in range(n_clients)) <= cap[i] * y[i], f"cap_{i}"
    return p


# -------------------------------------------------------------------- solves


@pytest.mark.parametrize("make", [small_max, small_min], ids=["max", "min"])
def test_known_optimum(solver, make):
    p, expected, optimum = make()
    r = solver.solve(p, SolveOptions())
    assert r.status is SolveStatus.OPTIMAL, r.message
    assert r.solver == solver.name and r.solver_version
    assert r.objective == pytest.approx(optimum)
    assert r.bound == pytest.approx(optimum)
    assert r.gap == pytest.approx(0, abs=1e-9)
    assert {k: round(v) for k, v in r.values.items()} == expected
    for v in p.variables():  # the solution is also on the PuLP variables
        assert v.varValue == pytest.approx(r.values[v.name])
    check_honest(r, p.sense)


def small_lp(scale: float = 1.0) -> pulp.LpProblem:
    """max scale (3a + 2b) + 7 s.t. a + b <= 4, a + 3b <= 7, a <= 3: optimum at (3, 1), where
    c1 and c3 bind with duals 2 scale and 1 scale (c2 does not)."""
    p = pulp.LpProblem("lp", MAX)
    a, b = p.add_variable("a", 0), p.add_variable("b", 0)
    p += scale * 3 * a + scale * 2 * b + 7
    p += a + b <= 4, "c1"
    p += a + 3 * b <= 7, "c2"
    p += a <= 3, "c3"
    return p


def test_pure_lp_bound_equals_objective(solver):
    r = solver.solve(small_lp(), SolveOptions())
    assert r.status is SolveStatus.OPTIMAL
    assert r.objective == pytest.approx(18.0)
    assert r.bound == r.objective and r.gap == 0
    assert r.values == pytest.approx({"a": 3.0, "b": 1.0})


@pytest.mark.parametrize("lp_method", [None, "simplex", "ipm"])
def test_lp_with_usd_sized_costs_is_reported_unscaled(solver, lp_method):
    """Costs of ~1e7 (HiGHS scales such LPs' objective internally): the objective, values
    and duals come back in the model's own units, by either LP algorithm."""
    p = small_lp(1e7)
    r = solver.solve(p, SolveOptions(lp_method=lp_method))
    assert r.status is SolveStatus.OPTIMAL
    assert r.objective == pytest.approx(1e7 * 11 + 7, rel=1e-9)
    assert r.values == pytest.approx({"a": 3.0, "b": 1.0})
    if solver.name == "highs":  # duals written back, in USD per unit
        assert p.get_constraint_by_name("c1").pi == pytest.approx(2e7, rel=1e-6)
        assert p.get_constraint_by_name("c3").pi == pytest.approx(1e7, rel=1e-6)


def test_infeasible(solver):
    p = pulp.LpProblem("infeasible", MIN)
    a, b = (p.add_variable(n, 0, 10, pulp.LpInteger) for n in "ab")
    p += a + b
    p += a + b >= 30, "too_much"
    r = solver.solve(p, SolveOptions())
    assert r.status is SolveStatus.INFEASIBLE
    check_honest(r, p.sense)


def test_integer_infeasible(solver):
    p = pulp.LpProblem("int_infeasible", MIN)
    a = p.add_variable("a", 0, 10, pulp.LpInteger)
    p += a
    p += 2 * a == 3, "odd"
    assert solver.solve(p, SolveOptions()).status is SolveStatus.INFEASIBLE


@pytest.mark.parametrize("cat", [pulp.LpInteger, pulp.LpContinuous])
def test_unbounded(solver, cat):
    p = pulp.LpProblem("unbounded", MAX)
    a = p.add_variable("a", 0, None, cat)
    b = p.add_variable("b", 0, None)
    p += a + b
    p += a - b <= 3, "c1"
    r = solver.solve(p, SolveOptions())
    assert r.status is SolveStatus.UNBOUNDED, r.message
    check_honest(r, p.sense)


def test_unbounded_relaxation_but_integer_infeasible(solver):
    """CBC calls this "unbounded" and HiGHS "infeasible or unbounded"; it is infeasible."""
    p = pulp.LpProblem("trap", MAX)
    a = p.add_variable("a", 0, None, pulp.LpInteger)
    b = p.add_variable("b", 0, None)
    p += a + b
    p += a - b <= 3, "c1"
    p += 2 * a == 3, "odd"
    r = solver.solve(p, SolveOptions())
    assert r.status is SolveStatus.INFEASIBLE, r.message


def test_constant_objective_feasibility_problem(solver):
    p = pulp.LpProblem("feasibility", MIN)
    a = p.add_variable("a", 0, 5, pulp.LpInteger)
    p += a >= 2, "lo"
    r = solver.solve(p, SolveOptions())
    assert r.status is SolveStatus.OPTIMAL
    assert r.objective == pytest.approx(0.0)
    assert 2 <= r.values["a"] <= 5


def test_constant_objective_without_variables(solver):
    p = pulp.LpProblem("empty", MAX)
    p += pulp.lpSum([]) + 5
    r = solver.solve(p, SolveOptions())
    assert r.status is SolveStatus.OPTIMAL and r.objective == pytest.approx(5.0) and r.bound == pytest.approx(5.0)


def test_duplicate_variable_names_are_an_error(solver):
    p = pulp.LpProblem("dup", MIN)
    a, b = p.add_variable("a", 0, 1), p.add_variable("a", 0, 2)
    p += a + b
    p += a + b >= 1, "c"
    r = solver.solve(p, SolveOptions())
    assert r.status is SolveStatus.ERROR and "Repeated variable names" in r.message


@pytest.mark.parametrize("sense", [MAX, MIN], ids=["max", "min"])
def test_time_limit_is_never_reported_optimal(solver, sense):
    p = hard_knapsack(sense=sense)
    opts = SolveOptions(time_limit_s=0.1)
    r = solver.solve(p, opts)
    assert r.status in (SolveStatus.FEASIBLE, SolveStatus.NO_SOLUTION), (r.status, r.message)
    check_honest(r, sense, opts.rel_gap)
    if r.status is SolveStatus.FEASIBLE:
        assert r.values
        assert r.gap is None or r.gap > opts.rel_gap  # nothing it reports proves optimality
        assert sum(r.values.values()) > 0
    json.dumps(r.to_dict())


def test_loose_gap_is_optimal_within_that_gap(solver):
    p = facility()
    opts = SolveOptions(rel_gap=0.05)
    r = solver.solve(p, opts)
    assert r.status is SolveStatus.OPTIMAL
    check_honest(r, MIN, opts.rel_gap)
    assert r.bound <= r.objective and r.gap <= 0.05


def test_same_optimum_from_both_solvers():
    if len(SOLVERS) < 2:
        pytest.skip("needs both solvers")
    results = [get_solver(name).solve(facility(), SolveOptions(rel_gap=0)) for name in ("highs", "cbc")]
    assert all(r.status is SolveStatus.OPTIMAL for r in results)
    assert results[0].objective == pytest.approx(results[1].objective, rel=1e-6)


def test_warm_start_is_used(solver, tmp_path, caplog):
    p, expected, optimum = small_max()
    log_path = tmp_path / "solver.log"
    start = {**{k: float(v) for k, v in expected.items()}, "no_such_var": 1.0}
    with caplog.at_level(logging.WARNING):
        r = solver.solve(p, SolveOptions(warm_start=start, log_path=str(log_path), threads=1))
    assert r.status is SolveStatus.OPTIMAL and r.objective == pytest.approx(optimum)
    assert "no_such_var" in caplog.text
    text = log_path.read_text()
    marker = {"highs": "MIP start solution is feasible", "cbc": "MIPStart provided solution"}[solver.name]
    assert marker in text


def test_quiet_by_default(solver, capfd, tmp_path):
    p, _, _ = small_max()
    solver.solve(p, SolveOptions(threads=1))
    solver.solve(small_min()[0], SolveOptions(log_path=str(tmp_path / "quiet.log")))
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert "Optimal" in (tmp_path / "quiet.log").read_text()  # the log went to the file only


def test_result_to_dict_is_json_without_values(solver):
    p, _, _ = small_min()
    d = solver.solve(p, SolveOptions()).to_dict()
    assert "values" not in d
    assert json.loads(json.dumps(d))["status"] == "optimal"
    assert set(d) >= {"status", "solver", "solver_version", "objective", "bound", "gap", "solve_seconds", "message"}


# --------------------------------------------------------- honesty rules, unit


def _result(status, objective, bound, maximize=False, rel_gap=1e-4):
    return base.make_result(
        status=status,
        solver="test",
        solver_version="0",
        maximize=maximize,
        objective=objective,
        bound=bound,
        rel_gap=rel_gap,
        solve_seconds=0.0,
        message="Optimal",
        values={"x": 1.0},
    )


def test_optimal_with_wide_gap_is_downgraded():
    r = _result(SolveStatus.OPTIMAL, 100.0, 90.0)  # what PuLP 3 reports after a time limit
    assert r.status is SolveStatus.FEASIBLE and r.gap == pytest.approx(0.1)
    assert _result(SolveStatus.OPTIMAL, 100.0, 99.995).status is SolveStatus.OPTIMAL
    assert _result(SolveStatus.OPTIMAL, 0.0, -1e-7).status is SolveStatus.OPTIMAL  # absolute tolerance
    assert _result(SolveStatus.OPTIMAL, 100.0, None).status is SolveStatus.FEASIBLE  # unproven


def test_bound_on_wrong_side_is_dropped():
    r = _result(SolveStatus.FEASIBLE, 100.0, 90.0, maximize=True)
    assert r.bound is None and r.gap is None
    r = _result(SolveStatus.FEASIBLE, 100.0, 100.0 - 1e-8, maximize=True)  # rounding: clamped
    assert r.bound == 100.0 and r.gap == 0.0


def test_no_solution_has_no_objective_or_values():
    r = _result(SolveStatus.NO_SOLUTION, 5.0, 3.0)
    assert r.objective is None and r.values == {} and r.bound == 3.0 and not r.has_solution


def test_options_are_validated():
    with pytest.raises(ValueError):
        SolveOptions(time_limit_s=0)
    with pytest.raises(ValueError):
        SolveOptions(rel_gap=-1)
    with pytest.raises(ValueError):
        SolveOptions(threads=0)
    with pytest.raises(ValueError):
        SolveOptions(lp_method="barrier")


def test_registry(monkeypatch):
    assert get_solver("auto").name == SOLVERS[0]
    with pytest.raises(SolverUnavailable, match="unknown solver"):
        get_solver("gurobi")
    from solvers.highs import HighsSolver

    monkeypatch.setattr(HighsSolver, "available", staticmethod(lambda: False))
    with pytest.raises(SolverUnavailable, match="highspy"):
        get_solver("highs")
    if "cbc" in SOLVERS:
        assert get_solver("auto").name == "cbc"


# ----------------------------------------------------------- CBC log parsing

CBC_310_MAX_STOPPED = """\
Welcome to the CBC MILP Solver
Version: 2.10.3
Build Date: Dec 15 2019
command line - cbc /tmp/x-pulp.mps -max -sec 0.3 -timeMode elapsed -solve -printingOptions all
Cbc0020I Exiting on maximum time
Cbc0005I Partial search - best objective 63546.859 (best possible 63487.893), took 0 iterations and 0 nodes (0.28 seconds)
Result - Stopped on time limit

Objective value:                -63546.85869048
Upper bound:                    -63487.893
Gap:                            -0.00
"""

CBC_DEVEL_GAP = """\
Version: Devel (unstable)
Build Date: Mar 23 2026
Cbc0011I Exiting as integer gap of 19.949316 less than 1e-12 or 5%
Cbc0001I Search completed - best objective 39296.91093024386, took 0 iterations and 0 nodes (0.21 seconds)
Result - Optimal solution found (within gap tolerance)

Objective value:                39296.9109302
Lower bound:                    39277
Gap:                            0.000507914
"""

CBC_DEVEL_NO_SOLUTION = """\
Version: Devel (unstable)
Cbc0005I Partial search - best objective 1e+50 (best possible 63487.893), took 0 iterations and 0 nodes (0.60 seconds)
Result - Stopped on time limit

Lower bound:                    63487.9
"""

CBC_LP = """\
Version: 2.10.3
Optimal objective 11 - 1 iterations time 0.002, Presolve 0.00
"""


def test_cbc_log_stopped_max():
    log = CbcLog.parse(CBC_310_MAX_STOPPED)
    assert log.version == "2.10.3 (Dec 15 2019)"
    assert log.message == "Stopped on time limit" and not log.says_optimal
    assert log.abs_gap() == pytest.approx(63546.859 - 63487.893)


def test_cbc_log_gap_tolerance():
    log = CbcLog.parse(CBC_DEVEL_GAP)
    assert log.says_optimal and log.abs_gap() == pytest.approx(19.949316)


def test_cbc_log_without_incumbent():
    log = CbcLog.parse(CBC_DEVEL_NO_SOLUTION)
    assert log.partial == (1e50, 63487.893) and log.abs_gap() is None
    assert not log.says_optimal


def test_cbc_log_bound_past_incumbent_is_unknown():
    # CBC "Devel" stopped by the time limit inside the root cut loop (min sense)
    text = (
        "Cbc0005I Partial search - best objective -2426.9 (best possible 1.697111e+08), took 46 iterations\n"
        "Result - Stopped on time limit\n"
        "Objective value:                -2426.9\n"
        "Lower bound:                    -2426.9\n"
        "Gap:                            0\n"
    )
    assert CbcLog.parse(text).abs_gap() is None


def test_cbc_log_pure_lp():
    log = CbcLog.parse(CBC_LP)
    assert log.says_optimal and log.message == "Optimal" and log.abs_gap() is None
