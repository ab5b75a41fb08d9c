"""Cooling: liquid-cooled racks on CDUs with N+1 redundancy, air-cooled racks on air capacity.

  cdus[s,c,t] in Z+, non-decreasing (cdu_build), >= those installed at the start or under construction
  and installed by t (work in progress), at sites that could hold HPC
  used[s,c,t] in {0,1}, non-decreasing (cdu_used_build), for N+1 types: type c in use at s
  liquid_cooling  sum_c cap_c (cdus[s,c,t] - spare_c used[s,c,t]) >= sum_{r liquid} it[s,r,t]
  cdu_used        cdus[s,c,t] <= M_sc used[s,c,t]   (a spare is kept as soon as a type is in use)
  air_cooling     sum_{r air} it[s,r,t] <= air capacity_s
with M_sc = ceil(most hall IT MW / cap_c) + spare_c + existing_sc. Capex: CDUs when installed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.inputs import Inputs
from planner.model.algebra import LinExpr, P, Var
from planner.model.builder import ModelBuilder
from planner.model.buildout import at_last_period, capex_paid, monotone, residual


@dataclass(frozen=True)
class Cooling:
    """CDUs installed and in use."""

    cdus: Var  # [site, cdu, period]
    used: Var  # [site, cdu, period]
    spend: LinExpr  # [site, period]
    flows: dict[tuple[str, str], LinExpr]


def define_cooling(m: ModelBuilder, ins: Inputs, site_it_ub: np.ndarray, it: LinExpr, mode: str) -> Cooling:
    """cdus and used with cdu_build, cdu_used_build, liquid_cooling, cdu_used and air_cooling (module docstring)."""
    cdu = ins.cdu
    base = ins.site.existing_cdus[:, :, None] + ins.site.wip_cdus * (mode != "bau")  # [S, C, T] in place anyway
    need = site_it_ub.max(axis=1)  # [S] most liquid MW a site could hold
    most = np.ceil(need[:, None] / cdu.mw[None, :]) + cdu.spare[None, :] + base[:, :, -1]
    exists = (need > 0)[:, None] | (base[:, :, -1] > 0)
    cdus = m.var(
        "cdus",
        "site cdu period",
        lower=P(base, "site cdu period"),
        upper=P(most, "site cdu"),
        integer=True,
        where=P(exists, "site cdu"),
    )
    monotone(m, "cdu_build", cdus)
    spare = exists & (cdu.spare[None, :] > 0)
    used = m.var(
        "cdu_used",
        "site cdu period",
        lower=P(base > 0, "site cdu period"),
        upper=1.0,
        integer=True,
        where=P(spare, "site cdu"),
    )
    monotone(m, "cdu_used_build", used)
    liquid = P(ins.rack.liquid, "rack")
    capacity = (cdus * P(cdu.mw, "cdu") - used * P(cdu.mw * cdu.spare, "cdu")).sum("cdu")
    m.constrain("liquid_cooling", capacity - (it * liquid).sum("rack"), ">=", 0.0)
    m.constrain(
        "air_cooling", (it * P(~ins.rack.liquid, "rack")).sum("rack"), "<=", P(ins.site.air_capacity_mw, "site")
    )
    m.constrain("cdu_used", cdus - used * P(most, "site cdu"), "<=", 0.0, where=P(spare, "site cdu"))
    base_p = P(base, "site cdu period")
    spend = capex_paid(cdus, P(cdu.capex_usd, "cdu"), base=base_p).sum("cdu")
    book = residual(cdus, P(cdu.capex_usd, "cdu"), P(ins.book(cdu.residual_share), "cdu period"), base_p)
    return Cooling(
        cdus,
        used,
        spend,
        {("capex", "base"): -spend, ("residual_value", "base"): at_last_period(book.sum("cdu"), ins.T)},
    )
