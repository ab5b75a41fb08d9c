"""planner.solve.warm_start: a warm-started solve is a quick root proof, else the cold solve."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from planner import load_portfolio, plan
from planner.solve import warm_start
from planner.solve.run import PlanOptions
from solvers import SolveResult, SolveStatus

ROOT = Path(__file__).resolve().parent.parent


def _result(status: SolveStatus, objective: float | None = 10.0) -> SolveResult:
    x = None if objective is None else np.zeros(2)
    return SolveResult(status, "highs", "test", objective, 10.01, 1e-3, 1.0, "", x=x)


@pytest.fixture
def calls(monkeypatch):
    """The solves asked of planner.solve.run.solve_problem, answered from a queue of results."""
    record: list[dict] = []
    answers: list[SolveResult] = []

    def fake(problem, opts, deadline, start=None, label=""):
        record.append({"opts": opts, "start": start, "label": label})
        return answers.pop(0)

    monkeypatch.setattr(warm_start, "solve_problem", fake)
    return record, answers


def test_quick_proof_is_kept(calls):
    record, answers = calls
    answers.append(_result(SolveStatus.OPTIMAL))
    opts = PlanOptions(rel_gap=1e-3, highs_options={"threads": 1})
    start = np.ones(2)
    out = warm_start.solve_from_start(None, opts, None, start, "plan")
    assert out.status is SolveStatus.OPTIMAL
    assert len(record) == 1
    quick = record[0]
    assert quick["start"] is start
    assert quick["opts"].rel_gap == pytest.approx(1e-3 * warm_start.QUICK_GAP_SHARE)
    assert quick["opts"].highs_options == {"threads": 1, **warm_start.QUICK_OPTIONS}


def test_unproven_start_falls_back_to_the_cold_solve(calls):
    record, answers = calls
    answers += [_result(SolveStatus.FEASIBLE, 9.0), _result(SolveStatus.OPTIMAL, 10.0)]
    opts = PlanOptions(rel_gap=1e-3)
    out = warm_start.solve_from_start(None, opts, None, np.ones(2), "plan")
    assert [c["start"] for c in record[1:]] == [None]
    assert record[1]["opts"] is opts
    assert (out.status, out.objective) == (SolveStatus.OPTIMAL, 10.0)


def test_quick_plan_is_kept_when_the_cold_solve_finds_none(calls):
    _, answers = calls
    answers += [_result(SolveStatus.FEASIBLE, 9.0), _result(SolveStatus.NO_SOLUTION, None)]
    out = warm_start.solve_from_start(None, PlanOptions(), None, np.ones(2), "plan")
    assert (out.status, out.objective) == (SolveStatus.FEASIBLE, 9.0)


def test_other_solvers_solve_once_as_asked(calls):
    record, answers = calls
    answers.append(_result(SolveStatus.FEASIBLE))
    opts = PlanOptions(solver="cbc")
    warm_start.solve_from_start(None, opts, None, np.ones(2), "plan")
    assert len(record) == 1 and record[0]["opts"] is opts


def test_replanning_from_its_own_plan_keeps_the_plan_and_the_status():
    portfolio = load_portfolio(ROOT / "sites" / "hut8.yaml")
    cold = plan(portfolio, bau=False)
    warm = plan(portfolio, bau=False, warm_start=cold)
    assert cold.status == warm.status == "optimal"
    assert not warm.violations
    assert warm.solve["objective"] == pytest.approx(cold.solve["objective"], rel=1e-3)
    assert warm.gap <= 1e-3
