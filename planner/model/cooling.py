"""Cooling: liquid-cooled racks on CDUs with N+1 redundancy, air-cooled racks on air capacity.

  cdus[s,c,t] >= 0, non-decreasing (cdu_build), >= those installed at the start or under
              construction and installed by t (work in progress), at sites that could hold HPC
  used[s,c,t] in [0,1], non-decreasing (cdu_used_build), for N+1 types: type c keeps a spare at s
  liquid[s,t] in {0,1}, non-decreasing (cdu_liquid_build): site s cools IT by liquid (one binary
              per site, not per type), 1 where it has N+1 CDUs at the start or under construction
  liquid_cooling  sum_c cap_c (cdus[s,c,t] - spare_c used[s,c,t]) >= sum_{r liquid} it[s,r,t]
  cdu_used        cdus[s,c,t] <= M_sc used[s,c,t]   (a spare is kept as soon as a type is in use)
  cdu_spare_unit  used[s,c,t] <= cdus[s,c,t]       (the spare is a unit installed; valid inequality)
  cdu_spare       sum_{c N+1} used[s,c,t] >= liquid[s,t]   (a site cooling by liquid keeps a spare)
  cdu_liquid      sum_{r liquid} it[s,r,t] <= U_st liquid[s,t]
  air_cooling     sum_{r air} it[s,r,t] <= air capacity_s
with M_sc = ceil(most hall IT MW / cap_c) + spare_c + existing_sc and U_st the most hall IT MW of
site s in service at t. Capex: CDUs when installed.

The planning MILP keeps cdus and used continuous (:data:`INTEGER_COOLING` lists them): with
cdus whole and used binary (planner.solve.whole_cdus makes them so after the solve, every other
decision fixed) this is the exact model, one type's spare per N+1 type in use; without, a
relaxation of it (every exact plan is feasible in it, so its bound bounds the exact model)
whose spare is still a whole unit wherever liquid IT is cooled. An elastic model (diagnosis)
is the exact model (cdus integer, used binary) without liquid: there hall_it may be relaxed,
so IT is not bounded by U_st.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.inputs import Inputs
from planner.model.algebra import LinExpr, P, Var
from planner.model.builder import ModelBuilder
from planner.model.buildout import at_last_period, capex_paid, monotone, residual

INTEGER_COOLING = ("cdus", "used")
"""Cooling variables that are integer in the exact model and continuous in the planning MILP."""


@dataclass(frozen=True)
class Cooling:
    """CDUs installed, N+1 types keeping a spare, sites cooling by liquid."""

    cdus: Var  # [site, cdu, period]
    used: Var  # [site, cdu, period]
    liquid: Var  # [site, period]
    spend: LinExpr  # [site, period]
    flows: dict[tuple[str, str], LinExpr]

    def integer_columns(self) -> np.ndarray:
        """Columns of the cooling variables that the exact model has integer (INTEGER_COOLING)."""
        return np.concatenate([getattr(self, name).columns() for name in INTEGER_COOLING])


def define_cooling(m: ModelBuilder, ins: Inputs, site_it_ub: np.ndarray, it: LinExpr, mode: str) -> Cooling:
    """cdus, used and liquid with the cooling rows (module docstring)."""
    cdu = ins.cdu
    exact = m.elastic is not None  # diagnosis: whole CDUs and spares, no liquid binary (see the docstring)
    base = ins.site.existing_cdus[:, :, None] + ins.site.wip_cdus * (mode != "bau")  # [S, C, T] in place anyway
    need = site_it_ub.max(axis=1)  # [S] most liquid MW a site could hold
    most = np.ceil(need[:, None] / cdu.mw[None, :]) + cdu.spare[None, :] + base[:, :, -1]
    exists = (need > 0)[:, None] | (base[:, :, -1] > 0)
    cdus = m.var(
        "cdus",
        "site cdu period",
        lower=P(base, "site cdu period"),
        upper=P(most, "site cdu"),
        integer=exact,
        where=P(exists, "site cdu"),
    )
    monotone(m, "cdu_build", cdus)
    spare = exists & (cdu.spare[None, :] > 0)
    used = m.var(
        "cdu_used",
        "site cdu period",
        lower=P(base > 0, "site cdu period"),
        upper=1.0,
        integer=exact,
        where=P(spare, "site cdu"),
    )
    monotone(m, "cdu_used_build", used)
    liquid_it = (it * P(ins.rack.liquid, "rack")).sum("rack")
    liquid = _define_liquid(m, ins, site_it_ub, liquid_it, used, base, spare)
    capacity = (cdus * P(cdu.mw, "cdu") - used * P(cdu.mw * cdu.spare, "cdu")).sum("cdu")
    m.constrain("liquid_cooling", capacity - liquid_it, ">=", 0.0)
    m.constrain(
        "air_cooling", (it * P(~ins.rack.liquid, "rack")).sum("rack"), "<=", P(ins.site.air_capacity_mw, "site")
    )
    m.constrain("cdu_used", cdus - used * P(most, "site cdu"), "<=", 0.0, where=P(spare, "site cdu"))
    m.constrain("cdu_spare_unit", used - cdus, "<=", 0.0, where=P(spare, "site cdu"))
    base_p = P(base, "site cdu period")
    spend = capex_paid(cdus, P(cdu.capex_usd, "cdu"), base=base_p).sum("cdu")
    book = residual(cdus, P(cdu.capex_usd, "cdu"), P(ins.book(cdu.residual_share), "cdu period"), base_p)
    return Cooling(
        cdus,
        used,
        liquid,
        spend,
        {("capex", "base"): -spend, ("residual_value", "base"): at_last_period(book.sum("cdu"), ins.T)},
    )


def _define_liquid(
    m: ModelBuilder,
    ins: Inputs,
    site_it_ub: np.ndarray,
    liquid_it: LinExpr,
    used: Var,
    base: np.ndarray,
    spare: np.ndarray,
) -> Var:
    """liquid[s,t] with cdu_liquid_build, cdu_spare and cdu_liquid, at sites with an N+1 type that
    could cool HPC; 1 where an N+1 type is in place anyway."""
    where = spare.any(axis=1) & (site_it_ub.max(axis=1) > 0) & (m.elastic is None)  # [S]
    in_place = ((base > 0) & spare[:, :, None]).any(axis=1)  # [S, T]
    liquid = m.var(
        "cdu_liquid", "site period", lower=P(in_place, "site period"), upper=1.0, integer=True, where=P(where, "site")
    )
    monotone(m, "cdu_liquid_build", liquid)
    m.constrain("cdu_spare", used.sum("cdu") - liquid, ">=", 0.0, where=P(where, "site"))
    m.constrain("cdu_liquid", liquid_it - liquid * P(site_it_ub, "site period"), "<=", 0.0, where=P(where, "site"))
    return liquid
