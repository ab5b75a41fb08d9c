"""The registry of constraint families against the model, the validator and the diagnosis.

Fails when a family is built but not registered, registered but never built, built over other
dimensions than registered, re-tested by a validator check that does not exist, or when a
validator check is claimed by no family and no variable bound."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from planner import load_portfolio, portfolio_from_dict
from planner.inputs import prepare
from planner.model import build_model
from planner.model.algebra import P
from planner.model.builder import ModelBuilder
from planner.model.registry import BOUND_CHECKS, FAMILIES, PSEUDO_CHECKS, penalties, slack_scales
from planner.results.validator import check_names
from planner.testing.synthetic import portfolio_dict, site_dict, tenant_dict

ROOT = Path(__file__).resolve().parent.parent


def every_family_portfolio() -> dict:
    """Two sites, a tenant over both with a minimum block and renewals running past the horizon, a
    market, an operator's cloud market, a contract whose take-or-pay surplus is resold, a budget, a
    concentration cap and financing."""
    sites = [
        site_dict(
            "a",
            contract_mw=60.0,
            mining_mw=10.0,
            take_or_pay_share=0.5,
            upgrades=[{"id": "u", "mw": 20.0, "capex_usd": 1e6, "lead_time_months": 12}],
            air_capacity_mw=5.0,
        ),
        site_dict("b", contract_mw=40.0, mining_mw=0.0),
    ]
    sites[0]["power_contracts"][0]["resale_price_usd_per_mwh"] = 30.0
    tenants = [
        tenant_dict(
            "t",
            ["a", "b"],
            it_mw=30.0,
            max_sites=2,
            min_block_mw=5.0,
            term_months=48,  # past the horizon: its value after it depends on its path and sites
            renewals={"options": 1, "term_months": 12, "rate_factor": 0.9},
        ),
        tenant_dict("u", ["a"], it_mw=10.0),
        tenant_dict(
            "v",
            ["a", "b"],
            it_mw=5.0,
            max_sites=2,
            term_months=12,
            renewals={"options": 1, "term_months": 12, "rate_factor": 0.9},  # renewed inside the horizon
        ),
    ]
    data = portfolio_dict(
        "families",
        sites,
        tenants,
        periods=4,
        period="year",
        finance={"capex_budget_usd_per_period": 2e9, "concentration_cap": 0.9},
        scenario={"cloud_max_it_mw": 20.0},
    )
    data["operators"] = [{"id": "synthetic", "cloud_max_it_mw": 10.0}]
    data["financing"] = {  # every funding family: project debt with LTC, LTCV, DSCR; sculpted secured debt
        "facilities": [
            {"id": "p", "kind": "project", "operator": "synthetic", "size_usd": 5e8, "loan_to_cost": 0.8,
             "loan_to_contracted_value": 0.8, "draw_end": "2027-01-01", "maturity": "2029-06-01",
             "backing_tenants": ["t"]},
            {"id": "s", "kind": "secured", "operator": "synthetic", "size_usd": 1e8, "draw_end": "2027-01-01",
             "maturity": "2029-06-01", "amortisation": "sculpted"},
        ],
        "equity": [{"operator": "synthetic", "usd_per_year": 1e9}],
    }  # fmt: skip
    data["markets"] = [
        {
            "id": "m",
            "grids": ["synthetic"],
            "rate_usd_per_kw_month": 120.0,
            "max_it_mw": 20.0,
            "rack_type": "gb200-nvl72",
        }
    ]
    return data


@pytest.fixture(scope="module")
def models():
    ins = prepare(portfolio_from_dict(every_family_portfolio(), ROOT))
    exit_valued = every_family_portfolio()
    exit_valued["finance"]["terminal_value"] = "market"  # idle capacity valued at the end
    bundled = prepare(load_portfolio(ROOT / "sites" / "us-miners.yaml"))
    return [
        build_model(ins),
        build_model(prepare(portfolio_from_dict(exit_valued, ROOT))),
        build_model(ins, "bau"),
        build_model(bundled),
        build_model(ins, "plan", elastic=penalties(), slack_scale=slack_scales()),
    ]


def test_every_registered_family_is_built_and_every_built_family_is_registered(models):
    built = {b.family for m in models for b in m.builder.blocks if len(b.cells)}
    assert built == set(FAMILIES), (
        f"registered, never built: {sorted(set(FAMILIES) - built)}; "
        f"built, not registered: {sorted(built - set(FAMILIES))}"
    )


def test_families_are_built_over_their_registered_dimensions_and_rows_name_them(models):
    for m in models:
        names = m.builder.row_names()
        for b in m.builder.blocks:
            assert b.dims == FAMILIES[b.family].dims, b.family
            for i in range(min(3, len(b.cells))):
                name = names[b.first + i]
                assert name.startswith(b.family) and all(f"{d}=" in name for d in b.dims), name


def test_every_family_is_retested_by_an_existing_check():
    known = check_names()
    for f in FAMILIES.values():
        missing = [c for c in f.checks if c not in known and c not in PSEUDO_CHECKS]
        assert f.checks and not missing, f"family {f.name}: checks {missing} do not exist in the validator"


def test_every_validator_check_is_claimed():
    claimed = {c for f in FAMILIES.values() for c in f.checks} | set(BOUND_CHECKS)
    assert check_names() <= claimed, f"validator checks no family claims: {sorted(check_names() - claimed)}"
    assert set(BOUND_CHECKS) <= check_names(), f"bound checks not in the validator: {set(BOUND_CHECKS) - check_names()}"


def test_every_relaxed_family_has_a_unit_and_a_finite_penalty():
    for name, w in penalties().items():
        assert np.isfinite(w) and w >= 0 and FAMILIES[name].unit, name


def _builder() -> ModelBuilder:
    return ModelBuilder("t", {"site": 2, "period": 3}, {"site": ["a", "b"], "period": ["1", "2", "3"]})


def test_the_model_refuses_an_unregistered_family():
    m = _builder()
    x = m.var("x", "site period")
    with pytest.raises(KeyError, match="not in the registry"):
        m.constrain("no_such_family", x, "<=", 1.0)


def test_the_model_refuses_a_family_over_other_dimensions():
    m = _builder()
    x = m.var("x", "site period")
    with pytest.raises(ValueError, match="registered over"):
        m.constrain("budget", x, "<=", P([1.0, 2.0, 3.0], "period"))  # budget is over period alone


def test_bau_builds_no_tenant_rows():
    ins = prepare(portfolio_from_dict(copy.deepcopy(every_family_portfolio()), ROOT))
    bau = build_model(ins, "bau")
    assert not {b.family for b in bau.builder.blocks if len(b.cells)} & {"sign", "delivery", "block", "gpu_fleet"}
