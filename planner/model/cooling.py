"""Cooling: liquid-cooled racks on CDUs with N+1 redundancy, air-cooled racks on air capacity.

  cdus[s,c,t] in Z+, non-decreasing, >= existing; used[s,c,t] in {0,1} non-decreasing (N+1 types)
  liquid_cooling   sum_c cap_c (cdus[s,c,t] - spare_c used[s,c,t]) >= sum_{r liquid} occupied[s,r,t]
  cdu_used         cdus[s,c,t] <= M_sc used[s,c,t]   (a spare is kept as soon as a type is in use)
  air_cooling      sum_{r air} occupied[s,r,t] <= air capacity_s
Capex: CDU price per unit added, paid when installed.
"""

from __future__ import annotations

import numpy as np
import pulp

from planner.model.core import GE, LE, Model, lin


def define_cooling(m: Model) -> None:
    ins = m.inputs
    S, T = ins.S, ins.T
    C = len(ins.cdu_ids)
    need = m.site_it_ub.max(axis=1)  # [S] most liquid MW a site could hold
    ub = np.ceil(need[:, None] / ins.cdu_mw[None, :]) + ins.cdu_spare[None, :] + ins.existing_cdus
    exists = (need > 0)[:, None] | (ins.existing_cdus > 0)
    cdus = m.var("cdus", (S, C, T), low=ins.existing_cdus[:, :, None], up=ub[:, :, None], cat=pulp.LpInteger,
                 exists=exists[:, :, None])
    m.monotone("cdu_build", cdus, "CDUs")
    spare = exists & (ins.cdu_spare[None, :] > 0)
    used = m.var("cdu_used", (S, C, T), low=(ins.existing_cdus > 0)[:, :, None].astype(float), up=1.0,
                 cat=pulp.LpBinary, exists=spare[:, :, None])
    m.monotone("cdu_used_build", used, "CDUs")
    m.capex_build(cdus, ins.cdu_capex_usd[None, :, None], 0, life=np.broadcast_to(ins.cdu_life[None, :], (S, C)),
                  base=ins.existing_cdus)

    liquid = ins.rack_liquid
    for s in range(S):
        for tt in range(T):
            liquid_it = m.it_terms(s, tt, -liquid.astype(float))
            if exists[s].any() or liquid_it:
                m.add("liquid_cooling", lin((cdus[s, :, tt], ins.cdu_mw), (used[s, :, tt], -ins.cdu_mw * ins.cdu_spare),
                                            *liquid_it), GE, 0.0, "liquid cooling (MW, N+1)", site=s, period=tt)
            air_it = m.it_terms(s, tt, (~liquid).astype(float))
            if air_it:
                m.add("air_cooling", lin(*air_it), LE, ins.air_capacity_mw[s], "air cooling (MW)", site=s, period=tt)
            for c in np.nonzero(spare[s])[0]:
                m.add("cdu_used", lin((cdus[s, c, tt], 1.0), (used[s, c, tt], -ub[s, c])), LE, 0.0, "CDUs",
                      site=s, period=tt)

