"""Mining: the load each site keeps hashing.

Variable: mining[s,t] in [0, fleet_mw_s] (IT MW of ASICs running; mining is interruptible),
only at sites with a fleet. The buildings it runs in shrink as they are converted to HPC
halls (planner.model.land); its energy is costed in planner.model.power.
Cash flows [s,t]: mining revenue mine_s,t mining and demand-response credit dr_s,t mining (risk
class mining), opex -o_mining mining.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.inputs import Inputs
from planner.model.algebra import LinExpr, P, Var
from planner.model.builder import ModelBuilder


@dataclass(frozen=True)
class Mining:
    """The mining load and its cash flows."""

    mw: Var  # [site, period]
    flows: dict[tuple[str, str], LinExpr]


def define_mining(m: ModelBuilder, ins: Inputs) -> Mining:
    """mining[s,t] in [0, fleet_s]; flows: revenue, demand-response credit and opex (module docstring)."""
    fleet = ins.site.fleet_mw
    mw = m.var("mining_mw", "site period", upper=P(fleet, "site"), where=P(fleet > 0, "site"))
    flows = {
        ("mining_revenue", "mining"): mw * P(ins.site.mining_rev_usd_per_mw, "site period"),
        ("demand_response_credit", "mining"): mw * P(ins.site.dr_usd_per_mw_period, "site period"),
        ("opex", "base"): mw * P(-ins.op.mining_opex_usd_per_mw_period, "period"),
    }
    return Mining(mw, flows)
