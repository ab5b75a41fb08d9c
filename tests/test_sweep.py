"""Scenario sweeps without Dask: factors, scenario-set descriptors, sampling, hashes, statistics.

The execution on Dask (local and separately started clusters, resume after a kill) is in
tests/test_sweep_dask.py. Factor checks are by hand: a multiplier of 1.5 on a start
hashprice of 40 $/PH/day gives 60.
"""

from __future__ import annotations

import dataclasses
import io
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner import portfolio_from_dict
from planner.describe.errors import InputError
from planner.sweep import FACTORS, apply_factors, expand, load_scenario_set, scenario_set_from_dict
from planner.sweep.cache import portfolio_digest, scenario_hash
from planner.sweep.expand import DEFAULT_DISTRIBUTIONS, Scenario, parse_vary, preflight, sample, short_form_set
from planner.sweep.progress import BarProgress, LineProgress, make_progress
from planner.sweep.scenarios import MAX_SAMPLES, Lognormal, Normal, Triangular, Uniform
from planner.sweep.stats import cvar
from planner.sweep.task import PlanSettings, run_scenario
from planner.testing.synthetic import portfolio_dict, site_dict, tenant_dict

DATA = Path(__file__).parent / "data" / "sweeps"
HASHPRICE = 40.0


def tiny_dict(**scenario_fields) -> dict:
    """Two sites, two optional offers, four yearly periods: plans in ~0.1 s."""
    sites = [site_dict("a", contract_mw=60, mining_mw=30), site_dict("b", contract_mw=40, mining_mw=20, lon=-99)]
    tenants = [
        tenant_dict("t1", ["a", "b"], it_mw=20, start_earliest="2027-01-01", start_latest="2027-01-01", term_months=36),
        tenant_dict("t2", ["b"], it_mw=10, start_earliest="2027-01-01", start_latest="2027-01-01", term_months=24),
    ]
    scenario = {"hashprice": {"usd_per_ph_day": HASHPRICE, "change_per_year": -0.1}, "cloud_max_it_mw": 10}
    return portfolio_dict("tiny", sites, tenants, periods=4, period="year", scenario=scenario | scenario_fields)


@pytest.fixture(scope="module")
def tiny():
    return portfolio_from_dict(tiny_dict(), Path("."))


def problems(exc: pytest.ExceptionInfo) -> list[tuple[str, str, str]]:
    return [(p.file, p.field, p.reason) for p in exc.value.problems]


# --------------------------------------------------------------------------- factors


def test_hashprice_multiplier_scales_the_start_price(tiny):
    out = apply_factors(tiny, {"hashprice": 1.5})
    assert out.spec.scenario.hashprice.usd_per_ph_day == pytest.approx(60.0)
    assert out.spec.scenario.hashprice.change_per_year == tiny.spec.scenario.hashprice.change_per_year
    assert out.spec.scenario.hashprice.halvings == tiny.spec.scenario.hashprice.halvings  # the halving stays


def test_btc_price_and_network_hashrate_cancel(tiny):
    assert apply_factors(tiny, {"btc_price": 2.0}).spec.scenario.hashprice.usd_per_ph_day == 80.0
    assert apply_factors(tiny, {"network_hashrate": 2.0}).spec.scenario.hashprice.usd_per_ph_day == 20.0
    both = apply_factors(tiny, {"btc_price": 2.0, "network_hashrate": 2.0})
    assert both.spec == tiny.spec
    assert portfolio_digest(both) == portfolio_digest(tiny)


@pytest.mark.parametrize(
    ("name", "value", "read", "expected"),
    [
        ("hashprice_drift", -0.3, lambda p: p.spec.scenario.hashprice.change_per_year, -0.3),
        ("lease_rate", 0.8, lambda p: p.spec.scenario.lease_rate_multiplier, 0.8),
        ("power_price", 1.2, lambda p: p.spec.scenario.power_price_multiplier, 1.2),
        ("power_escalation", 0.04, lambda p: p.spec.scenario.power_price_escalation_per_year, 0.04),
        ("capex", 1.3, lambda p: p.spec.scenario.capex_multiplier, 1.3),
        ("gpu_hour_price", 0.7, lambda p: p.spec.scenario.gpu_hour_multiplier, 0.7),
    ],
)
def test_each_factor_changes_its_field(tiny, name, value, read, expected):
    out = apply_factors(tiny, {name: value})
    assert read(out) == pytest.approx(expected)
    assert apply_factors(tiny, {name: FACTORS[name].base(tiny)}).spec == tiny.spec  # the base value changes nothing


def test_gpu_hour_decline_scales_every_rack(tiny):
    out = apply_factors(tiny, {"gpu_hour_decline": 1.5})
    for before, after in zip(tiny.catalog.racks, out.catalog.racks):
        assert after.gpu_hour_change_per_year == pytest.approx(1.5 * before.gpu_hour_change_per_year)
    fastest = min(r.gpu_hour_change_per_year for r in tiny.catalog.racks)  # e.g. -0.2: x 6 is a -120% change
    with pytest.raises(InputError) as exc:
        apply_factors(tiny, {"gpu_hour_decline": -1.05 / fastest})
    assert "gpu_hour_change_per_year" in exc.value.problems[0].reason


@given(st.floats(0.1, 10), st.floats(0.1, 10))
def test_multipliers_compose(a, b):
    pf = portfolio_from_dict(tiny_dict(lease_rate_multiplier=a), Path("."))
    out = apply_factors(pf, {"lease_rate": b})
    assert out.spec.scenario.lease_rate_multiplier == pytest.approx(a * b)


@pytest.mark.parametrize(
    ("values", "field", "reason"),
    [
        ({"hashprise": 1.0}, "factors.hashprise", "unknown factor"),
        ({"interest_rate": 0.05}, "factors.interest_rate", "not available until the financing"),
        ({"tenant_default_probability": 0.1}, "factors.tenant_default_probability", "not available until"),
        ({"hashprice": -0.5}, "factors.hashprice", "outside the valid range (0, inf)"),
        ({"capex": 0.0}, "factors.capex", "outside the valid range (0, inf)"),
        ({"power_price": -0.1}, "factors.power_price", "outside the valid range [0, inf)"),
        ({"hashprice_drift": 1.0}, "factors.hashprice_drift", "outside the valid range (-1, 1)"),
        ({"lease_rate": math.nan}, "factors.lease_rate", "not a finite number"),
    ],
)
def test_bad_factor_values_are_refused(tiny, values, field, reason):
    with pytest.raises(InputError) as exc:
        apply_factors(tiny, values, "set.yaml")
    assert [(p.file, p.field) for p in exc.value.problems] == [("set.yaml", field)]
    assert reason in exc.value.problems[0].reason


def test_a_placeholder_becomes_available_by_registering_it(tiny, monkeypatch):
    def update(docs, value):
        docs["spec"]["finance"]["discount_rate_per_year"] = value

    monkeypatch.setitem(
        FACTORS, "interest_rate", dataclasses.replace(FACTORS["interest_rate"], update=update, low=0.0, high=1.0)
    )
    assert apply_factors(tiny, {"interest_rate": 0.07}).spec.finance.discount_rate_per_year == 0.07


# --------------------------------------------------------------------------- descriptors


def test_bundled_sets_expand(tiny):
    oat = expand(load_scenario_set(DATA / "oat.yaml"), tiny)
    assert [s.id for s in oat] == ["base", "hashprice-0", "hashprice-1", "lease_rate-0", "lease_rate-1"]
    assert oat[0].values == {"hashprice": 1.0, "lease_rate": 1.0}
    assert oat[3].values == {"hashprice": 1.0, "lease_rate": 0.8} and oat[3].varied == "lease_rate"
    grid = expand(load_scenario_set(DATA / "grid.yaml"), tiny)
    assert len(grid) == 6 and all(s.values["power_price"] == 1.1 for s in grid)
    assert {(s.values["hashprice"], s.values["capex"]) for s in grid} == {
        (h, c) for h in (0.5, 1.0, 1.5) for c in (0.9, 1.3)
    }
    mc = expand(load_scenario_set(DATA / "monte_carlo.yaml"), tiny)
    assert (
        len(mc) == 50
        and mc[0].id == "mc00"
        and set(mc[0].values) == {"hashprice", "capex", "lease_rate", "power_escalation"}
    )


BAD = {
    "unknown_key": ("sample", "Extra inputs are not permitted"),
    "unknown_factor": ("factors.hashprise", "unknown factor"),
    "unavailable_factor": ("factors.interest_rate", "not available until"),
    "negative_multiplier": ("factors.lease_rate[1]", "outside the valid range (0, inf)"),
    "normal_untruncated": ("factors.hashprice", "give a lower truncation"),
    "uniform_below_zero": ("factors.capex", "includes -0.1, outside the valid range (0, inf)"),
    "drift_out_of_range": ("factors.hashprice_drift[1]", "outside the valid range (-1, 1)"),
    "too_many_samples": ("samples", "less than or equal to 10000"),
    "cvar_level_one": ("risk.cvar_level", "less than 1"),
    "cvar_level_zero": ("risk.cvar_level", "greater than 0"),
    "unknown_kind": ("kind", "does not match any of the expected tags"),
    "triangular_order": ("factors.capex", "low <= mode <= high"),
    "unknown_distribution": ("factors.capex.dist", "does not match any of the expected tags"),
    "grid_too_large": ("factors", "10100 combinations: more than the maximum 10000"),
    "not_a_mapping": ("<root>", "expected a mapping"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenario_sets_name_file_field_value_and_reason(case):
    path = DATA / "bad" / f"{case}.yaml"
    with pytest.raises(InputError) as exc:
        load_scenario_set(path)
    field, reason = BAD[case]
    assert len(exc.value.problems) == 1, exc.value
    p = exc.value.problems[0]
    assert (p.file, p.field) == (str(path), field) and reason in p.reason and p.value


def test_every_bad_case_has_a_file():
    assert {p.stem for p in (DATA / "bad").glob("*.yaml")} == set(BAD)


def test_a_value_that_invalidates_the_portfolio_is_refused_before_running(tiny):
    scenarios = [Scenario("s0", {"gpu_hour_decline": 1.0}), Scenario("s1", {"gpu_hour_decline": 20.0})]
    with pytest.raises(InputError) as exc:
        preflight(tiny, scenarios, "set.yaml")
    assert exc.value.problems[0].field == "factors.gpu_hour_decline"


# --------------------------------------------------------------------------- short form


def test_vary_is_a_grid_of_the_values():
    spec = short_form_set(["hashprice=0.5,1,1.5", "lease_rate=0.8,1.2"], None, 0)
    assert spec.kind == "grid" and spec.factors == {"hashprice": [0.5, 1.0, 1.5], "lease_rate": [0.8, 1.2]}


def test_samples_alone_use_the_default_ranges_and_with_vary_a_uniform_between_the_values():
    spec = short_form_set([], 20, 3)
    assert spec.kind == "monte_carlo" and set(spec.factors) == set(DEFAULT_DISTRIBUTIONS) and spec.seed == 3
    spec = short_form_set(["hashprice=0.5,1.5", "capex=1.1"], 20, 3)
    assert spec.factors["hashprice"] == Uniform(dist="uniform", low=0.5, high=1.5) and spec.base == {"capex": 1.1}


@pytest.mark.parametrize(
    ("vary", "samples", "field", "reason"),
    [
        (["hashprice"], None, "hashprice", "expected NAME=V1,V2"),
        (["hashprice=0.5,x"], None, "hashprice", "must be numbers"),
        (["hashprice=1", "hashprice=2"], None, "hashprice", "given twice"),
        (["hashprise=1,2"], None, "factors.hashprise", "unknown factor"),
        (["lease_rate=-1,1"], None, "factors.lease_rate[0]", "outside the valid range"),
        ([], MAX_SAMPLES + 1, "samples", "less than or equal to 10000"),
        ([], None, "<arguments>", "give a scenario set, --vary or --samples"),
    ],
)
def test_bad_short_forms_are_refused(vary, samples, field, reason):
    with pytest.raises(InputError) as exc:
        short_form_set(vary, samples, 0)
    assert exc.value.problems[0].field == field and reason in exc.value.problems[0].reason


def test_parse_vary_keeps_order():
    assert list(parse_vary(["capex=1", "hashprice=2,3"])) == ["capex", "hashprice"]


# --------------------------------------------------------------------------- sampling

DISTS = [
    Uniform(dist="uniform", low=0.8, high=1.2),
    Triangular(dist="triangular", low=0.9, mode=1.0, high=1.4),
    Normal(dist="normal", mean=0.02, sd=0.01, low=-0.02, high=0.03),
    Lognormal(dist="lognormal", median=1.0, sigma=0.3),
]


@pytest.mark.parametrize("d", DISTS, ids=lambda d: d.dist)
@given(seed=st.integers(0, 2**32), n=st.integers(1, 50), extra=st.integers(0, 50))
def test_samples_are_reproducible_prefix_stable_and_inside_the_support(d, seed, n, extra):
    a = sample(d, n + extra, seed, "capex")
    assert np.array_equal(a, sample(d, n + extra, seed, "capex"))  # same seed, same draws
    assert np.array_equal(a[:n], sample(d, n, seed, "capex"))  # the first n of N are the n
    lo, hi = (0.0, math.inf) if isinstance(d, Lognormal) else (d.low, d.high)
    assert ((a >= lo) & (a <= hi)).all()


def test_seeds_and_factors_draw_different_streams_and_adding_a_factor_changes_no_other(tiny):
    d = DISTS[0]
    assert not np.array_equal(sample(d, 10, 1, "capex"), sample(d, 10, 2, "capex"))
    assert not np.array_equal(sample(d, 10, 1, "capex"), sample(d, 10, 1, "lease_rate"))
    one = {"kind": "monte_carlo", "samples": 10, "seed": 5, "factors": {"capex": d.model_dump()}}
    two = one | {"factors": {"lease_rate": d.model_dump(), "capex": d.model_dump()}}
    a, b = expand(scenario_set_from_dict(one), tiny), expand(scenario_set_from_dict(two), tiny)
    assert [s.values["capex"] for s in a] == [s.values["capex"] for s in b]


def test_truncated_normal_matches_its_moments():
    x = sample(Normal(dist="normal", mean=1.0, sd=0.2, low=0.0), 20_000, 0, "hashprice")
    assert x.min() > 0 and abs(x.mean() - 1.0) < 0.01 and abs(x.std() - 0.2) < 0.01  # truncation at -5 sd: no effect


# --------------------------------------------------------------------------- hashes, task, statistics


def test_scenario_hash_changes_with_each_input(tiny):
    d = portfolio_digest(tiny)
    opts = PlanSettings().identity()
    h = scenario_hash(d, {"hashprice": 1.5}, opts, "0.1.0")
    assert h == scenario_hash(
        portfolio_digest(portfolio_from_dict(tiny_dict(), Path("."))), {"hashprice": 1.5}, opts, "0.1.0"
    )
    other = tiny_dict()
    other["sites"][1]["power_contracts"][0]["price_usd_per_mwh"] = 41.0
    changed = [
        scenario_hash(d, {"hashprice": 1.25}, opts, "0.1.0"),
        scenario_hash(portfolio_digest(portfolio_from_dict(other, Path("."))), {"hashprice": 1.5}, opts, "0.1.0"),
        scenario_hash(d, {"hashprice": 1.5}, PlanSettings(gap=1e-4).identity(), "0.1.0"),
        scenario_hash(d, {"hashprice": 1.5}, opts, "0.2.0"),
    ]
    assert h not in changed and len(set(changed)) == 4
    assert PlanSettings(threads=4).identity() == opts  # threads do not change a plan


def test_a_failing_scenario_is_recorded_not_raised(tiny, monkeypatch):
    import planner

    def broken(*args, **kwargs):
        raise ZeroDivisionError("on purpose")

    monkeypatch.setattr(planner, "plan", broken)
    record = run_scenario(tiny, Scenario("s0", {"hashprice": 1.0}), "h", PlanSettings())
    assert record["status"] == "error" and record["reason"] == "ZeroDivisionError: on purpose"


def test_cvar_by_hand():
    x = np.array([4.0, 1.0, 3.0, 2.0])
    assert cvar(x, 0.5) == pytest.approx(1.5)  # mean of the worst two
    assert cvar(x, 0.6) == pytest.approx((0.25 * 1 + 0.15 * 2) / 0.4)  # the second counted in part


@given(st.lists(st.floats(-1e9, 1e9), min_size=1, max_size=40), st.floats(0.01, 0.99))
def test_cvar_lies_between_the_minimum_and_the_mean(values, alpha):
    x = np.array(values)
    assert x.min() - 1e-6 * (1 + abs(x.min())) <= cvar(x, alpha) <= x.mean() + 1e-6 * (1 + abs(x.mean()))


# --------------------------------------------------------------------------- progress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_silent_when_quiet_plain_lines_off_a_terminal_and_a_bar_on_one():
    quiet = io.StringIO()
    p = make_progress(True, quiet)
    p.start(total=4, cached=0)
    p.advance(ok=True, count=4, running=0)
    p.finish()
    assert quiet.getvalue() == ""
    plain = io.StringIO()
    p = make_progress(False, plain)
    assert isinstance(p, LineProgress)
    p.every = 2
    p.start(total=5, cached=1)
    for ok in (True, False, True, True):
        p.advance(ok=ok, count=1, running=1)
    p.finish()
    lines = plain.getvalue().splitlines()
    assert lines[0] == "sweep: 5 scenarios, 1 already computed"
    assert lines[-1].startswith("sweep: done 4 (cached 1), failed 1, running 1 of 5; elapsed 0:00:0")
    assert len(lines) == 4  # the start, after 2 and 4 more finished, the end
    assert isinstance(make_progress(False, Tty()), BarProgress)
