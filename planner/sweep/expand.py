"""Scenario sets expanded into scenarios: one dict of factor values each, with a stable id.

- one_at_a_time: the base case (id ``base``), then factor by factor each listed value with
  the other factors at their base (ids ``<factor>-<i>``).
- grid: the full product of the listed values, in the order the factors are written (ids ``g<n>``).
- monte_carlo: ``samples`` independent draws (ids ``mc<n>``). Each factor draws from its own
  stream, seeded by ``(seed, crc32(factor name))``, so a factor's samples do not change when
  another factor is added, and the first n of N samples are the n samples of the same seed.
  A truncated normal is drawn by the inverse CDF: ``x = mu + sigma Phi^-1(Phi(a) + u (Phi(b) - Phi(a)))``,
  ``u ~ U(0, 1)``, ``a, b`` the standardised bounds.

The CLI short form (``--vary name=v1,v2,...``, ``--samples N --seed S``) builds the same sets:
``--vary`` alone is a grid of the given values; ``--samples`` alone is a Monte Carlo over
:data:`DEFAULT_DISTRIBUTIONS`; both together sample each named factor uniformly between the
smallest and largest value given (one value: fixed there).
"""

from __future__ import annotations

import itertools
import math
import statistics
import zlib
from dataclasses import dataclass, field

import numpy as np

from planner.describe.errors import InputError, Problem, short
from planner.describe.loading import Portfolio
from planner.sweep.factors import FACTORS, apply_factors
from planner.sweep.scenarios import (
    Grid,
    Lognormal,
    MonteCarlo,
    Normal,
    OneAtATime,
    Triangular,
    Uniform,
    normal_cdf_bounds,
    scenario_set_from_dict,
)

ScenarioSet = OneAtATime | Grid | MonteCarlo
VARY_FILE = "--vary"

DEFAULT_DISTRIBUTIONS: dict[str, dict[str, object]] = {
    # estimate: hashprice fell from $108.6 to under $50/PH/day in April 2024 and to ~$35-38 in late 2025
    "hashprice": {"dist": "triangular", "low": 0.5, "mode": 1.0, "high": 1.5},
    "hashprice_drift": {"dist": "uniform", "low": -0.25, "high": 0.05},  # estimate
    "lease_rate": {"dist": "triangular", "low": 0.8, "mode": 1.0, "high": 1.2},  # estimate
    "power_price": {"dist": "triangular", "low": 0.8, "mode": 1.0, "high": 1.3},  # estimate
    "power_escalation": {"dist": "uniform", "low": 0.0, "high": 0.04},  # estimate
    "capex": {"dist": "triangular", "low": 0.9, "mode": 1.0, "high": 1.4},  # estimate: overruns skew up
    "gpu_hour_price": {"dist": "triangular", "low": 0.6, "mode": 1.0, "high": 1.2},  # estimate
    "gpu_hour_decline": {"dist": "uniform", "low": 0.5, "high": 1.5},  # estimate
}
"""Monte Carlo ranges of ``--samples`` without ``--vary`` (all labelled estimate). BTC price
and network hashrate are left out: they act only through the starting hashprice, already drawn."""


@dataclass(frozen=True)
class Scenario:
    """One scenario: its id, the factor values it applies, and (one-at-a-time) the factor it moves."""

    id: str
    values: dict[str, float] = field(default_factory=dict)
    varied: str = ""


def expand(spec: ScenarioSet, portfolio: Portfolio) -> list[Scenario]:
    """The scenarios of a set; factors not listed in `base` start at their neutral value."""
    if isinstance(spec, OneAtATime):
        base = {n: spec.base.get(n, FACTORS[n].base(portfolio)) for n in spec.factors} | dict(spec.base)
        out = [Scenario("base", dict(base))]
        for name, values in spec.factors.items():
            out += [Scenario(f"{name}-{i}", base | {name: float(v)}, name) for i, v in enumerate(values)]
        return out
    if isinstance(spec, Grid):
        names = list(spec.factors)
        combos = itertools.product(*(spec.factors[n] for n in names))
        width = len(str(math.prod(len(v) for v in spec.factors.values()) - 1))
        return [
            Scenario(f"g{i:0{width}d}", dict(spec.base) | dict(zip(names, map(float, c)))) for i, c in enumerate(combos)
        ]
    draws = {name: sample(d, spec.samples, spec.seed, name) for name, d in spec.factors.items()}
    width = len(str(spec.samples - 1))
    return [
        Scenario(f"mc{i:0{width}d}", dict(spec.base) | {n: float(draws[n][i]) for n in draws})
        for i in range(spec.samples)
    ]


def sample(d: Uniform | Triangular | Normal | Lognormal, n: int, seed: int, name: str) -> np.ndarray:
    """`n` draws of `d` from the stream of factor `name` under `seed` (see the module docstring)."""
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    if isinstance(d, Uniform):
        return rng.uniform(d.low, d.high, n)
    if isinstance(d, Triangular):
        return rng.triangular(d.low, d.mode, d.high, n)
    if isinstance(d, Lognormal):
        return d.median * np.exp(d.sigma * rng.standard_normal(n))
    lo, hi = normal_cdf_bounds(d)
    inv = statistics.NormalDist(d.mean, d.sd).inv_cdf
    u = lo + rng.uniform(0.0, 1.0, n) * (hi - lo)
    x = np.array([inv(min(max(p, 1e-300), 1 - 1e-16)) for p in u])
    return np.clip(x, -np.inf if d.low is None else d.low, np.inf if d.high is None else d.high)


def preflight(portfolio: Portfolio, scenarios: list[Scenario], file: str) -> None:
    """Apply each factor alone at its smallest and largest value in `scenarios`, so that a
    value that makes the portfolio invalid is refused (InputError) before anything runs.
    Each factor changes its own fields monotonically, so the extremes cover every scenario."""
    names = {n for s in scenarios for n in s.values}
    problems: list[Problem] = []
    for name in sorted(names):
        values = [s.values[name] for s in scenarios if name in s.values]
        for v in sorted({min(values), max(values)}):
            try:
                apply_factors(portfolio, {name: v}, file)
            except InputError as exc:
                problems += [
                    Problem(p.file, f"factors.{name}" if p.field == "factors" else p.field, p.value, p.reason)
                    for p in exc.problems
                ]
    if problems:
        raise InputError(problems)


# --------------------------------------------------------------------------- CLI short form


def parse_vary(items: list[str]) -> dict[str, list[float]]:
    """``["hashprice=0.5,1,1.5", ...]`` -> ``{"hashprice": [0.5, 1.0, 1.5], ...}``; InputError on bad syntax."""
    out: dict[str, list[float]] = {}
    problems = []
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name or not text.strip():
            problems.append(
                Problem(
                    VARY_FILE, name or "<factor>", short(item), "expected NAME=V1,V2,... (e.g. hashprice=0.5,1,1.5)"
                )
            )
            continue
        if name in out:
            problems.append(Problem(VARY_FILE, name, short(item), "factor given twice"))
            continue
        try:
            out[name] = [float(v) for v in text.split(",")]
        except ValueError:
            problems.append(Problem(VARY_FILE, name, short(text), "values must be numbers separated by commas"))
    if problems:
        raise InputError(problems)
    return out


def short_form_set(vary: list[str], samples: int | None, seed: int) -> ScenarioSet:
    """The scenario set of the CLI short form (see the module docstring)."""
    values = parse_vary(vary)
    if samples is None:
        if not values:
            raise InputError([Problem(VARY_FILE, "<arguments>", "<none>", "give a scenario set, --vary or --samples")])
        return scenario_set_from_dict({"kind": "grid", "factors": values}, VARY_FILE)
    if not values:
        data: dict[str, object] = {
            "kind": "monte_carlo",
            "samples": samples,
            "seed": seed,
            "factors": DEFAULT_DISTRIBUTIONS,
        }
        return scenario_set_from_dict(data, "--samples")
    ranged = {n: {"dist": "uniform", "low": min(v), "high": max(v)} for n, v in values.items() if min(v) < max(v)}
    fixed = {n: v[0] for n, v in values.items() if min(v) == max(v)}
    if not ranged:
        raise InputError([Problem(VARY_FILE, "<arguments>", ", ".join(vary), "--samples needs a factor with a range")])
    data = {"kind": "monte_carlo", "samples": samples, "seed": seed, "factors": ranged, "base": fixed}
    return scenario_set_from_dict(data, VARY_FILE)
