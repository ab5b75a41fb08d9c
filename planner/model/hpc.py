"""HPC: hall modules, rack positions, self-operated GPUs and tenant leases.

Variables (s site, h hall module, r rack type, k tenant, j its eligible sites, t period):
  halls[s,h,t] in Z+   modules in service; existing <= halls[t] <= halls[t+1];
                       halls[s,h,t] = existing for t < lead_h (built only after its lead time)
  racks[s,r,t] >= 0    rack positions (count), non-decreasing; continuous inside the MILP and
                       made whole by the planner's exact rounding step (integer at sites it names)
  cloud[s,r,t] >= 0    MW of self-operated GPU racks, non-decreasing (GPUs are bought)
  hosts[s,t] in {0,1}  site hosts HPC (non-decreasing), pays the one-time conversion cost
  start[k,tau] in {0,1}, sign_k = sum_tau start[k,tau] (= 1 if committed, <= 1 otherwise)
  lease[k,j,t] >= 0    MW of tenant k at its j-th site; block[k,j] its constant block
  uses[k,j] in {0,1}   only when min_block_mw > 0 or max_sites < |eligible|
Constraints:
  positions   mw_r racks[s,r,t] >= cloud[s,r,t] + sum_{k: r_k = r} lease[k,s,t]
  hall_it     sum_r mw_r racks[s,r,t] <= sum_h it_h halls[s,h,t]
  hosts       sum_h (halls[s,h,t] - existing_sh) <= M_s hosts[s,t]
  delivery    sum_j lease[k,j,t] = D_k active_k[t],  active_k[t] = sum_{tau <= t < tau + n_k} start[k,tau]
  block       lease[k,j,t] <= block[k,j],  sum_j block[k,j] = D_k sign_k
  min_block   m_k uses[k,j] <= block[k,j] <= D_k uses[k,j],  sum_j uses[k,j] <= max_sites_k
Objective: + d_t (lease rate_kst + pass-through energy) lease + d_t (cloud rate_rt - cloud opex) cloud
           - d_t hpc opex mw_r racks;  capex: hall modules at t - lead_h, GPUs and conversion at t.
"""

from __future__ import annotations

import numpy as np
import pulp

from planner.model.core import EQ, GE, LE, Model, lin


def hall_upper_bounds(m: Model) -> np.ndarray:
    """Most hall modules [s,h] each site could hold: by land area and by peak site power."""
    ins = m.inputs
    area = np.where(ins.hall_conversion[None, :], ins.building_area_m2[:, None], ins.free_area_m2[:, None])
    by_land = np.floor(area / ins.hall_m2[None, :] + 1e-9)
    contracted = np.zeros((ins.S, ins.T))
    np.add.at(contracted, ins.contract_site, ins.contract_mw)
    grid = ins.interconnect_mw.copy()
    np.add.at(grid, ins.upgrade_site, ins.upgrade_mw)
    peak_mw = np.minimum(contracted.max(axis=1), grid) / ins.pue_hpc.min(axis=1)
    by_power = np.ceil(peak_mw[:, None] / ins.hall_it_mw[None, :] - 1e-9)
    return ins.existing_halls + np.minimum(by_land, by_power)


def define_hpc(m: Model) -> None:
    ins = m.inputs
    S, T, R, H = ins.S, ins.T, ins.R, len(ins.hall_ids)
    t = np.arange(T)
    existing = ins.existing_halls.astype(float)
    ub = existing if m.bau else hall_upper_bounds(m)
    hall_ub = np.where(t[None, None, :] < ins.hall_lead[None, :, None], existing[:, :, None], ub[:, :, None])
    halls = m.var("halls", (S, H, T), low=existing[:, :, None], up=hall_ub, cat=pulp.LpInteger)
    m.monotone("hall_build", halls, "hall modules")

    site_it_ub = (hall_ub * ins.hall_it_mw[None, :, None]).sum(axis=1)  # [S,T]
    m.site_it_ub = site_it_ub
    rack_ok = (site_it_ub.max(axis=1) > 0)[:, None] & (ins.rack_liquid[None, :] | (ins.air_capacity_mw[:, None] > 0))
    rack_ub = site_it_ub[:, None, :] / ins.rack_mw[None, :, None]
    rack_cat = np.full((S, R, T), pulp.LpContinuous, dtype=object)
    rack_cat[list(m.integer_rack_sites)] = pulp.LpInteger
    racks = m.var("racks", (S, R, T), up=np.ceil(rack_ub), cat=rack_cat, exists=rack_ok[:, :, None])
    m.monotone("rack_build", racks, "rack positions")
    cloud = m.var("cloud_mw", (S, R, T), up=0.0 if m.bau else site_it_ub[:, None, :],
                  exists=rack_ok[:, :, None])
    m.monotone("gpu_build", cloud, "self-operated GPUs")

    # tenants: lease[k] is an array [len(sites_k), T]
    leases = _define_tenants(m)

    occupied = np.empty((S, R, T), dtype=object)  # leased + self-operated MW, as lists of pairs
    for s, r, tt in np.ndindex(S, R, T):
        occupied[s, r, tt] = [(cloud[s, r, tt], 1.0)]
    for k, lease in enumerate(leases):
        r = ins.tenant_rack[k]
        for j, s in enumerate(ins.tenant_sites[k]):
            for tt in range(T):
                if lease[j, tt] is not None:
                    occupied[s, r, tt].append((lease[j, tt], 1.0))
    m.occupied = occupied
    for s, r, tt in np.ndindex(S, R, T):
        pairs = [p for p in occupied[s, r, tt] if p[0] is not None]
        if racks[s, r, tt] is None:
            for var, _ in pairs:
                var.upBound = 0.0
            continue
        m.add("positions", lin((racks[s, r, tt], ins.rack_mw[r]), *[(v, -1.0) for v, _ in pairs]), GE, 0.0,
              f"{ins.rack_ids[r]} rack positions (MW)", site=s, period=tt)
    for s, tt in np.ndindex(S, T):
        m.add("hall_it", lin((racks[s, :, tt], ins.rack_mw), (halls[s, :, tt], -ins.hall_it_mw)), LE, 0.0,
              "hall IT capacity (MW)", site=s, period=tt)

    # one-time site conversion: hosts[s,t] for sites with no HPC yet
    new_site = (existing.sum(axis=1) == 0) & (ub.sum(axis=1) > 0)
    hosts = m.var("hosts", (S, T), up=1.0, cat=pulp.LpBinary, exists=new_site[:, None])
    m.monotone("hosts_build", hosts, "site conversion")
    for s in np.nonzero(new_site)[0]:
        big = float(ub[s].sum())
        for tt in range(T):
            m.add("hosts", lin((halls[s, :, tt], 1.0), (hosts[s, tt], -big)), LE, float(existing[s].sum()),
                  "site conversion", site=s, period=tt)
    m.capex_build(hosts, ins.conversion_cost_usd[:, None] * np.ones(T), lead=np.zeros((S, T), dtype=int))

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
    m.objective(racks, -ins.hpc_opex_usd_per_mw_period * ins.rack_mw[None, :, None] * d[None, None, :])
    m.capex_build(halls, np.broadcast_to(ins.hall_capex_usd[None, :, None], halls.shape),
                      lead=np.broadcast_to(ins.hall_lead[None, :, None], halls.shape), base=existing)
    m.capex_build(cloud, np.broadcast_to(ins.rack_capex_usd_per_mw[None, :, None], cloud.shape),
                      lead=np.zeros(cloud.shape, dtype=int))


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
