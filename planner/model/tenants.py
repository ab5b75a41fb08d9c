"""Tenant contracts: offers signed or not, along which path (start, renewals), and their MW by site.

Variables (k tenant, s site, path (j, r): start period tau_j and r renewal options, t period);
in business as usual only the contracts already running at the horizon start:
  start[k,j,r] in {0,1}  tenant k takes path (j, r); sign_k = sum_{j,r} start[k,j,r]
  lease[k,s,t] >= 0      its IT MW at eligible site s in its base term; renewal[k,s,t] in renewals
  block[k,s] >= 0        its block at s (tenants with more than one eligible site, unless it has
                         MW in one period only and no uses or path_mw: there the delivery row
                         bounds it and block[k,s] = lease + renewal in that period; Leases.block_mw)
  uses[k,s] in {0,1}     it has a block at s (only with min_block_mw > 0 or max_sites < |eligible|)
  path_mw[k,s,j,r] >= 0  its block at s along path (j, r) (multi-site tenants whose value after the
                         horizon depends on the path): sum_s = MW_k start[k,j,r], sum_{j,r} = block[k,s]
Constraints (planner.inputs.paths: base and renewal MW of each path, tranches included):
  sign               sign_k = 1 (committed) or <= 1 (optional)
  delivery           sum_s lease[k,s,t] = sum_{j,r} base_k,j,r,t start[k,j,r]
  renewal_delivery   sum_s renewal[k,s,t] = sum_{j,r} renewal_k,j,r,t start[k,j,r]
  block_total        sum_s block[k,s] = MW_k sign_k;  block, renewal_block  lease, renewal <= block
  block_max, min_block, max_sites   as before;  path_block, path_site   the path_mw sums above
  tenant_at_hpc_site lease + renewal <= MW_k hosts[s,t]   (valid inequality, not in elastic models)
A lease is critical IT MW (the tenant fills it with floor(MW / rack kW) whole racks).
Cash flows [s,t] (risk class: investment_grade for the IG-backed share, contracted for the rest):
rent lease_k,s,t (lease + rate_factor_k renewal); opex recovered per leased MW; and, by path, the
delay penalty at the start, a GPU-service contract's GPU purchases at each tranche's start, its
prepayment at signing and its GPUs' resale at the end; the contracted value after the horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.inputs import Inputs
from planner.inputs.paths import ContractPaths
from planner.model.algebra import LinExpr, P, Var
from planner.model.builder import ModelBuilder
from planner.model.contract_flows import path_flows, revenue_flows


@dataclass(frozen=True)
class Leases:
    """Tenant decisions."""

    paths: ContractPaths
    start: Var  # [tenant, start, option]
    lease: Var  # [tenant, site, period] base term
    renewal: Var  # [tenant, site, period] renewals
    block: Var  # [tenant, site]
    uses: Var  # [tenant, site]
    path_mw: Var  # [tenant, site, start, option]
    mw: LinExpr  # [tenant, site, period] lease + renewal
    revenue: LinExpr  # [tenant, site, period] undiscounted rent
    flows: dict[tuple[str, str], LinExpr]

    def block_mw(self, x: np.ndarray) -> np.ndarray:
        """[K, S] each tenant's block at each site at the column values x: block where it is a
        column, else its most MW there in any period (lease + renewal: the block it would be)."""
        most = self.mw.evaluate(x).max(axis=2) if self.lease.shape[2] else np.zeros(self.block.shape)
        return np.where(self.block.index >= 0, self.block.value(x), most)


def running(ins: Inputs) -> np.ndarray:
    """[K] committed tenants that started before the horizon (they stay in business as usual; one
    starting at the horizon start counts as new)."""
    return ins.tenant.committed & (ins.tenant.last < 0)


def define_leases(m: ModelBuilder, ins: Inputs, mode: str) -> Leases:
    """start, lease and renewal with sign and the delivery families, the blocks, the path blocks
    and the contract's cash flows (module docstring)."""
    ten, paths = ins.tenant, ins.paths
    on = running(ins) if mode == "bau" else np.ones(ten.K, dtype=bool)
    start = m.var(
        "start",
        "tenant start option",
        upper=1.0,
        integer=True,
        where=P(paths.ok & on[:, None, None], "tenant start option"),
    )
    base_live = (paths.base_mw > 0).any(axis=(1, 2)) & on[:, None]
    renewal_live = (paths.renewal_mw > 0).any(axis=(1, 2)) & on[:, None]
    at = ten.eligible[:, :, None]
    lease = m.var(
        "lease",
        "tenant site period",
        upper=P(ten.mw, "tenant"),
        where=P(at & base_live[:, None, :], "tenant site period"),
    )
    renewal = m.var(
        "renewal",
        "tenant site period",
        upper=P(ten.mw, "tenant"),
        where=P(at & renewal_live[:, None, :], "tenant site period"),
    )
    signed = start.sum("start", "option")
    m.constrain("sign", signed, "==", 1.0, where=P(ten.committed & on, "tenant"))
    m.constrain("sign", signed, "<=", 1.0, where=P(~ten.committed & on, "tenant"))
    for family, var, path_mw_of in (
        ("delivery", lease, paths.base_mw),
        ("renewal_delivery", renewal, paths.renewal_mw),
    ):
        served = (start * P(path_mw_of, "tenant start option period")).sum("start", "option")
        m.constrain(family, var.sum("site") - served, "==", 0.0)
    block, uses = _define_blocks(m, ins, lease, renewal, signed, on, needs_block(ins, base_live | renewal_live))
    path_mw = _define_path_blocks(m, ins, start, block, on)
    mw = lease + renewal
    revenue, rent_flows = revenue_flows(ins, lease, renewal)
    flows = {**rent_flows, **path_flows(ins, start, path_mw)}
    return Leases(paths, start, lease, renewal, block, uses, path_mw, mw, revenue, _merge(flows))


def _merge(flows: dict[tuple[str, str], LinExpr]) -> dict[tuple[str, str], LinExpr]:
    return {k: v for k, v in flows.items() if v is not None}


def _define_blocks(
    m: ModelBuilder, ins: Inputs, lease: Var, renewal: Var, signed: LinExpr, on: np.ndarray, blocks: np.ndarray
) -> tuple[Var, Var]:
    """block and uses with block_total, block, renewal_block, block_max, min_block and max_sites, for
    tenants with more than one eligible site where `blocks` [K] (needs_block) or where it chooses its
    sites (uses)."""
    ten = ins.tenant
    D = P(ten.mw, "tenant")
    several = ten.eligible.sum(axis=1) > 1
    choose = several & ((ten.min_block_mw > 0) | (ten.max_sites < ten.eligible.sum(axis=1))) & on
    several = (blocks & on) | choose
    at_site = several[:, None] & ten.eligible
    block = m.var("block", "tenant site", upper=D, where=P(at_site, "tenant site"))
    m.constrain("block_total", block.sum("site") - signed * D, "==", 0.0, where=P(several, "tenant"))
    m.constrain("block", lease - block, "<=", 0.0, where=lease.exists & at_site[:, :, None])
    m.constrain("renewal_block", renewal - block, "<=", 0.0, where=renewal.exists & at_site[:, :, None])
    at = P(choose[:, None] & ten.eligible, "tenant site")
    uses = m.var("uses", "tenant site", upper=1.0, integer=True, where=at)
    m.constrain("block_max", block - uses * D, "<=", 0.0, where=at)
    m.constrain("min_block", block - uses * P(ten.min_block_mw, "tenant"), ">=", 0.0, where=at)
    m.constrain(
        "max_sites", uses.sum("site"), "<=", P(ten.max_sites.astype(float), "tenant"), where=P(choose, "tenant")
    )
    return block, uses


def needs_block(ins: Inputs, live: np.ndarray) -> np.ndarray:
    """[K] tenants with more than one eligible site whose block is a decision: MW in more than one
    period (`live` [K, T]: some path has MW in t) or a path block (needs_path_mw); with MW in one
    period only, the delivery row already bounds the lease by the block the tenant signs."""
    several = ins.tenant.eligible.sum(axis=1) > 1
    return several & ((live.sum(axis=1) > 1) | needs_path_mw(ins).any(axis=1))


def needs_path_mw(ins: Inputs) -> np.ndarray:
    """[K, S] where a multi-site tenant's value depends on its path and site (its value after the
    horizon differs by site)."""
    ten = ins.tenant
    several = ten.eligible.sum(axis=1) > 1
    varies = np.abs(ins.terminal.tenant).sum(axis=(2, 3)) > 0
    return several[:, None] & ten.eligible & varies.any(axis=1)[:, None]


def _define_path_blocks(m: ModelBuilder, ins: Inputs, start: Var, block: Var, on: np.ndarray) -> Var:
    """path_mw with path_block and path_site (module docstring)."""
    ten, paths = ins.tenant, ins.paths
    need = needs_path_mw(ins) & on[:, None]
    where = need[:, :, None, None] & paths.ok[:, None, :, :]
    path_mw = m.var(
        "path_mw", "tenant site start option", upper=P(ten.mw, "tenant"), where=P(where, "tenant site start option")
    )
    tenant_needs = need.any(axis=1)
    m.constrain(
        "path_block",
        path_mw.sum("site") - start * P(ten.mw, "tenant"),
        "==",
        0.0,
        where=P(tenant_needs[:, None, None] & paths.ok, "tenant start option"),
    )
    m.constrain("path_site", path_mw.sum("start", "option") - block, "==", 0.0, where=P(need, "tenant site"))
    return path_mw


def define_hpc_site_link(m: ModelBuilder, ins: Inputs, leases: Leases, hosts: Var) -> None:
    """tenant_at_hpc_site: lease + renewal <= MW_k hosts[s,t] where the site may get its first HPC."""
    if m.elastic is not None:
        return
    where = (leases.lease.exists | leases.renewal.exists) & hosts.exists[None, :, :]
    m.constrain(
        "tenant_at_hpc_site",
        leases.mw - hosts * P(ins.tenant.mw, "tenant"),
        "<=",
        0.0,
        where=P(where, "tenant site period"),
    )


def it_in_use(
    ins: Inputs, cloud_in_use: LinExpr, cloud_owned: Var, leases: Leases, market_mw: Var
) -> tuple[LinExpr, LinExpr, LinExpr]:
    """[site, rack, period]: (IT MW running: self-operated in use + leased (tenant k on rack r_k) +
    market leases; IT MW installed: the same with every self-operated rack owned, idle ones too,
    which keep their hall positions until the end of their life; the running IT whose tenants pay
    their energy)."""
    R = len(ins.rack.ids)
    leased = leases.mw.group("tenant", "rack", ins.tenant.rack, R)
    market = market_mw.expr().group("market", "rack", ins.market.rack, R)
    paying = (leases.mw * P(ins.tenant.pass_through, "tenant")).group("tenant", "rack", ins.tenant.rack, R)
    paying = paying + (market_mw * P(ins.market.pass_through, "market")).group("market", "rack", ins.market.rack, R)
    return cloud_in_use + leased + market, cloud_owned + leased + market, paying
