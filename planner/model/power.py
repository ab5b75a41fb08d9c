"""Power: contracted MW, interconnect with upgrades, energy cost with take-or-pay.

Capacity (per site s, period t), with gross[s,t] = PUE_m,s mining[s,t] + sum_r PUE_h,sr occupied[s,r,t]
(HPC power is provisioned for the IT MW leased or self-operated: firm):
  power_contract   gross[s,t] <= sum_{i at s} MW_i,t                (contracts in force)
  interconnect     gross[s,t] <= IC_s + sum_{u at s} MW_u upgrade[u,t]
  upgrade[u,t] in {0,1}, non-decreasing, 0 for t < lead_u; capex paid at t - lead_u.
Energy (average MW): draw over the site's contracts
  energy           sum_{i at s} draw[i,t] = uptime PUE_m mining + lf sum_r PUE_h,sr occupied[s,r,t]
  pay[i,t] >= draw[i,t],  pay[i,t] >= top_i MW_i,t   (take-or-pay: the floor is paid regardless)
Objective: - d_t h_t price_i,t pay[i,t] - d_t CP_s,t lf sum_r PUE_h,sr occupied[s,r,t]
(coincident-peak charges fall on firm HPC load; mining curtails at the peaks).
"""

from __future__ import annotations

import numpy as np
import pulp

from planner.model.core import EQ, GE, LE, Model, lin


def define_power(m: Model) -> None:
    ins = m.inputs
    S, T = ins.S, ins.T
    mining = m.v["mining_mw"]
    t = np.arange(T)

    U = len(ins.upgrade_ids)
    lead_ok = t[None, :] >= ins.upgrade_lead[:, None]
    upgrade = m.var("upgrade", (U, T), up=np.where(lead_ok, 1.0, 0.0), cat=pulp.LpBinary)
    m.monotone("upgrade_build", upgrade, "interconnect upgrade", site_axis=None)
    m.capex_build(upgrade, ins.upgrade_capex_usd[:, None], ins.upgrade_lead[:, None], life=ins.grid_life)

    contracted = np.zeros((S, T))
    np.add.at(contracted, ins.contract_site, ins.contract_mw)
    for s in range(S):
        ups = np.nonzero(ins.upgrade_site == s)[0]
        for tt in range(T):
            gross = [(mining[s, tt], ins.pue_mining[s]), *m.it_terms(s, tt, ins.pue_hpc[s])]
            m.add("power_contract", lin(*gross), LE, contracted[s, tt], "contracted power (MW)", site=s, period=tt)
            m.add("interconnect", lin(*gross, (upgrade[ups, tt], -ins.upgrade_mw[ups])), LE, ins.interconnect_mw[s],
                  "interconnect (MW)", site=s, period=tt)

    I = len(ins.contract_ids)
    draw = m.var("draw_mw", (I, T), up=ins.contract_mw)
    pay = m.var("paid_mw", (I, T), low=ins.contract_top[:, None] * ins.contract_mw)
    for s in range(S):
        mine = np.nonzero(ins.contract_site == s)[0]
        for tt in range(T):
            firm = m.it_terms(s, tt, ins.hpc_load_factor * ins.pue_hpc[s])
            m.add("energy", lin((draw[mine, tt], 1.0), (mining[s, tt], -ins.mining_uptime * ins.pue_mining[s]),
                                *[(v, -c) for v, c in firm]), EQ, 0.0, "energy balance (MW average)", site=s, period=tt)
            cp = ins.cp_usd_per_mw_period[s, tt] * ins.discount[tt]
            for v, c in firm:
                if cp > 0:
                    m.objective(v, np.full(v.shape, -c * cp))
    for i, tt in np.ndindex(I, T):
        m.add("take_or_pay", lin((pay[i, tt], 1.0), (draw[i, tt], -1.0)), GE, 0.0, "energy paid (MW)",
              site=int(ins.contract_site[i]), period=tt)
    m.objective(pay, -ins.contract_price * ins.hours[None, :] * ins.discount[None, :])
