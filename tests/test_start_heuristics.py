"""benchmarks/start.py: each heuristic's plan is a feasible MIP start of the full MILP, the proof
from it reaches the cold solve's optimum within the gap, and a start that breaks a row is refused
(the proof's plan is feasible and worth the optimum, not the broken start's objective)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

from planner import portfolio_from_dict
from planner.inputs import prepare
from planner.model import Model, build_model
from planner.testing import strategies as S
from planner.testing.synthetic import random_portfolio
from solvers import SolveOptions, SolveStatus, get_solver

ROOT = Path(__file__).resolve().parent.parent
GAP = 1e-6
HEURISTICS = ("rens", "rens-suboff", "shift-suboff", "halls-ceil", "starts", "rf2")


def _start_module():
    spec = importlib.util.spec_from_file_location("benchmarks_start", ROOT / "benchmarks" / "start.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("benchmarks_start", module)
    spec.loader.exec_module(module)
    return module


start = _start_module()


def _model(d: dict) -> Model:
    return build_model(prepare(portfolio_from_dict(d, ROOT)), "plan")


def _cold(model: Model):
    return get_solver("highs").solve(model.problem, SolveOptions(rel_gap=GAP))


def _tol(value: float) -> float:
    return max(1.0, 2 * GAP * abs(value))


@pytest.fixture(scope="module")
def small() -> tuple[Model, object]:
    model = _model(random_portfolio(3, 3, seed=7, periods=24, name="start-small"))
    cold = _cold(model)
    assert cold.status is SolveStatus.OPTIMAL
    return model, cold


def _check_start(model: Model, cold, name: str) -> None:
    p = model.problem
    x = start.heuristic(model, name, GAP)
    if x is None:  # a neighbourhood may hold no plan; the benchmark reports "no start"
        return
    assert start.violation(p, x) <= 1e-6, f"{name}: the start breaks a row, a bound or an integrality"
    assert p.objective_at(x) <= cold.bound + _tol(cold.bound), f"{name}: a plan above the optimum's bound"
    proof = start.prove(p, x, GAP, "prove")
    assert proof.status is SolveStatus.OPTIMAL
    assert abs(proof.objective - cold.objective) <= _tol(cold.objective)
    assert start.violation(p, proof.x) <= 1e-6


@pytest.mark.parametrize("name", HEURISTICS)
def test_heuristic_plan_is_a_feasible_start_and_the_proof_reaches_the_optimum(small, name):
    model, cold = small
    _check_start(model, cold, name)


def test_a_start_that_breaks_a_row_is_refused(small):
    model, cold = small
    p = model.problem
    x = cold.x.copy()
    mining = model.mining.mw.columns()
    x[mining] = p.col_upper[mining] + 1e3  # mutation: every site mines beyond its power and bounds
    assert start.violation(p, x) > 1.0
    proof = start.prove(p, x, GAP, "prove")
    assert proof.status is SolveStatus.OPTIMAL
    assert start.violation(p, proof.x) <= 1e-6
    assert abs(proof.objective - cold.objective) <= _tol(cold.objective)
    assert abs(proof.objective - p.objective_at(x)) > _tol(cold.objective)


def test_violation_sees_a_broken_integrality(small):
    model, cold = small
    x = cold.x.copy()
    x[np.flatnonzero(model.problem.integer)[0]] += 0.5
    assert start.violation(model.problem, x) >= 0.5 - 1e-9


@settings(max_examples=5)
@given(d=S.portfolios(max_sites=3, max_tenants=3))
def test_rens_start_and_proof_on_generated_portfolios(d):
    model = _model(d)
    cold = _cold(model)
    if cold.status is not SolveStatus.OPTIMAL:
        return  # infeasible portfolios have no start to find
    _check_start(model, cold, "rens-suboff")
