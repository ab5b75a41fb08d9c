"""A plan: the decisions, and everything recomputed from them (cash flows, KPIs, tables).

Nothing here reads the model: cash flows are recomputed from the decisions and the input
arrays, so they are an independent check of the objective the solver maximised.

Energy of site s in period t: E = h_t (uptime PUE_m mining + lf sum_r PUE_h,r occupied_r)
MWh, bought from the contracts in force: each contract's take-or-pay volume is paid
anyway and used first, the rest from the cheapest headroom (optimal for this cost).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planner.inputs import Inputs, period_label

STREAMS = (
    "mining_revenue",
    "demand_response_credit",
    "lease_revenue",
    "power_pass_through",
    "cloud_revenue",
    "energy_cost",
    "coincident_peak_cost",
    "opex",
    "capex",
    "residual_value",
)


@dataclass
class Decisions:
    """Decision values, whole units where the plan is physical (halls, racks, CDUs, upgrades)."""

    mining_mw: np.ndarray  # [S,T]
    halls: np.ndarray  # [S,H,T] int
    gpu_racks: np.ndarray  # [S,R,T] self-operated racks bought in each period (whole in a plan)
    cdus: np.ndarray  # [S,C,T] int
    upgrades: np.ndarray  # [U,T] int 0/1
    tenant_start: list[int | None]  # [K] start period (None: not signed)
    lease_mw: list[np.ndarray]  # [K] -> [J_k, T]

    def cloud_racks(self, ins: Inputs) -> np.ndarray:
        """[S,R,T] self-operated racks in service: bought in the last `life` periods."""
        c = np.cumsum(self.gpu_racks, axis=2)
        out = c.copy()
        for r, life in enumerate(ins.rack_life):
            out[:, r, life:] -= c[:, r, :-life] if life < ins.T else 0
        return out

    def cloud_mw(self, ins: Inputs) -> np.ndarray:
        """[S,R,T] self-operated IT MW in service."""
        return self.cloud_racks(ins) * ins.rack_mw[None, :, None]

    def occupied_mw(self, ins: Inputs) -> np.ndarray:
        """[S,R,T] leased + self-operated IT MW."""
        occ = self.cloud_mw(ins)
        for k, lease in enumerate(self.lease_mw):
            occ[ins.tenant_sites[k], ins.tenant_rack[k], :] += lease
        return occ

    def racks_in_use(self, ins: Inputs) -> np.ndarray:
        """[S,R,T] int racks in use: a lease of X MW holds floor(X / rack MW) racks, and
        self-operated racks are whole."""
        in_use = np.floor(self.cloud_racks(ins) + 1e-9).astype(int)
        for k, lease in enumerate(self.lease_mw):
            np.add.at(in_use, (ins.tenant_sites[k], ins.tenant_rack[k]),
                      np.floor(lease / ins.rack_mw[ins.tenant_rack[k]] + 1e-9).astype(int))
        return in_use

    def racks(self, ins: Inputs) -> np.ndarray:
        """[S,R,T] int rack positions installed: the most racks in use so far."""
        return np.maximum.accumulate(self.racks_in_use(ins), axis=2)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mining_mw": self.mining_mw.tolist(),
            "halls": self.halls.tolist(),
            "gpu_racks": (self.gpu_racks.astype(int) if np.array_equal(self.gpu_racks, np.rint(self.gpu_racks))
                          else self.gpu_racks).tolist(),
            "cdus": self.cdus.tolist(),
            "upgrades": self.upgrades.tolist(),
            "tenant_start": self.tenant_start,
            "lease_mw": [x.tolist() for x in self.lease_mw],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Decisions:
        return cls(
            mining_mw=np.array(d["mining_mw"], dtype=float),
            halls=np.array(d["halls"], dtype=int),
            gpu_racks=np.array(d["gpu_racks"]) if np.size(d["gpu_racks"]) else np.zeros(np.shape(d["gpu_racks"])),
            cdus=np.array(d["cdus"], dtype=int),
            upgrades=np.array(d["upgrades"], dtype=int).reshape(-1, len(d["mining_mw"][0]) if d["mining_mw"] else 0),
            tenant_start=list(d["tenant_start"]),
            lease_mw=[np.array(x, dtype=float) for x in d["lease_mw"]],
        )


def _increments(x: np.ndarray, base: np.ndarray | float = 0.0) -> np.ndarray:
    """x[..., t] - x[..., t-1] with x[..., -1] = base."""
    prev = np.concatenate([np.broadcast_to(np.asarray(base, dtype=float), x.shape[:-1])[..., None], x[..., :-1]], axis=-1)
    return x - prev


def _pay_at(amount: np.ndarray, lead: np.ndarray, T: int) -> np.ndarray:
    """Sum amount[..., t] into period max(0, t - lead) -> [T]."""
    out = np.zeros(T)
    periods = np.maximum(0, np.arange(T) - np.broadcast_to(lead, amount.shape))
    np.add.at(out, periods.ravel(), amount.ravel())
    return out


def capex_by_period(ins: Inputs, d: Decisions) -> np.ndarray:
    """[T] capex: hall modules and upgrades at order time (t - lead), CDUs and GPU racks when
    installed, site conversion when its first hall enters service."""
    T = ins.T
    halls = _increments(d.halls, ins.existing_halls) * ins.hall_capex_usd[None, :, None]
    capex = _pay_at(halls, ins.hall_lead[None, :, None], T)
    capex += _pay_at(_increments(d.upgrades.astype(float)) * ins.upgrade_capex_usd[:, None], ins.upgrade_lead[:, None], T)
    capex += (_increments(d.cdus, ins.existing_cdus) * ins.cdu_capex_usd[None, :, None]).sum(axis=(0, 1))
    capex += (d.gpu_racks * ins.rack_capex_usd[None, :, None]).sum(axis=(0, 1))
    new_site = ins.existing_halls.sum(axis=1) == 0
    hosts = ((d.halls.sum(axis=1) - ins.existing_halls.sum(axis=1)[:, None]) > 0.5) & new_site[:, None]
    hosts = np.maximum.accumulate(hosts.astype(float), axis=1)
    capex += (_increments(hosts) * ins.conversion_cost_usd[:, None]).sum(axis=0)
    return capex


def residual_value(ins: Inputs, d: Decisions) -> float:
    """Straight-line residual value at the horizon end of what the plan built or bought."""
    new_site = ins.existing_halls.sum(axis=1) == 0
    hosts = ((d.halls.sum(axis=1) - ins.existing_halls.sum(axis=1)[:, None]) > 0.5) & new_site[:, None]
    hosts = np.maximum.accumulate(hosts.astype(float), axis=1)
    items = (
        (_increments(d.halls, ins.existing_halls) * ins.hall_capex_usd[None, :, None], ins.residual(ins.hall_life)[None]),
        (_increments(d.cdus, ins.existing_cdus) * ins.cdu_capex_usd[None, :, None], ins.residual(ins.cdu_life)[None]),
        (_increments(d.upgrades.astype(float)) * ins.upgrade_capex_usd[:, None], ins.residual(ins.grid_life)),
        (_increments(hosts) * ins.conversion_cost_usd[:, None], ins.residual(ins.grid_life)),
        (d.gpu_racks * ins.rack_capex_usd[None, :, None], ins.residual(ins.rack_life)[None]),
    )
    return float(sum((cost * share).sum() for cost, share in items))


def energy_cost_by_site(ins: Inputs, d: Decisions) -> np.ndarray:
    """[S,T] cost of energy bought: take-or-pay volumes first, then cheapest headroom."""
    occ = d.occupied_mw(ins)
    avg_mw = ins.mining_uptime * ins.pue_mining[:, None] * d.mining_mw + ins.hpc_load_factor * (
        ins.pue_hpc[:, :, None] * occ
    ).sum(axis=1)
    cost = np.zeros((ins.S, ins.T))
    for s in range(ins.S):
        mine = np.nonzero(ins.contract_site == s)[0]
        for t in range(ins.T):
            mw, price, top = ins.contract_mw[mine, t], ins.contract_price[mine, t], ins.contract_top[mine]
            floor = top * mw
            rest = max(0.0, avg_mw[s, t] - floor.sum())
            paid = floor.copy()
            for i in np.argsort(price, kind="stable"):
                take = min(rest, mw[i] - floor[i])
                paid[i] += take
                rest -= take
            paid[np.argmax(mw) if len(mw) else 0] += rest  # overdraw (infeasible plan) still costed
            cost[s, t] = float((paid * price).sum() * ins.hours[t])
    return cost


def cash_flows(ins: Inputs, d: Decisions) -> dict[str, np.ndarray]:
    """Undiscounted cash flow [T] per stream (revenues positive, costs negative)."""
    occ = d.occupied_mw(ins)
    lease_rev = np.zeros(ins.T)
    pass_through = np.zeros(ins.T)
    for k, lease in enumerate(d.lease_mw):
        sites = ins.tenant_sites[k]
        lease_rev += (ins.lease_rev_usd_per_mw[k] * lease).sum(axis=0)
        if ins.tenant_pass_through[k]:
            energy = ins.hours[None, :] * ins.hpc_load_factor * ins.pue_hpc[sites, ins.tenant_rack[k]][:, None] * lease
            pass_through += (ins.site_price[sites] * energy).sum(axis=0)
    firm_mw = ins.hpc_load_factor * (ins.pue_hpc[:, :, None] * occ).sum(axis=1)  # [S,T]
    hall_it = (d.halls * ins.hall_it_mw[None, :, None]).sum(axis=(0, 1))
    opex = (
        ins.mining_opex_usd_per_mw_period * d.mining_mw.sum(axis=0)
        + ins.hpc_opex_usd_per_mw_period * hall_it
        + ins.cloud_opex_usd_per_mw_period * d.cloud_mw(ins).sum(axis=(0, 1))
    )
    return {
        "mining_revenue": (ins.mining_rev_usd_per_mw * d.mining_mw).sum(axis=0),
        "demand_response_credit": (ins.dr_usd_per_mw_period * d.mining_mw).sum(axis=0),
        "lease_revenue": lease_rev,
        "power_pass_through": pass_through,
        "cloud_revenue": (ins.cloud_rev_usd_per_mw[None, :, :] * d.cloud_mw(ins)).sum(axis=(0, 1)),
        "energy_cost": -energy_cost_by_site(ins, d).sum(axis=0),
        "coincident_peak_cost": -(ins.cp_usd_per_mw_period * firm_mw).sum(axis=0),
        "opex": -opex,
        "capex": -capex_by_period(ins, d),
        "residual_value": np.eye(ins.T)[-1] * residual_value(ins, d),
    }


def npv(ins: Inputs, flows: dict[str, np.ndarray]) -> float:
    return float(sum((flows[s] * ins.discount).sum() for s in STREAMS))


def irr(net: np.ndarray, periods_per_year: float) -> float | None:
    """Annual IRR of a per-period net cash flow (bisection on the NPV sign change), or None."""
    if not (net < 0).any() or not (net > 0).any():
        return None
    t = np.arange(len(net)) + 0.5

    def value(rate: float) -> float:
        return float((net * (1 + rate) ** (-t / periods_per_year)).sum())

    lo, hi = -0.99, 10.0
    if value(lo) * value(hi) > 0:
        return None
    for _ in range(200):
        mid = (lo + hi) / 2
        if value(lo) * value(mid) <= 0:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


@dataclass
class Plan:
    """A solved plan: solver facts, decisions, and what follows from them."""

    inputs: Inputs
    decisions: Decisions
    solve: dict[str, Any]  # status, solver, objective (MILP), bound, gap, seconds, message
    bau_npv_usd: float | None = None
    violations: list[Any] = field(default_factory=list)
    build_seconds: float = 0.0

    # ------------------------------------------------------------------ figures
    @property
    def cash_flows(self) -> dict[str, np.ndarray]:
        return cash_flows(self.inputs, self.decisions)

    @property
    def npv_usd(self) -> float:
        return npv(self.inputs, self.cash_flows)

    @property
    def status(self) -> str:
        return str(self.solve["status"])

    @property
    def gap(self) -> float | None:
        """(bound - NPV of this plan) / |NPV|: the solver's bound against the whole-rack plan."""
        bound = self.solve.get("bound")
        if bound is None:
            return None
        return max(0.0, bound - self.npv_usd) / max(1e-9, abs(self.npv_usd))

    def kpis(self) -> dict[str, Any]:
        ins, d = self.inputs, self.decisions
        flows = self.cash_flows
        net = sum(flows[s] for s in STREAMS)
        disc_cum = np.cumsum(net * ins.discount)
        payback = next((i for i, v in enumerate(disc_cum) if v >= 0 and (disc_cum[:i] < 0).any()), None)
        hpc_rev = flows["lease_revenue"] + flows["cloud_revenue"]
        tenant_rev = np.array([(ins.lease_rev_usd_per_mw[k] * x).sum() for k, x in enumerate(d.lease_mw)])
        total_hpc = float(hpc_rev.sum())
        shares = tenant_rev / total_hpc if total_hpc > 0 else np.zeros_like(tenant_rev)
        occ = d.occupied_mw(ins)
        rack_it = occ.sum(axis=1)
        gross_hpc = (ins.pue_hpc[:, :, None] * occ).sum(axis=1)
        gross_mining = ins.pue_mining[:, None] * d.mining_mw
        total_power = gross_hpc.sum() + gross_mining.sum()
        revenue = sum(flows[s] for s in ("mining_revenue", "lease_revenue", "cloud_revenue"))
        hpc_capex = -flows["capex"].sum()
        end_it = float(rack_it[:, -1].sum())
        facility = capex_by_period(ins, Decisions(d.mining_mw, d.halls, np.zeros_like(d.gpu_racks), d.cdus,
                                                  d.upgrades, d.tenant_start, d.lease_mw)).sum()
        hall_it = float(((d.halls[:, :, -1] - ins.existing_halls) * ins.hall_it_mw[None, :]).sum())
        return {
            "npv_usd": self.npv_usd,
            "bau_npv_usd": self.bau_npv_usd,
            "npv_uplift_usd": None if self.bau_npv_usd is None else self.npv_usd - self.bau_npv_usd,
            "irr_per_year": irr(net, 12.0 / ins.period_months),
            "payback_period": None if payback is None else ins.labels[payback],
            "hpc_share_of_power": float(gross_hpc.sum() / total_power) if total_power > 0 else 0.0,
            "hpc_share_of_revenue": float(hpc_rev.sum() / revenue.sum()) if revenue.sum() > 0 else 0.0,
            "tenant_max_share": float(shares.max()) if len(shares) else 0.0,
            "tenant_hhi": float((shares**2).sum()),
            "hpc_it_mw_end": end_it,
            "mining_mw_end": float(d.mining_mw[:, -1].sum()),
            "racks_end": int(d.racks(ins)[:, :, -1].sum()),
            "capex_usd": float(hpc_capex),
            "facility_capex_usd": float(facility),
            "facility_capex_usd_per_mw_it": float(facility / hall_it) if hall_it > 0 else None,
            "gross_to_it_ratio": float(gross_hpc.sum() / rack_it.sum()) if rack_it.sum() > 0 else None,
            "racks_per_mw_it_end": float(d.racks_in_use(ins)[:, :, -1].sum() / end_it) if end_it > 0 else None,
            "tenants_signed": [ins.tenant_ids[k] for k, s in enumerate(d.tenant_start) if s is not None],
        }

    # ------------------------------------------------------------------ tables
    def frames(self) -> dict[str, pd.DataFrame]:
        """site_period, tenants, cash_flows, procurement."""
        ins, d = self.inputs, self.decisions
        occ = d.occupied_mw(ins)
        rows = []
        contracted = np.zeros((ins.S, ins.T))
        np.add.at(contracted, ins.contract_site, ins.contract_mw)
        grid = ins.interconnect_mw[:, None] + np.array(
            [[(ins.upgrade_mw[ins.upgrade_site == s] * d.upgrades[ins.upgrade_site == s, t]).sum() for t in range(ins.T)]
             for s in range(ins.S)]
        ).reshape(ins.S, ins.T)
        rack_it = occ
        racks = d.racks(ins)
        cloud = d.cloud_mw(ins)
        gross = ins.pue_mining[:, None] * d.mining_mw + (ins.pue_hpc[:, :, None] * rack_it).sum(axis=1)
        floor = (ins.rack_m2_per_mw[None, :, None] * rack_it).sum(axis=1) + (ins.cdu_m2[None, :, None] * d.cdus).sum(axis=1)
        hall_area = (ins.hall_m2[None, :, None] * d.halls).sum(axis=1)
        for s, sid in enumerate(ins.site_ids):
            for t, label in enumerate(ins.labels):
                row = {
                    "site_id": sid,
                    "period": label,
                    "mining_mw": d.mining_mw[s, t],
                    "hpc_it_mw": rack_it[s, :, t].sum(),
                    "leased_mw": sum(x[list(ins.tenant_sites[k]).index(s), t] for k, x in enumerate(d.lease_mw)
                                     if s in ins.tenant_sites[k]),
                    "cloud_mw": cloud[s, :, t].sum(),
                    "occupied_mw": occ[s, :, t].sum(),
                    "gross_mw": gross[s, t],
                    "contracted_mw": contracted[s, t],
                    "grid_mw": grid[s, t],
                    "halls": int(d.halls[s, :, t].sum()),
                    "hall_floor_used_m2": floor[s, t],
                    "hall_floor_m2": hall_area[s, t],
                    "cdus": int(d.cdus[s, :, t].sum()),
                }
                for r, rid in enumerate(ins.rack_ids):
                    row[f"racks_{rid}"] = int(racks[s, r, t])
                rows.append(row)
        site_period = pd.DataFrame(rows)
        trows = []
        for k, tid in enumerate(ins.tenant_ids):
            start = d.tenant_start[k]
            for j, s in enumerate(ins.tenant_sites[k]):
                mw = float(d.lease_mw[k][j].max()) if d.lease_mw[k].size else 0.0
                if start is None and mw == 0 and j > 0:
                    continue
                trows.append({
                    "tenant_id": tid,
                    "committed": bool(ins.tenant_committed[k]),
                    "signed": start is not None,
                    "site_id": ins.site_ids[s] if start is not None else None,
                    "it_mw": mw,
                    "start": None if start is None else _label(ins, start),
                    "term_periods": int(ins.tenant_term[k]),
                    "revenue_usd": float((ins.lease_rev_usd_per_mw[k][j] * d.lease_mw[k][j]).sum()),
                })
        tenants = pd.DataFrame(trows)
        tenants = tenants[(tenants["it_mw"] > 1e-6) | ~tenants["signed"]] if len(tenants) else tenants
        flows = self.cash_flows
        cf = pd.DataFrame({"period": ins.labels, **{k: flows[k] for k in STREAMS}})
        cf["net"] = cf[list(STREAMS)].sum(axis=1)
        cf["discount_factor"] = ins.discount
        return {"site_period": site_period, "tenants": tenants, "cash_flows": cf, "procurement": self.procurement()}

    def procurement(self) -> pd.DataFrame:
        """What to order in which period: lead times set order dates back from service dates."""
        ins, d = self.inputs, self.decisions
        rows = []

        def add(kind: str, item: str, site: str, qty: np.ndarray, lead: int) -> None:
            for t in np.nonzero(qty > 1e-9)[0]:
                rows.append({"order_period": _label(ins, t - lead), "in_service": ins.labels[t], "site_id": site,
                             "kind": kind, "item": item, "quantity": float(qty[t])})

        racks = d.racks(ins)
        for s, sid in enumerate(ins.site_ids):
            for h, hid in enumerate(ins.hall_ids):
                add("hall", hid, sid, _increments(d.halls[s, h], ins.existing_halls[s, h]), int(ins.hall_lead[h]))
            for r, rid in enumerate(ins.rack_ids):
                add("rack_position", rid, sid, _increments(racks[s, r]), 0)
                add("gpu_rack", rid, sid, d.gpu_racks[s, r].astype(float), 0)
            for c, cid in enumerate(ins.cdu_ids):
                add("cdu", cid, sid, _increments(d.cdus[s, c], ins.existing_cdus[s, c]), 0)
        for u, uid in enumerate(ins.upgrade_ids):
            add("upgrade", uid, ins.site_ids[ins.upgrade_site[u]], _increments(d.upgrades[u].astype(float)),
                int(ins.upgrade_lead[u]))
        return pd.DataFrame(rows, columns=["order_period", "in_service", "site_id", "kind", "item", "quantity"])

    # ------------------------------------------------------------------ figures
    def plot_power_split(self):
        """Figure: gross MW per site, mining vs HPC, over time."""
        from planner import plots

        return plots.power_split(self)

    def plot_cash_flows(self):
        """Figure: cash flow by stream and period."""
        from planner import plots

        return plots.cash_flows(self)

    def plot_buildout(self):
        """Figure: rack positions, CDUs and hall modules in service."""
        from planner import plots

        return plots.buildout(self)

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        frames = self.frames()
        kpis = self.kpis()
        sp = frames["site_period"]
        end = sp[sp["period"] == self.inputs.labels[-1]]
        return _clean({
            "portfolio": self.inputs.portfolio.name,
            "status": self.status,
            "objective_usd": self.npv_usd,
            "bound_usd": self.solve.get("bound"),
            "gap": self.gap,
            "first_solve_objective_usd": self.solve.get("first_solve_objective"),
            "solver": self.solve.get("solver"),
            "solver_version": self.solve.get("solver_version"),
            "solver_message": self.solve.get("message"),
            "solve_seconds": self.solve.get("solve_seconds"),
            "build_seconds": self.build_seconds,
            "violations": [str(v) for v in self.violations],
            "kpis": kpis,
            "periods": self.inputs.labels,
            "sites": end.drop(columns=["period"]).to_dict(orient="records"),
            "tenants": frames["tenants"].to_dict(orient="records"),
            "cash_flows": frames["cash_flows"].to_dict(orient="list"),
            "decisions": self.decisions.to_dict(),
        })

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, text: str, inputs: Inputs) -> Plan:
        """Rebuild a plan from its JSON and the inputs it was made from."""
        data = json.loads(text)
        solve = {k: data.get(k) for k in ("status", "solver", "solver_version", "solve_seconds")}
        solve.update(objective=data.get("objective_usd"), bound=data.get("bound_usd"),
                     first_solve_objective=data.get("first_solve_objective_usd"),
                     message=data.get("solver_message"))
        return cls(inputs, Decisions.from_dict(data["decisions"]), solve, data["kpis"].get("bau_npv_usd"),
                   list(data.get("violations", [])), data.get("build_seconds", 0.0))


def _label(ins: Inputs, t: int) -> str:
    return period_label(ins.portfolio.spec.horizon.start, ins.period_months, int(t))


def _clean(x: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN/inf to None."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        v = float(x)
        return v if math.isfinite(v) else None
    if isinstance(x, np.bool_):
        return bool(x)
    return x
