"""Cash flows of tenant contracts: rent by MW, and what depends on the path a contract takes.

By MW (lease in the base term, renewal in renewals), tenant k at site s in period t:
  rent             lease_k,s,t (lease + rate_factor_k renewal)          -> lease_revenue (or gpu_service_revenue)
  opex recovered   recovery_k,t (lease + renewal)                         -> opex_recovery
  GPU-service opex -(o_cloud (lease + renewal) + share x gross rent)      -> opex
By path (planner.inputs.contract_cash), on start[k,j,r]: the delay penalty, GPU purchases,
prepayment and GPU resale, at the contract's site. Value after the horizon (contracted mode):
V_k,s,j,r (planner.inputs.terminal) x MW_k start[k,j,r] for single-site tenants, x path_mw[k,s,j,r]
for multi-site ones, as a flow in the last period. Revenue splits into risk classes: the
investment-grade-backed share ig_k, and the rest (contracted).
"""

from __future__ import annotations

import numpy as np

from planner.inputs import Inputs
from planner.model.algebra import LinExpr, P, Var


def _by_class(ins: Inputs, per_tenant: LinExpr, stream: str) -> dict[tuple[str, str], LinExpr]:
    """A [tenant, site, period] revenue split into its risk classes, summed over tenants."""
    ig = ins.tenant.ig_share
    return {
        (stream, "investment_grade"): (per_tenant * P(ig, "tenant")).sum("tenant"),
        (stream, "contracted"): (per_tenant * P(1.0 - ig, "tenant")).sum("tenant"),
    }


def revenue_flows(ins: Inputs, lease: Var, renewal: Var) -> tuple[LinExpr, dict[tuple[str, str], LinExpr]]:
    """(rent [tenant, site, period], the flows by MW of the module docstring)."""
    ten = ins.tenant
    rent = P(ten.lease_rev_usd_per_mw, "tenant site period")
    revenue = lease * rent + renewal * rent * P(ten.renewal_factor, "tenant")
    mw = lease + renewal
    gpu = P(ten.gpu_service, "tenant")
    flows = {
        **_by_class(ins, revenue * P(~ten.gpu_service, "tenant"), "lease_revenue"),
        **_by_class(ins, revenue * gpu, "gpu_service_revenue"),
        ("opex_recovery", "base"): (mw * P(ten.opex_recovery_usd_per_mw_period, "tenant period")).sum("tenant"),
    }
    gross = revenue * P(1.0 / np.maximum(1e-12, 1.0 - ten.prepayment_share), "tenant")
    gpu_opex = (mw * P(-ins.op.cloud_opex_usd_per_mw_period, "period") + gross * -ins.op.cloud_opex_share) * gpu
    flows[("opex", "base")] = gpu_opex.sum("tenant")
    return revenue, flows


def path_flows(ins: Inputs, start: Var, path_mw: Var) -> dict[tuple[str, str], LinExpr]:
    """The flows by path of the module docstring."""
    cash, ten = ins.cash, ins.tenant
    dims = "tenant start option period"

    def at_site(values: np.ndarray) -> LinExpr:
        return (start * P(values, dims)).sum("start", "option").group("tenant", "site", cash.site, ins.S)

    prepay = (start * P(cash.prepayment, dims)).sum("start", "option")
    prepay_by_site = {
        k: v.group("tenant", "site", cash.site, ins.S)
        for k, v in (
            ("investment_grade", prepay * P(ten.ig_share, "tenant")),
            ("contracted", prepay * P(1.0 - ten.ig_share, "tenant")),
        )
    }
    return {
        ("delay_penalty", "base"): -at_site(cash.delay),
        ("capex", "base"): -at_site(cash.gpu_capex),
        ("prepayment", "investment_grade"): prepay_by_site["investment_grade"],
        ("prepayment", "contracted"): prepay_by_site["contracted"],
        ("gpu_resale", "base"): at_site(cash.gpu_resale),
        ("terminal_value", "base"): terminal_flows(ins, start, path_mw),
    }


def terminal_flows(ins: Inputs, start: Var, path_mw: Var) -> LinExpr:
    """[site, period] the contracted value after the horizon, as a flow in the last period, scaled so
    that its base discount gives the value (planner.inputs.terminal discounted it already)."""
    ten, T = ins.tenant, ins.T
    value = ins.terminal.tenant  # [K, S, J, R]
    single = ten.eligible.sum(axis=1) == 1
    scale = np.zeros(T)
    scale[-1] = 1.0 / ins.fin.factor("base")[-1]
    site = np.array([int(np.argmax(e)) for e in ten.eligible], dtype=int)
    own = (
        value[np.arange(ten.K), site] * (ten.mw * single)[:, None, None] if ten.K else np.zeros((0,) + value.shape[2:])
    )
    alone = (start * P(own, "tenant start option")).sum("start", "option").group("tenant", "site", site, ins.S)
    shared = (path_mw * P(value * ~single[:, None, None, None], "tenant site start option")).sum(
        "tenant", "start", "option"
    )
    return (alone + shared) * P(scale, "period")
