"""Mining: the load each site keeps hashing.

Variable: mining[s,t] in [0, fleet_mw_s] (IT MW of ASICs running; mining is interruptible).
The buildings it runs in shrink as they are converted to HPC halls (see land).
Objective: + d_t (hashprice_t x PH/s per MW x days_t x uptime + demand-response credit
           - mining opex) mining[s,t]; its energy is costed in power.
"""

from __future__ import annotations

from planner.model.core import Model


def define_mining(m: Model) -> None:
    ins = m.inputs
    mining = m.var("mining_mw", (ins.S, ins.T), up=ins.fleet_mw[:, None], exists=(ins.fleet_mw > 0)[:, None])
    value = ins.mining_rev_usd_per_mw + ins.dr_usd_per_mw_period - ins.mining_opex_usd_per_mw_period
    m.objective(mining, value * ins.discount[None, :])
