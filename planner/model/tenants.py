"""Tenant leases: offers signed or not, their start, and their MW at each eligible site.

Variables (k tenant, s site, j candidate start period tau_j, t period), none in business as usual:
  start[k,j] in {0,1}   tenant k starts at tau_j (inside its window and before the horizon's end);
                        sign_k = sum_j start[k,j]
  lease[k,s,t] >= 0     IT MW of tenant k at eligible site s, in the periods some start serves
  block[k,s] >= 0       its constant block at s (tenants with more than one eligible site)
  uses[k,s] in {0,1}    it has a block at s (only with min_block_mw > 0 or max_sites < |eligible|)
Constraints:
  sign        sign_k = 1 (committed) or <= 1 (optional)
  delivery    sum_s lease[k,s,t] = D_k sum_j act[k,j,t] start[k,j],  act = served in t when starting at tau_j
  block_total sum_s block[k,s] = D_k sign_k;   block  lease[k,s,t] <= block[k,s]
  block_max   block[k,s] <= D_k uses[k,s];   min_block  block[k,s] >= m_k uses[k,s]
  max_sites   sum_s uses[k,s] <= max_sites_k
  tenant_at_hpc_site  lease[k,s,t] <= D_k hosts[s,t]   (valid inequality: the strong facility-location
              link the LP relaxation needs to bound well; left out of elastic models, where hall
              capacity may be short and must show as such)
A lease is critical IT MW (the tenant fills it with floor(MW / rack kW) whole racks).
Cash flows [s,t]: lease revenue sum_k lease_k,s,t lease; pass-through energy (the tenant pays the
site price for its energy) sum_k price_s,t h_t lf PUE_s,r_k lease.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.inputs import Inputs
from planner.inputs.tenants import StartGrid
from planner.model.algebra import LinExpr, P, Var
from planner.model.builder import ModelBuilder


@dataclass(frozen=True)
class Leases:
    """Tenant decisions."""

    grid: StartGrid
    start: Var  # [tenant, start]
    lease: Var  # [tenant, site, period]
    block: Var  # [tenant, site]
    uses: Var  # [tenant, site]
    revenue: LinExpr  # [tenant, site, period] undiscounted lease revenue
    flows: dict[str, LinExpr]


def define_leases(m: ModelBuilder, ins: Inputs, mode: str) -> Leases:
    """start and lease with sign and delivery, and the blocks (module docstring)."""
    ten, grid, on = ins.tenant, ins.starts, mode != "bau"
    start = m.var("start", "tenant start", upper=1.0, integer=True, where=P(grid.ok & on, "tenant start"))
    live = grid.active.any(axis=1) & on  # [K, T]: some start serves the tenant in t
    lease = m.var("lease", "tenant site period", upper=P(ten.mw, "tenant"),
                  where=P(ten.eligible[:, :, None] & live[:, None, :], "tenant site period"))
    signed = start.sum("start")
    if on:
        m.constrain("sign", signed, "==", 1.0, where=P(ten.committed, "tenant"))
        m.constrain("sign", signed, "<=", 1.0, where=P(~ten.committed, "tenant"))
    served = (start * P(ten.mw[:, None, None] * grid.active, "tenant start period")).sum("start")
    m.constrain("delivery", lease.sum("site") - served, "==", 0.0, where=P(live, "tenant period"))
    block, uses = _define_blocks(m, ins, lease, signed, live, on)
    revenue = lease * P(ten.lease_rev_usd_per_mw, "tenant site period")
    flows = {"lease_revenue": revenue.sum("tenant"),
             "power_pass_through": (lease * P(pass_through_rate(ins), "tenant site period")).sum("tenant")}
    return Leases(grid, start, lease, block, uses, revenue, flows)


def _define_blocks(m: ModelBuilder, ins: Inputs, lease: Var, signed: LinExpr, live: np.ndarray,
                   on: bool) -> tuple[Var, Var]:
    """block and uses with block_total, block, block_max, min_block and max_sites, for tenants
    with more than one eligible site."""
    ten = ins.tenant
    D = P(ten.mw, "tenant")
    several = (ten.eligible.sum(axis=1) > 1) & on
    at_site = several[:, None] & ten.eligible
    block = m.var("block", "tenant site", upper=D, where=P(at_site, "tenant site"))
    m.constrain("block_total", block.sum("site") - signed * D, "==", 0.0, where=P(several, "tenant"))
    m.constrain("block", lease - block, "<=", 0.0,
                where=P(at_site[:, :, None] & live[:, None, :], "tenant site period"))
    choose = several & ((ten.min_block_mw > 0) | (ten.max_sites < ten.eligible.sum(axis=1)))
    at = P(choose[:, None] & ten.eligible, "tenant site")
    uses = m.var("uses", "tenant site", upper=1.0, integer=True, where=at)
    m.constrain("block_max", block - uses * D, "<=", 0.0, where=at)
    m.constrain("min_block", block - uses * P(ten.min_block_mw, "tenant"), ">=", 0.0, where=at)
    m.constrain("max_sites", uses.sum("site"), "<=", P(ten.max_sites.astype(float), "tenant"),
                where=P(choose, "tenant"))
    return block, uses


def define_hpc_site_link(m: ModelBuilder, ins: Inputs, leases: Leases, hosts: Var) -> None:
    """tenant_at_hpc_site: lease[k,s,t] <= D_k hosts[s,t] where the site may get its first HPC."""
    if m.elastic is not None:
        return
    where = leases.lease.exists & hosts.exists[None, :, :]
    m.constrain("tenant_at_hpc_site", leases.lease - hosts * P(ins.tenant.mw, "tenant"), "<=", 0.0,
                where=P(where, "tenant site period"))


def it_in_use(ins: Inputs, cloud_mw: Var, leases: Leases) -> LinExpr:
    """[site, rack, period] IT MW in use: self-operated + leased (tenant k on rack type r_k)."""
    leased = leases.lease.expr().group("tenant", "rack", ins.tenant.rack, len(ins.rack.ids))
    return cloud_mw + leased


def pass_through_rate(ins: Inputs) -> np.ndarray:
    """[K, S, T] USD per leased MW-period a pass-through tenant pays for its energy (0 otherwise)."""
    ten = ins.tenant
    energy = ins.site.price * ins.time.hours[None, :] * ins.op.hpc_load_factor
    return ten.pass_through[:, None, None] * energy[None, :, :] * ins.site.pue_hpc[:, ten.rack].T[:, :, None]
