"""The speed formulation: CDUs continuous in the planning MILP, made whole exactly after it.

planner.model.cooling keeps CDUs and each N+1 type's spare continuous, with one binary per
site for "cools by liquid"; planner.solve.whole_cdus makes them whole with every other
decision held, and solves the exact model from that plan where it misses the gap. The cases
are small and worked by hand: 2.5 MW N+1 CDUs at 1 M USD, 20 MW halls, liquid racks of 100 kW.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from planner import plan, portfolio_from_dict
from planner.inputs import prepare
from planner.model import build_model, builder
from planner.results.validator import validate
from planner.solve.run import PlanOptions, solve_problem
from planner.solve.whole_cdus import close_gap, exact_problem, misses_gap, whole_cdu_step
from planner.testing.catalogs import neutral_operating
from planner.testing.synthetic import portfolio_dict, site_dict, tenant_dict

CDU_MW, CDU_CAPEX = 2.5, 1e6
OPTS = PlanOptions(rel_gap=1e-9, bau=False)


def _cdu(cid: str, mw: float, capex: float) -> dict:
    return {
        "id": cid,
        "capacity_kw": mw * 1000,
        "footprint_m2": 1,
        "capex_usd": capex,
        "redundancy": "N+1",
        "life_years": 10,
        "source": "test",
    }


def _catalog(cdus: list[dict]) -> dict:
    rack = {
        "id": "liq",
        "it_kw": 100,
        "gpus": 1,
        "cooling": "liquid",
        "footprint_m2": 1.0,
        "capex_usd": 0.0,
        "gpu_hour_usd": 0.0,
        "gpu_hour_change_per_year": 0.0,
        "life_years": 10,
        "source": "test",
    }
    hall = {
        "id": "hall",
        "kind": "new_build",
        "it_mw": 20.0,
        "footprint_m2": 2000.0,
        "capex_usd_per_mw_it": 1e6,
        "lead_time_months": 0,
        "pue_liquid": 1.0,
        "pue_air": 1.0,
        "life_years": 20,
        "source": "test",
    }
    operating = neutral_operating()
    asic = {"id": "a", "th_per_s": 100, "watts": 1000, "price_usd": 0, "source": "test"}
    return {"racks": [rack], "cooling_units": cdus, "asics": [asic], "hall_modules": [hall], "operating": operating}


def _portfolio(it_mw: float = 19.95, cdus: list[dict] | None = None, sites: int = 1):
    """`sites` sites of 30 MW, each with one 4-year tenant of `it_mw` MW of liquid racks."""
    names = [f"s{i}" for i in range(sites)]
    site_list = [site_dict(n, asic="a", asic_watts=1000.0, mining_mw=0.0, contract_mw=30) for n in names]
    tenants = [
        tenant_dict(
            f"t{i}",
            [n],
            it_mw=it_mw,
            start_earliest="2026-01-01",
            start_latest="2026-01-01",
            rack_type="liq",
            power="included",
            rate_usd_per_kw_month=100.0,
            term_months=48,
        )
        for i, n in enumerate(names)
    ]
    data = portfolio_dict(
        "speed",
        site_list,
        tenants,
        periods=4,
        period="year",
        catalog=_catalog(cdus or [_cdu("cdu", CDU_MW, CDU_CAPEX)]),
        finance={"discount_rate_per_year": 0.0, "terminal_value": "none"},
        scenario={"power_price_escalation_per_year": 0.0},
    )
    return portfolio_from_dict(data, Path("."))


def _solve(problem):
    result = solve_problem(problem, OPTS, None)
    assert result.has_solution and result.x is not None
    return result


def test_planning_milp_keeps_cooling_continuous_and_exact_model_whole():
    model = build_model(prepare(_portfolio()))
    cool = model.cooling.integer_columns()
    assert len(cool) and not model.problem.integer[cool].any()
    assert model.problem.integer[model.cooling.liquid.columns()].all()
    assert exact_problem(model).integer[cool].all()


def test_relaxation_bounds_the_exact_model_within_one_cdu():
    """19.95 MW of liquid IT: exactly ceil(19.95 / 2.5) + 1 = 9 CDUs; the relaxation buys
    19.95 / 2.5 + 1 = 8.98, so its optimum is above the exact one by 0.02 CDU (20,000 USD)."""
    model = build_model(prepare(_portfolio()))
    relaxed, exact = _solve(model.problem), _solve(exact_problem(model))
    assert relaxed.objective == pytest.approx(exact.objective + 0.02 * CDU_CAPEX, abs=1.0)


def spares_where_liquid(model, x: np.ndarray) -> None:
    """Every site cooling liquid IT keeps at least one whole spare (sum of used over N+1 types)."""
    cdus, used = model.cooling.cdus.value(x), model.cooling.used.value(x)
    liquid_mw = (cdus * model.inputs.cdu.mw[None, :, None] - used * model.inputs.cdu.mw[None, :, None]).sum(axis=1)
    serving = liquid_mw > 1e-6
    assert np.all(used.sum(axis=1)[serving] >= 1 - 1e-6), "a site cools liquid IT with no whole spare"


def test_relaxation_keeps_a_whole_spare():
    model = build_model(prepare(_portfolio()))
    spares_where_liquid(model, _solve(model.problem).x)


def test_relaxation_without_cdu_spare_loses_the_spare(monkeypatch):
    """Mutation: without the cdu_spare rows, the relaxation spreads the spare thin and the check fails."""
    constrain = builder.ModelBuilder.constrain
    monkeypatch.setattr(
        builder.ModelBuilder,
        "constrain",
        lambda self, fam, *a, **k: None if fam == "cdu_spare" else constrain(self, fam, *a, **k),
    )
    model = build_model(prepare(_portfolio()))
    with pytest.raises(AssertionError, match="no whole spare"):
        spares_where_liquid(model, _solve(model.problem).x)


def test_whole_cdu_step_is_the_exact_optimum_for_the_plan():
    """Decisions held, the step buys 9 CDUs of 2.5 MW (8 working + 1 spare) from the start."""
    model = build_model(prepare(_portfolio()))
    x = whole_cdu_step(model, _solve(model.problem).x, OPTS, None)
    np.testing.assert_array_equal(np.rint(model.cooling.cdus.value(x))[0, 0], [9, 9, 9, 9])
    assert model.problem.objective_at(x) == pytest.approx(_solve(exact_problem(model)).objective, abs=1.0)


def test_whole_cdu_step_keeps_one_type_with_its_spare():
    """A 1.2 MW type beside the 2.5 MW one: the relaxation may mix them; the whole plan pays one
    spare per type it uses, and the validator finds nothing."""
    cdus = [_cdu("cdu", CDU_MW, CDU_CAPEX), _cdu("small", 1.2, 0.5e6)]
    pf = _portfolio(it_mw=21.0, cdus=cdus)
    ins = prepare(pf)
    model = build_model(ins)
    x = whole_cdu_step(model, _solve(model.problem).x, OPTS, None)
    counts = np.rint(model.cooling.cdus.value(x))
    assert np.allclose(counts, np.rint(counts))
    assert model.problem.objective_at(x) == pytest.approx(_solve(exact_problem(model)).objective, abs=1.0)


def test_close_gap_takes_the_exact_bound():
    """Where the whole-CDU plan misses a tight gap of the relaxation's bound, the exact solve proves it."""
    model = build_model(prepare(_portfolio()))
    first = _solve(model.problem)
    x = whole_cdu_step(model, first.x, OPTS, None)
    assert misses_gap(model, x, first.bound, 1e-9)
    closed = close_gap(model, first, x, OPTS, None)
    assert closed.bound == pytest.approx(model.problem.objective_at(x), abs=1.0)
    assert not misses_gap(model, closed.x, closed.bound, 1e-9)


@pytest.mark.parametrize("sites", [1, 3])
def test_optimal_means_optimal_for_the_plan_written(sites):
    p = plan(_portfolio(sites=sites), gap=1e-4, bau=False)
    assert p.status == "optimal"
    npv, bound = p.solve["objective"], p.solve["bound"]
    assert bound - npv <= max(1.0, 1e-4 * abs(npv)) * (1 + 1e-6)
    assert not validate(p.inputs, p.decisions)
    assert math.isclose(p.decisions.cdus[:, 0, -1].sum(), 9 * sites)


def test_restricted_problem_equals_the_problem_with_the_rest_held():
    """MatrixProblem.restricted: the cooling columns alone, the rest held, has the optimum of the
    whole exact problem with every other column fixed at the same values."""
    model = build_model(prepare(_portfolio(sites=2)))
    problem = exact_problem(model)
    x = _solve(model.problem).x
    held = np.where(problem.integer, np.rint(x), x)
    free = np.concatenate([model.cooling.integer_columns(), model.cooling.liquid.columns()])
    lower, upper = held.copy(), held.copy()
    lower[free], upper[free] = problem.col_lower[free], problem.col_upper[free]
    alone = _solve(problem.restricted(free, held))
    fixed = _solve(problem.with_bounds(lower, upper))
    assert alone.objective == pytest.approx(fixed.objective, abs=1.0)
    assert problem.restricted(free, held).num_cols == len(free)
