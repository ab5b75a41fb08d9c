"""HPC halls: hall modules in service, the one-time site conversion, hall IT capacity.

Variables (s site, h hall module, t period):
  halls[s,h,t] in Z+   modules in service; b_sht <= halls[t] <= halls[t+1]   (hall_build), with
                       b_sht the modules in service at the start and work in progress in service by t;
                       halls[s,h,t] = b_sht before the lead time has passed (m_t < lead_h),
                       at most ub_sh (land and peak power, see hall_upper_bounds)
  hosts[s,t] in {0,1}  site with no HPC at the start hosts HPC (non-decreasing: hosts_build)
Constraints:
  hosts             halls[s,h,t] - b_sht <= (ub_sht - b_sht) hosts[s,t]   (per module type)
  hosts_needs_hall  hosts[s,t] <= sum_h (halls[s,h,t] - b_sht)   (converted once its first hall serves)
  hall_it           sum_r it[s,r,t] <= sum_h it_h halls[s,h,t]   (IT in use: planner.model.tenants.it_in_use)
  hosts_power       sum_r PUE_sr it[s,r,t] <= peak_s,t hosts[s,t], peak_s,t = min(sum_c MW_c,t, IC_s + sum_u MW_u)
                    (running IT; valid inequality, not in elastic models): HPC at a new site needs its
                    conversion and draws at most the site's power (power_contract, interconnect with every
                    upgrade). Implied for integer hosts; in the LP it is the capacitated facility-location
                    link sum_j d_j x_ij <= s_i y_i, which the per-type hosts rows give only at
                    sum_h it_h ub_h, the IT of every module type's bound at once (several times the peak).
Cash flows [s,t]: opex -o_hpc sum_h it_h halls; capex: modules drawn over their construction, the
site conversion cost when the first new hall serves, and what is left to pay on work in progress
(planner.model.buildout). A site with work in progress or halls at the start needs no conversion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.inputs import Inputs
from planner.inputs.power import contracted_mw
from planner.model.algebra import LinExpr, P, Var
from planner.model.builder import ModelBuilder
from planner.model.buildout import at_last_period, capex_paid, monotone, residual


@dataclass(frozen=True)
class Halls:
    """Hall modules, site conversion, and what they bound."""

    modules: Var  # [site, hall, period]
    hosts: Var  # [site, period], where a site has no HPC at the start and may get some
    upper: np.ndarray  # [S, H, T] most modules in service
    site_it_ub: np.ndarray  # [S, T] most hall IT MW in service
    it_capacity: LinExpr  # [site, period] sum_h it_h halls
    spend: LinExpr  # [site, period] capex when paid
    flows: dict[tuple[str, str], LinExpr]


def peak_power_mw(ins: Inputs) -> np.ndarray:
    """[S, T] most MW a site can draw: min(MW contracted in force, interconnect MW with every upgrade)."""
    grid = ins.site.interconnect_mw.copy()
    np.add.at(grid, ins.upgrade.site, ins.upgrade.mw)
    return np.minimum(contracted_mw(ins.contract, ins.S), grid[:, None])


def peak_it_mw(ins: Inputs) -> np.ndarray:
    """[S] most IT MW a site's power could feed: its peak power (peak_power_mw) / its best liquid PUE."""
    return peak_power_mw(ins).max(axis=1) / ins.site.pue_hpc.min(axis=1)


def it_per_hall(ins: Inputs) -> np.ndarray:
    """[H] IT a module can hold: its rated MW, or less where racks and CDUs fill its floor first."""
    m2_per_mw = ins.rack.m2_per_mw.max() + (ins.cdu.m2 / ins.cdu.mw).max()
    return np.minimum(ins.hall.it_mw, ins.hall.m2 / m2_per_mw)


def hall_upper_bounds(ins: Inputs) -> np.ndarray:
    """[S, H] most hall modules each site could hold: by land area and by peak site power."""
    site = ins.site
    area = np.where(ins.hall.conversion[None, :], site.building_area_m2[:, None], site.free_area_m2[:, None])
    by_land = np.floor(area / ins.hall.m2[None, :] + 1e-9)
    peak = peak_it_mw(ins)
    by_power = np.ceil(peak[:, None] / it_per_hall(ins)[None, :] - 1e-9) + (peak[:, None] > 0)  # + a spare's floor
    return site.existing_halls + np.minimum(by_land, by_power)


def schedule(ins: Inputs, mode: str) -> np.ndarray:
    """[S, H, T] modules in service anyway: at the start, and work in progress by t (not in BAU)."""
    existing = ins.site.existing_halls.astype(float)[:, :, None]
    return existing + ins.site.wip_halls * (mode != "bau")


def _upper(ins: Inputs, mode: str, elastic: bool) -> tuple[np.ndarray, np.ndarray]:
    """([S, H] most modules, [S, H, T] the bound by period): what exists in BAU and before the lead
    time; in an elastic model (diagnosis) land and power are constraints, not bounds, so the bound
    is what the tenants need."""
    base = schedule(ins, mode)
    existing = base[:, :, -1]
    if mode == "bau":
        ub = existing
    elif elastic:
        ub = existing + np.ceil(ins.tenant.mw.sum() / it_per_hall(ins).min()) + 1
    else:
        ub = np.maximum(hall_upper_bounds(ins), existing)
    return ub, np.where(ins.hall.ready[None, :, :], np.maximum(ub[:, :, None], base), base)


def define_halls(m: ModelBuilder, ins: Inputs, mode: str) -> Halls:
    """halls[s,h,t] and hosts[s,t] with hall_build, hosts_build, hosts and hosts_needs_hall (module docstring)."""
    base = schedule(ins, mode)
    most, upper = _upper(ins, mode, m.elastic is not None)
    halls = m.var(
        "halls", "site hall period", lower=P(base, "site hall period"), upper=P(upper, "site hall period"), integer=True
    )
    monotone(m, "hall_build", halls)
    new_site = (base[:, :, -1].sum(axis=1) == 0) & (most.sum(axis=1) > 0)
    hosts = m.var("hosts", "site period", upper=1.0, integer=True, where=P(new_site, "site"))
    monotone(m, "hosts_build", hosts)
    m.constrain(
        "hosts",
        halls + hosts * P(base - upper, "site hall period"),
        "<=",
        P(base, "site hall period"),
        where=P(new_site[:, None, None] & (upper > base), "site hall period"),
    )
    m.constrain(
        "hosts_needs_hall",
        hosts - halls.sum("hall"),
        "<=",
        P(-base.sum(axis=1), "site period"),
        where=P(new_site, "site"),
    )
    it_capacity = (halls * P(ins.hall.it_mw, "hall")).sum("hall")
    grid_share = P(ins.book(ins.op.grid_residual_share), "period")
    hall_share = P(ins.book(ins.hall.residual_share), "hall period")
    cost = P(ins.hall.capex_usd, "hall")
    base_p = P(base, "site hall period")
    spend = (
        capex_paid(halls, cost, ins.hall.draws, base_p, owner="hall").sum("hall")
        + capex_paid(hosts, P(ins.site.conversion_cost_usd, "site"))
        + LinExpr.constant(P(ins.site.wip_spend_usd * (mode != "bau"), "site period"))
    )
    book = residual(halls, cost, hall_share, base_p).sum("hall") + residual(
        hosts, P(ins.site.conversion_cost_usd, "site"), grid_share
    )
    flows = {
        ("opex", "base"): it_capacity * P(-ins.op.hpc_opex_usd_per_mw_period, "period"),
        ("capex", "base"): -spend,
        ("residual_value", "base"): at_last_period(book, ins.T),
    }
    site_it_ub = (upper * ins.hall.it_mw[None, :, None]).sum(axis=1)
    return Halls(halls, hosts, upper, site_it_ub, it_capacity, spend, flows)


def define_hall_it(m: ModelBuilder, halls: Halls, it: LinExpr) -> None:
    """hall_it: sum_r it[s,r,t] <= sum_h it_h halls[s,h,t]."""
    m.constrain("hall_it", it.sum("rack") - halls.it_capacity, "<=", 0.0)


def define_hosts_power(m: ModelBuilder, ins: Inputs, hosts: Var, running: LinExpr) -> None:
    """hosts_power: sum_r PUE_sr it[s,r,t] <= peak_s,t hosts[s,t] at new sites (module docstring)."""
    if m.elastic is not None:
        return
    gross = (running * P(ins.site.pue_hpc, "site rack")).sum("rack")
    m.constrain("hosts_power", gross - hosts * P(peak_power_mw(ins), "site period"), "<=", 0.0, where=hosts.exists)
