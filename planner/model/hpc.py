"""HPC: hall modules, self-operated GPUs and tenant leases.

Variables (s site, h hall module, r rack type, k tenant, j its eligible sites, t period):
  halls[s,h,t] in Z+   modules in service; existing <= halls[t] <= halls[t+1];
                       halls[s,h,t] = existing for t < lead_h (built only after its lead time)
  gpu_racks[s,r,tau] >= 0  self-operated racks bought in tau; they earn for their life l_r
  cloud[s,r,t] >= 0    self-operated IT MW: cloud[s,r,t] = mw_r sum_{t-l_r < tau <= t} gpu_racks[s,r,tau], as
                       gpu_fleet  cloud[s,r,t] = cloud[s,r,t-1] + mw_r (gpu_racks[s,r,t] - gpu_racks[s,r,t-l_r])
                       (4 nonzeros a row instead of l_r + 1: 2.4M fewer on the 1,000-site rung)
                       cloud_market  sum_{s,r} cloud[s,r,t] <= the market's MW (when the scenario caps it)
  hosts[s,t] in {0,1}  site hosts HPC (non-decreasing), pays the one-time conversion cost
  start[k,tau] in {0,1}, sign_k = sum_tau start[k,tau] (= 1 if committed, <= 1 otherwise)
  lease[k,j,t] >= 0    MW of tenant k at its j-th site; block[k,j] its constant block
  uses[k,j] in {0,1}   only when min_block_mw > 0 or max_sites < |eligible|
IT in use occupied[s,r,t] = cloud[s,r,t] + sum_{k: r_k = r, s in E_k} lease[k,s,t] is what power,
cooling and land provision for. A lease is critical IT MW (the tenant fills it with whole
racks: floor(MW / rack kW) of them). Self-operated rack purchases are continuous in the
first solve and integer in the whole-rack step (planner.planning).
Constraints:
  hall_it     sum_r occupied[s,r,t] <= sum_h it_h halls[s,h,t]
  hosts       halls[s,h,t] - existing_sh <= (ub_sht - existing_sh) hosts[s,t]   (per module type)
              hosts[s,t] <= sum_h (halls[s,h,t] - existing_sh)   (converted once its first hall serves)
  delivery    sum_j lease[k,j,t] = D_k active_k[t],  active_k[t] = sum_{tau <= t < tau + n_k} start[k,tau]
  block       lease[k,j,t] <= block[k,j],  sum_j block[k,j] = D_k sign_k
  min_block   m_k uses[k,j] <= block[k,j] <= D_k uses[k,j],  sum_j uses[k,j] <= max_sites_k
  tenant_at_hpc_site  lease[k,j,t] <= D_k hosts[s_j,t]   (valid inequality: the strong
              facility-location link, which the LP relaxation needs to bound well)
Objective: + d_t (lease rate_kst + pass-through energy) lease + d_t (cloud rate_rt - cloud opex) cloud
           - d_t hpc opex it_h halls;  capex: hall modules at t - lead_h, GPU racks when bought,
           site conversion when the first hall enters service.
"""

from __future__ import annotations

import numpy as np
import pulp

from planner.inputs import Inputs
from planner.model.core import EQ, GE, LE, Model, lin


def peak_it_mw(ins: Inputs) -> np.ndarray:
    """[S] most IT MW a site's power could feed: min(peak contracted MW, interconnect MW with
    every upgrade) / its best liquid PUE."""
    contracted = np.zeros((ins.S, ins.T))
    np.add.at(contracted, ins.contract_site, ins.contract_mw)
    grid = ins.interconnect_mw.copy()
    np.add.at(grid, ins.upgrade_site, ins.upgrade_mw)
    return np.minimum(contracted.max(axis=1), grid) / ins.pue_hpc.min(axis=1)


def hall_upper_bounds(m: Model) -> np.ndarray:
    """Most hall modules [s,h] each site could hold: by land area and by peak site power."""
    ins = m.inputs
    area = np.where(ins.hall_conversion[None, :], ins.building_area_m2[:, None], ins.free_area_m2[:, None])
    by_land = np.floor(area / ins.hall_m2[None, :] + 1e-9)
    peak_mw = peak_it_mw(ins)
    # IT a module can hold: its rated MW, or less where racks and CDUs fill its floor first
    m2_per_mw = ins.rack_m2_per_mw.max() + (ins.cdu_m2 / ins.cdu_mw).max()
    it_per_hall = np.minimum(ins.hall_it_mw, ins.hall_m2 / m2_per_mw)
    by_power = np.ceil(peak_mw[:, None] / it_per_hall[None, :] - 1e-9) + (peak_mw[:, None] > 0)  # + a spare's floor
    return ins.existing_halls + np.minimum(by_land, by_power)


def define_hpc(m: Model) -> None:
    ins = m.inputs
    S, T, R, H = ins.S, ins.T, ins.R, len(ins.hall_ids)
    t = np.arange(T)
    existing = ins.existing_halls.astype(float)
    if m.bau:
        ub = existing
    elif m.elastic is not None:  # diagnosis: land and power limits as (elastic) constraints, not bounds
        m2_per_mw = ins.rack_m2_per_mw.max() + (ins.cdu_m2 / ins.cdu_mw).max()
        it_per_hall = np.minimum(ins.hall_it_mw, ins.hall_m2 / m2_per_mw).min()
        ub = existing + np.ceil(ins.tenant_mw.sum() / it_per_hall) + 1
    else:
        ub = hall_upper_bounds(m)
    hall_ub = np.where(t[None, None, :] < ins.hall_lead[None, :, None], existing[:, :, None], ub[:, :, None])
    halls = m.var("halls", (S, H, T), low=existing[:, :, None], up=hall_ub, cat=pulp.LpInteger)
    m.monotone("hall_build", halls, "hall modules")

    site_it_ub = (hall_ub * ins.hall_it_mw[None, :, None]).sum(axis=1)  # [S,T]
    m.site_it_ub = site_it_ub
    cloud_ok = (site_it_ub.max(axis=1) > 0)[:, None] & (ins.rack_liquid[None, :] | (ins.air_capacity_mw[:, None] > 0))
    cloud_ok &= not m.bau
    exists = np.broadcast_to(cloud_ok[:, :, None], (S, R, T))
    bought = m.var("gpu_racks", (S, R, T), up=np.floor(site_it_ub[:, None, :] / ins.rack_mw[None, :, None]),
                   cat=pulp.LpInteger if m.integer_gpus else pulp.LpContinuous, exists=exists)
    cloud = m.var("cloud_mw", (S, R, T), up=site_it_ub[:, None, :], exists=exists)
    for s, r in zip(*np.nonzero(cloud_ok)):
        life = int(ins.rack_life[r])
        mw = ins.rack_mw[r]
        for tt in range(T):
            terms = [(cloud[s, r, tt], 1.0), (bought[s, r, tt], -mw)]
            terms += [(cloud[s, r, tt - 1], -1.0)] if tt > 0 else []
            terms += [(bought[s, r, tt - life], mw)] if tt >= life else []
            m.add("gpu_fleet", lin(*terms), EQ, 0.0, f"self-operated {ins.rack_ids[r]} racks (MW)", site=s, period=tt)
    if ins.cloud_max_it_mw is not None and cloud_ok.any():
        for tt in range(T):
            m.add("cloud_market", lin((cloud[:, :, tt], 1.0)), LE, ins.cloud_max_it_mw[tt], "GPU-cloud market (MW)",
                  period=tt)
    m.capex(bought, np.broadcast_to(ins.rack_capex_usd[None, :, None], bought.shape),
            np.broadcast_to(np.arange(T), bought.shape), np.broadcast_to(ins.residual(ins.rack_life)[None], bought.shape))

    leases = _define_tenants(m)  # lease[k]: [eligible site j, T]
    occupied = np.empty((S, R, T), dtype=object)  # IT MW in use: self-operated + leased variables
    for s, r, tt in np.ndindex(S, R, T):
        occupied[s, r, tt] = [] if cloud[s, r, tt] is None else [cloud[s, r, tt]]
    for k, lease in enumerate(leases):
        for j, s in enumerate(ins.tenant_sites[k]):
            for tt in np.nonzero(lease[j] != None)[0]:  # noqa: E711
                occupied[s, ins.tenant_rack[k], tt].append(lease[j, tt])
    m.occupied = occupied
    for s, tt in np.ndindex(S, T):
        m.add("hall_it", lin(*m.it_terms(s, tt, np.ones(R)), (halls[s, :, tt], -ins.hall_it_mw)), LE, 0.0,
              "hall IT capacity (MW)", site=s, period=tt)

    # one-time site conversion: hosts[s,t] for sites with no HPC yet
    new_site = (existing.sum(axis=1) == 0) & (ub.sum(axis=1) > 0)
    hosts = m.var("hosts", (S, T), up=1.0, cat=pulp.LpBinary, exists=new_site[:, None])
    m.monotone("hosts_build", hosts, "site conversion")
    for s in np.nonzero(new_site)[0]:
        for tt in range(T):
            for h in np.nonzero(hall_ub[s, :, tt] > existing[s])[0]:
                m.add("hosts", lin((halls[s, h, tt], 1.0), (hosts[s, tt], existing[s, h] - hall_ub[s, h, tt])), LE,
                      existing[s, h], "site conversion", site=s, period=tt)
            m.add("hosts_needs_hall", lin((hosts[s, tt], 1.0), (halls[s, :, tt], -1.0)), LE, -float(existing[s].sum()),
                  "site conversion", site=s, period=tt)
    m.capex_build(hosts, ins.conversion_cost_usd[:, None] * np.ones(T), lead=np.zeros((S, T), dtype=int),
                  life=ins.grid_life)
    # valid inequality (the strong facility-location link): a tenant is only at a converted site;
    # left out of elastic models, where hall capacity may be short and must show as such
    for k, lease in enumerate(leases if m.elastic is None else []):
        for j, s in enumerate(ins.tenant_sites[k]):
            if hosts[s, 0] is None:
                continue
            for tt in range(T):
                if lease[j, tt] is not None:
                    m.add("tenant_at_hpc_site", lin((lease[j, tt], 1.0), (hosts[s, tt], -ins.tenant_mw[k])), LE, 0.0,
                          "site conversion", site=s, period=tt, tenant=k)

    # objective
    d = ins.discount
    for k, lease in enumerate(leases):
        sites = ins.tenant_sites[k]
        r = ins.tenant_rack[k]
        rate = ins.lease_rev_usd_per_mw[k].copy()
        if ins.tenant_pass_through[k]:
            rate += ins.site_price[sites] * ins.hours[None, :] * ins.hpc_load_factor * ins.pue_hpc[sites, r][:, None]
        m.objective(lease, rate * d[None, :])
    m.objective(cloud, (ins.cloud_rev_usd_per_mw[None, :, :] - ins.cloud_opex_usd_per_mw_period) * d[None, None, :])
    m.objective(halls, -ins.hpc_opex_usd_per_mw_period * ins.hall_it_mw[None, :, None] * d[None, None, :])
    m.capex_build(halls, ins.hall_capex_usd[None, :, None], lead=ins.hall_lead[None, :, None],
                  life=np.broadcast_to(ins.hall_life[None, :], (S, H)), base=existing)


def _define_tenants(m: Model) -> list[np.ndarray]:
    ins = m.inputs
    T = ins.T
    leases: list[np.ndarray] = []
    for k in range(len(ins.tenant_ids)):
        sites = ins.tenant_sites[k]
        J = len(sites)
        if m.bau:
            leases.append(np.full((J, T), None, dtype=object))
            m.starts.append((np.full(0, None, dtype=object), np.zeros(0, dtype=int)))
            continue
        starts = ins.tenant_starts[k][ins.tenant_starts[k] < T]
        act = np.array([ins.active(k, tau) for tau in starts])  # [tau, T]
        D = float(ins.tenant_mw[k])
        start = m.var(f"start_{k}", (len(starts),), up=1.0, cat=pulp.LpBinary)
        m.starts.append((start, starts))
        sense = EQ if ins.tenant_committed[k] else LE
        m.add("sign", lin((start, 1.0)), sense, 1.0, "tenant signature", tenant=k)
        live = act.any(axis=0)
        lease = m.var(f"lease_{k}", (J, T), up=D, exists=np.broadcast_to(live, (J, T)))
        for tt in np.nonzero(live)[0]:
            m.add("delivery", lin((lease[:, tt], 1.0), (start, -D * act[:, tt])), EQ, 0.0,
                  f"tenant IT MW ({D:g} MW)", tenant=k, period=tt)
        if J > 1:
            block = m.var(f"block_{k}", (J,), up=D)
            m.add("block_total", lin((block, 1.0), (start, -D)), EQ, 0.0, "tenant blocks", tenant=k)
            for j in range(J):
                for tt in np.nonzero(live)[0]:
                    m.add("block", lin((lease[j, tt], 1.0), (block[j], -1.0)), LE, 0.0, "tenant block",
                          site=sites[j], period=tt, tenant=k)
            if ins.tenant_min_block_mw[k] > 0 or ins.tenant_max_sites[k] < J:
                uses = m.var(f"uses_{k}", (J,), up=1.0, cat=pulp.LpBinary)
                for j in range(J):
                    m.add("block_max", lin((block[j], 1.0), (uses[j], -D)), LE, 0.0, "tenant block",
                          site=sites[j], tenant=k)
                    m.add("min_block", lin((block[j], 1.0), (uses[j], -ins.tenant_min_block_mw[k])), GE, 0.0,
                          f"minimum block ({ins.tenant_min_block_mw[k]:g} MW)", site=sites[j], tenant=k)
                m.add("max_sites", lin((uses, 1.0)), LE, float(ins.tenant_max_sites[k]),
                      f"at most {ins.tenant_max_sites[k]} sites", tenant=k)
        leases.append(lease)
    m.leases = leases
    return leases
