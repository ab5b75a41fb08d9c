"""Named uncertainty factors, each a map from one number to a changed portfolio.

A factor is either a *multiplier* (the portfolio's figure times the value; 1 leaves it as it
is, and it composes with a multiplier the portfolio already states) or an *absolute* value
(it replaces the portfolio's figure). Each states the range a value must lie in; a value
outside it, or one that would make a descriptor field invalid (a negative price, a drift of
-100% a year), is refused with the field and the reason.

Registered factors and what they change:

- ``hashprice`` (multiplier > 0): the starting hashprice ``scenario.hashprice.usd_per_ph_day``.
- ``hashprice_drift`` (absolute, in (-1, 1)): its annual drift ``scenario.hashprice.change_per_year``.
- ``btc_price`` (multiplier > 0) and ``network_hashrate`` (multiplier > 0): hashprice is
  revenue per unit of hash, ``hp = (subsidy + fees) x BTC price / network hashrate``, so the
  starting hashprice is multiplied by ``btc_price / network_hashrate``; the halvings (which halve
  the subsidy share, ``1 - fee_share``) act on top, as in the base path.
- ``lease_rate`` (multiplier > 0): every tenant offer's rate (``scenario.lease_rate_multiplier``).
- ``power_price`` (multiplier >= 0): every contract's $/MWh (``scenario.power_price_multiplier``).
- ``power_escalation`` (absolute, in (-0.5, 0.5)): ``scenario.power_price_escalation_per_year``;
  contracts that state their own ``escalation_per_year`` keep it.
- ``capex`` (multiplier > 0): every capital cost (``scenario.capex_multiplier``).
- ``gpu_hour_price`` (multiplier > 0): the self-operated GPU-hour rate (``scenario.gpu_hour_multiplier``).
- ``gpu_hour_decline`` (multiplier >= 0): each catalog rack's ``gpu_hour_change_per_year``
  (1.5: GPU-hour prices fall 50% faster; 0: flat); the result must stay in (-1, 1).

``interest_rate`` and ``tenant_default_probability`` are registered as *unavailable*: they are
refused until the financing and tenant-economics stages land, when they are added with
:func:`register_factor` like any other.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from planner.describe.descriptors import Catalog, PortfolioSpec
from planner.describe.errors import InputError, Problem, short
from planner.describe.loading import Portfolio

Docs = dict[str, Any]
"""The portfolio as plain data while factors change it: {"spec": ..., "catalog": ...}."""
Update = Callable[[Docs, float], None]


@dataclass(frozen=True)
class Factor:
    """One named factor: how a value changes the portfolio and which values are valid.

    `low`/`high` bound the value (None: unbounded), `low_open`/`high_open` say whether the
    bound itself is excluded. `update` changes the plain data in place (None: the factor is
    not available yet, and `unavailable` says why). `current` reads the portfolio's own value
    of an absolute factor (a multiplier's neutral value is 1)."""

    name: str
    kind: Literal["multiplier", "absolute"]
    description: str
    update: Update | None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    current: Callable[[Portfolio], float] | None = None
    unavailable: str = ""

    def base(self, portfolio: Portfolio) -> float:
        """The value that leaves `portfolio` as it is: 1 for a multiplier, its own figure otherwise."""
        if self.kind == "multiplier" or self.current is None:
            return 1.0
        return self.current(portfolio)

    def range_text(self) -> str:
        """The valid range as written in messages, e.g. ``(0, inf)`` or ``[0, inf)``."""
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        left = "(" if self.low is None or self.low_open else "["
        right = ")" if self.high is None or self.high_open else "]"
        return f"{left}{lo}, {hi}{right}"

    def value_problem(self, value: float) -> str | None:
        """Why `value` is not valid for this factor (None when it is)."""
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            return "not a finite number"
        below = self.low is not None and (value < self.low or (self.low_open and value == self.low))
        above = self.high is not None and (value > self.high or (self.high_open and value == self.high))
        if below or above:
            return f"outside the valid range {self.range_text()} of this {self.kind}"
        return None


FACTORS: dict[str, Factor] = {}
"""The registry, by name, in registration order."""


def register_factor(factor: Factor) -> Factor:
    """Add (or replace) a factor in the registry; returns it."""
    FACTORS[factor.name] = factor
    return factor


def factor_problem(name: str, file: str, field: str) -> Problem | None:
    """A Problem when `name` is not a registered, available factor."""
    f = FACTORS.get(name)
    if f is None:
        return Problem(file, field, name, f"unknown factor (known: {', '.join(available())})")
    if f.update is None:
        return Problem(file, field, name, f.unavailable)
    return None


def available() -> list[str]:
    """Names of the factors that can be applied now."""
    return [n for n, f in FACTORS.items() if f.update is not None]


def apply_factors(portfolio: Portfolio, values: Mapping[str, float], file: str = "<scenario>") -> Portfolio:
    """`portfolio` with every factor in `values` applied, re-validated as a whole.

    Raises InputError (file, ``factors.<name>``, value, reason) for an unknown or unavailable
    factor, a value outside its range, or a value that makes a descriptor field invalid."""
    problems = []
    for name, value in values.items():
        problem = factor_problem(name, file, f"factors.{name}")
        if problem is None:
            reason = FACTORS[name].value_problem(value)
            problem = None if reason is None else Problem(file, f"factors.{name}", short(value), reason)
        if problem is not None:
            problems.append(problem)
    if problems:
        raise InputError(problems)
    if not values:
        return portfolio
    docs: Docs = {
        "spec": portfolio.spec.model_dump(mode="python"),
        "catalog": portfolio.catalog.model_dump(mode="python"),
    }
    for name, value in values.items():
        update = FACTORS[name].update
        assert update is not None  # checked above
        update(docs, float(value))
    if isinstance(portfolio.spec.catalog, Catalog):  # an inline catalog: keep the spec's copy the same
        docs["spec"]["catalog"] = docs["catalog"]
    try:
        spec = PortfolioSpec.model_validate(docs["spec"])
        catalog = Catalog.model_validate(docs["catalog"])
    except ValidationError as exc:
        raise InputError(_problems(exc, values, file)) from None
    return dataclasses.replace(portfolio, spec=spec, catalog=catalog)


def _problems(exc: ValidationError, values: Mapping[str, float], file: str) -> list[Problem]:
    text = ", ".join(f"{k}={v:g}" for k, v in values.items())
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        out.append(Problem(file, "factors", text, f"makes {loc} = {short(err.get('input'))} invalid: {err['msg']}"))
    return out


# --------------------------------------------------------------------------- the factors


def _scale(*path: str) -> Update:
    """An update multiplying the spec field at `path` by the value."""

    def update(docs: Docs, value: float) -> None:
        node = docs["spec"]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = node[path[-1]] * value

    return update


def _set(*path: str) -> Update:
    """An update replacing the spec field at `path` by the value."""

    def update(docs: Docs, value: float) -> None:
        node = docs["spec"]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return update


def _divide_hashprice(docs: Docs, value: float) -> None:
    hp = docs["spec"]["scenario"]["hashprice"]
    hp["usd_per_ph_day"] = hp["usd_per_ph_day"] / value


def _scale_gpu_decline(docs: Docs, value: float) -> None:
    for rack in docs["catalog"]["racks"]:
        rack["gpu_hour_change_per_year"] = rack["gpu_hour_change_per_year"] * value


def _multiplier(name: str, description: str, update: Update, *, zero_ok: bool = False) -> Factor:
    return Factor(name, "multiplier", description, update, low=0.0, low_open=not zero_ok)


for _f in (
    _multiplier(
        "hashprice",
        "starting hashprice (scenario.hashprice.usd_per_ph_day)",
        _scale("scenario", "hashprice", "usd_per_ph_day"),
    ),
    Factor(
        "hashprice_drift",
        "absolute",
        "annual hashprice drift (scenario.hashprice.change_per_year)",
        _set("scenario", "hashprice", "change_per_year"),
        low=-1.0,
        high=1.0,
        low_open=True,
        high_open=True,
        current=lambda pf: pf.spec.scenario.hashprice.change_per_year,
    ),
    _multiplier(
        "btc_price", "BTC price: starting hashprice times the value", _scale("scenario", "hashprice", "usd_per_ph_day")
    ),
    _multiplier("network_hashrate", "network hashrate: starting hashprice divided by the value", _divide_hashprice),
    _multiplier(
        "lease_rate",
        "every tenant offer's rate (scenario.lease_rate_multiplier)",
        _scale("scenario", "lease_rate_multiplier"),
    ),
    _multiplier(
        "power_price",
        "every power contract's price (scenario.power_price_multiplier)",
        _scale("scenario", "power_price_multiplier"),
        zero_ok=True,
    ),
    Factor(
        "power_escalation",
        "absolute",
        "annual power price escalation (scenario.power_price_escalation_per_year); contracts with their own keep it",
        _set("scenario", "power_price_escalation_per_year"),
        low=-0.5,
        high=0.5,
        low_open=True,
        high_open=True,
        current=lambda pf: pf.spec.scenario.power_price_escalation_per_year,
    ),
    _multiplier("capex", "every capital cost (scenario.capex_multiplier)", _scale("scenario", "capex_multiplier")),
    _multiplier(
        "gpu_hour_price",
        "self-operated GPU-hour rate (scenario.gpu_hour_multiplier)",
        _scale("scenario", "gpu_hour_multiplier"),
    ),
    _multiplier(
        "gpu_hour_decline", "each rack type's gpu_hour_change_per_year (catalog)", _scale_gpu_decline, zero_ok=True
    ),
    Factor(
        "interest_rate",
        "absolute",
        "interest rate on project debt",
        None,
        unavailable="not available until the financing stage (debt, interest during construction) lands",
    ),
    Factor(
        "tenant_default_probability",
        "absolute",
        "probability that a signed tenant defaults",
        None,
        unavailable="not available until the tenant-economics stage (credit, default and re-lease) lands",
    ),
):
    register_factor(_f)
