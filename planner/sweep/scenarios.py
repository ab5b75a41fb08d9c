"""Scenario-set descriptors (YAML): which factors vary, and how.

Three kinds, each a pydantic v2 model that refuses unknown keys::

    kind: one_at_a_time          # the base case, then each factor alone over its values
    base: {lease_rate: 1.0}      # optional: fixed values (default: the neutral value)
    factors: {hashprice: [0.5, 1.5], capex: [0.8, 1.2]}

    kind: grid                   # every combination (full product), at most MAX_SCENARIOS
    factors: {hashprice: [0.5, 1, 1.5], lease_rate: [0.8, 1.2]}

    kind: monte_carlo            # `samples` seeded draws, factors independent
    samples: 200                 # at most MAX_SAMPLES
    seed: 7
    factors:
      hashprice: {dist: lognormal, median: 1.0, sigma: 0.3}
      capex: {dist: triangular, low: 0.9, mode: 1.0, high: 1.4}
      lease_rate: {dist: uniform, low: 0.8, high: 1.2}
      power_escalation: {dist: normal, mean: 0.02, sd: 0.01, low: -0.02, high: 0.06}  # truncated

An optional ``risk: {cvar_level: 0.9, weight: 0}`` names the CVaR level alpha in (0, 1)
(the sweep reports CVaR_alpha of NPV; the stochastic plan uses the weight lambda).

Factor names and values are checked against :mod:`planner.sweep.factors`: unknown names,
values outside a factor's range, and distributions whose support leaves it (a normal without
a lower truncation for a multiplier that must stay positive) are refused.
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

from planner.describe.errors import InputError, Problem, short
from planner.sweep.factors import FACTORS, Factor, factor_problem

MAX_SAMPLES = 10_000
"""Most Monte Carlo samples in one set (a sweep of 10,000 plans of seconds each is hours on a laptop)."""
MAX_SCENARIOS = 10_000
"""Most scenarios a grid or one-at-a-time set may expand to."""
MIN_TRUNCATED_MASS = 1e-6
"""A truncated normal must keep at least this much probability between its bounds."""

Finite = Annotated[float, Field(allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Uniform(_Strict):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: Finite
    high: Finite

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"low {self.low} must be below high {self.high}")
        return self


class Triangular(_Strict):
    """Triangular on [low, high] with its peak at `mode`."""

    dist: Literal["triangular"]
    low: Finite
    mode: Finite
    high: Finite

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(f"need low <= mode <= high and low < high, not {self.low}, {self.mode}, {self.high}")
        return self


class Normal(_Strict):
    """Normal(mean, sd), truncated to [low, high] where given (sampled by the inverse CDF)."""

    dist: Literal["normal"]
    mean: Finite
    sd: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    low: Finite | None = None
    high: Finite | None = None

    @model_validator(mode="after")
    def _mass(self) -> Normal:
        lo, hi = normal_cdf_bounds(self)
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low {self.low} must be below high {self.high}")
        if hi - lo < MIN_TRUNCATED_MASS:
            raise ValueError(f"the truncation [{self.low}, {self.high}] keeps almost no probability of this normal")
        return self


class Lognormal(_Strict):
    """exp(Normal(ln median, sigma)): positive, right-skewed; for multipliers."""

    dist: Literal["lognormal"]
    median: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    sigma: Annotated[float, Field(gt=0, le=3, allow_inf_nan=False)]


Distribution = Annotated[Uniform | Triangular | Normal | Lognormal, Field(discriminator="dist")]


class Risk(_Strict):
    """Risk measure: CVaR at level alpha (the mean of the worst 1 - alpha share of outcomes)."""

    cvar_level: Annotated[float, Field(gt=0, lt=1)] = Field(description="alpha, in (0, 1)")
    weight: Annotated[float, Field(ge=0, allow_inf_nan=False)] = Field(
        0.0, description="lambda, for the stochastic plan"
    )


class _SetBase(_Strict):
    name: str = ""
    base: dict[str, Finite] = Field({}, description="fixed factor values (default: each factor's neutral value)")
    risk: Risk | None = None


class OneAtATime(_SetBase):
    """Each factor moved alone through its values, the others at the base (1 + sum of the values' counts scenarios)."""

    kind: Literal["one_at_a_time"]
    factors: dict[str, Annotated[list[Finite], Field(min_length=1)]] = Field(min_length=1)

    @field_validator("factors")
    @classmethod
    def _size(cls, v: dict[str, list[float]]) -> dict[str, list[float]]:
        n = 1 + sum(len(x) for x in v.values())
        if n > MAX_SCENARIOS:
            raise ValueError(f"{n} scenarios: more than the maximum {MAX_SCENARIOS}")
        return v


class Grid(_SetBase):
    """Every combination of the factors' values."""

    kind: Literal["grid"]
    factors: dict[str, Annotated[list[Finite], Field(min_length=1)]] = Field(min_length=1)

    @field_validator("factors")
    @classmethod
    def _size(cls, v: dict[str, list[float]]) -> dict[str, list[float]]:
        n = math.prod(len(x) for x in v.values())
        if n > MAX_SCENARIOS:
            raise ValueError(f"{n} combinations: more than the maximum {MAX_SCENARIOS}")
        return v


class MonteCarlo(_SetBase):
    """Seeded random samples of the factors' distributions."""

    kind: Literal["monte_carlo"]
    samples: Annotated[int, Field(ge=1, le=MAX_SAMPLES)]
    seed: Annotated[int, Field(ge=0, lt=2**63)]
    factors: dict[str, Distribution] = Field(min_length=1)


ScenarioSetSpec = Annotated[OneAtATime | Grid | MonteCarlo, Field(discriminator="kind")]
_ADAPTER: TypeAdapter[OneAtATime | Grid | MonteCarlo] = TypeAdapter(ScenarioSetSpec)


def normal_cdf_bounds(d: Normal) -> tuple[float, float]:
    """Phi(a), Phi(b) of the standardised truncation bounds (0 and 1 where not truncated)."""
    z = statistics.NormalDist()
    lo = 0.0 if d.low is None else z.cdf((d.low - d.mean) / d.sd)
    hi = 1.0 if d.high is None else z.cdf((d.high - d.mean) / d.sd)
    return lo, hi


def support(d: Uniform | Triangular | Normal | Lognormal) -> tuple[float, float, bool]:
    """(lowest, highest, lowest excluded) value a distribution can draw."""
    if isinstance(d, Lognormal):
        return 0.0, math.inf, True
    if isinstance(d, Normal):
        return (-math.inf if d.low is None else d.low), (math.inf if d.high is None else d.high), d.low is None
    return d.low, d.high, False


# --------------------------------------------------------------------------- loading and checks


def load_scenario_set(path: str | Path) -> OneAtATime | Grid | MonteCarlo:
    """Read and validate a scenario-set file; raise InputError listing every problem."""
    file = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text())
    except OSError as exc:
        raise InputError([Problem(file, "<file>", file, f"cannot read: {exc.strerror or exc}")]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(file, "<yaml>", "<yaml>", f"YAML syntax error: {exc}")]) from None
    return scenario_set_from_dict(data, file)


def scenario_set_from_dict(data: Any, file: str = "<scenario set>") -> OneAtATime | Grid | MonteCarlo:
    """Validate a scenario set given as plain data (`file` names it in errors)."""
    if not isinstance(data, dict):
        raise InputError([Problem(file, "<root>", short(data), "expected a mapping of keys")])
    try:
        spec = _ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise InputError([_problem(err, file) for err in exc.errors()]) from None
    problems = check_factors(spec, file)
    if problems:
        raise InputError(problems)
    return spec


_TAGS = ("one_at_a_time", "grid", "monte_carlo", "uniform", "triangular", "normal", "lognormal")


def _problem(err: Any, file: str) -> Problem:
    """A pydantic error as a Problem: the field path without union tags, the value, the reason."""
    parts = [str(p) for p in err["loc"] if p not in _TAGS]
    value = "<missing>" if err["type"] == "missing" else short(err.get("input"))
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        key = str(err.get("ctx", {}).get("discriminator", "")).strip("'")
        parts.append(key)
        tag = err["input"].get(key) if isinstance(err.get("input"), dict) else None
        value = "<missing>" if tag is None else short(tag)
    reason = str(err["msg"]).removeprefix("Value error, ")
    return Problem(file, ".".join(parts) or "<root>", value, reason)


def check_factors(spec: OneAtATime | Grid | MonteCarlo, file: str) -> list[Problem]:
    """Every factor named in `spec` is registered and available, and each value (or
    distribution's support) lies inside the factor's range."""
    problems = []
    for section, entries in (("base", spec.base), ("factors", spec.factors)):
        for name, entry in entries.items():
            problem = factor_problem(name, file, f"{section}.{name}")
            if problem is not None:
                problems.append(problem)
                continue
            f = FACTORS[name]
            if isinstance(entry, (int, float)):
                problems += _value_problems(f, [entry], file, f"{section}.{name}")
            elif isinstance(entry, list):
                problems += _value_problems(f, entry, file, f"{section}.{name}", indexed=True)
            else:
                problems += _support_problems(f, entry, file, f"{section}.{name}")
    return problems


def _value_problems(f: Factor, values: list[float], file: str, field: str, indexed: bool = False) -> list[Problem]:
    out = []
    for i, v in enumerate(values):
        reason = f.value_problem(v)
        if reason is not None:
            out.append(Problem(file, f"{field}[{i}]" if indexed else field, short(v), reason))
    return out


def _support_problems(f: Factor, d: Uniform | Triangular | Normal | Lognormal, file: str, field: str) -> list[Problem]:
    lo, hi, lo_open = support(d)
    out = []
    if f.low is not None and (lo < f.low or (lo == f.low and f.low_open and not lo_open)):
        what = "reaches" if math.isinf(lo) else "includes"
        hint = " (give a lower truncation, low)" if isinstance(d, Normal) and d.low is None else ""
        out.append(
            Problem(
                file,
                field,
                short(d.model_dump()),
                f"a {d.dist} distribution {what} {lo:g}, outside the valid range {f.range_text()}{hint}",
            )
        )
    if f.high is not None and (hi > f.high or (hi == f.high and f.high_open)):
        hint = " (give an upper truncation, high)" if isinstance(d, Normal) and d.high is None else ""
        out.append(
            Problem(
                file,
                field,
                short(d.model_dump()),
                f"a {d.dist} distribution reaches {hi:g}, outside the valid range {f.range_text()}{hint}",
            )
        )
    return out
