"""Finance: the NPV objective, the capex budget and the tenant concentration cap.

  NPV = sum_t d_t (revenues_t - energy_t - opex_t - capex_t) + d_T-1 residual value + constant,
collected from the terms each concern module registered (revenues and costs already
discounted; capex registered undiscounted with its payment period p and discounted here).
  budget          sum_{terms paid in t} capex <= B                      (each period)
  concentration   sum_t rev_kt <= cap x (sum_k' sum_t rev_k't + sum_t cloud rev_t)   (each tenant)
with rev the undiscounted contract revenue (rate x MW, pass-through energy excluded).
An elastic model (diagnosis) instead maximises - sum_i penalty_i slack_i.
"""

from __future__ import annotations

import numpy as np

from planner.model.core import LE, Model, lin


def define_finance(m: Model) -> None:
    ins = m.inputs
    if ins.budget_usd_per_period is not None:
        for tt in range(ins.T):
            terms = [(v[p == tt], np.asarray(c)[p == tt]) for v, c, p in m.capex_terms]
            m.add("budget", lin(*terms), LE, ins.budget_usd_per_period - m.capex_constant[tt],
                  "capex budget (USD)", period=tt)

    if ins.concentration_cap is not None and m.leases and not m.bau:
        revenue = [(lease, ins.lease_rev_usd_per_mw[k]) for k, lease in enumerate(m.leases)]
        cloud = (m.v["cloud_mw"], np.broadcast_to(ins.cloud_rev_usd_per_mw[None], m.v["cloud_mw"].shape))
        for k, lease in enumerate(m.leases):
            total = [(v, -ins.concentration_cap * c) for v, c in (*revenue, cloud)]
            m.add("concentration", lin((lease, ins.lease_rev_usd_per_mw[k]), *total), LE, 0.0,
                  f"share of HPC revenue (cap {ins.concentration_cap:.0%})", tenant=k)

    if m.elastic is not None:
        m.prob.setObjective(lin(*[(v, -w) for v, _, w in m.slacks]))
        return
    pairs = [(v, c) for v, c in m.objective_terms]
    for v, c, p in m.capex_terms:
        pairs.append((v, -np.asarray(c) * ins.discount[np.asarray(p)]))
    pairs += [(v, np.asarray(c) * ins.discount[-1]) for v, c in m.salvage_terms]
    constant = -(m.capex_constant * ins.discount).sum() + m.salvage_constant * ins.discount[-1]
    m.prob.setObjective(lin(*pairs) + float(constant))
