"""Decisions: the values a plan consists of, whole where the plan is physical.

Read from a model's solution by :func:`extract` (integer families rounded, solver noise
clipped); everything else in planner.results is recomputed from them and the inputs alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from planner.inputs import Inputs
from planner.model import Model
from planner.results.funding_decisions import FundingDecisions, extract_funding


@dataclass
class Decisions:
    """Decision values of a plan."""

    mining_mw: np.ndarray  # [S,T]
    halls: np.ndarray  # [S,H,T] int, modules in service
    gpu_racks: np.ndarray  # [S,R,T] self-operated racks bought in each period (whole in a plan)
    cdus: np.ndarray  # [S,C,T] int
    upgrades: np.ndarray  # [U,T] int 0/1, in service
    tenant_start: list[int | None]  # [K] start period (None: not signed)
    lease_mw: list[np.ndarray]  # [K] -> [J_k, T] over tenant k's eligible sites, in site order (renewals included)
    tenant_renewals: list[int] = field(default_factory=list)  # [K] renewal options taken (none listed: 0)
    cloud_in_use: np.ndarray | None = None  # [S,R,T] self-operated MW in use (None: every rack owned)
    market_new: np.ndarray | None = None  # [M,S,T] market leases signed, MW (None: none)
    funding: FundingDecisions | None = None  # draws, debt, equity... (None: no financing)

    def path(self, ins: Inputs, k: int) -> tuple[int, int] | None:
        """(j, r) of tenant k's path on the grid of planner.inputs.paths; None when unsigned, or
        when its start is not a candidate start of any tenant (the validator says so)."""
        start = self.tenant_start[k]
        j = np.flatnonzero(ins.paths.periods == start) if start is not None else np.zeros(0, dtype=int)
        r = self.renewals(k)
        return (int(j[0]), r) if len(j) and r < ins.paths.ok.shape[2] else None

    def renewals(self, k: int) -> int:
        """Renewal options tenant k takes."""
        return self.tenant_renewals[k] if k < len(self.tenant_renewals) else 0

    def cloud_used_mw(self, ins: Inputs) -> np.ndarray:
        """[S,R,T] self-operated IT MW in use (at most what is owned)."""
        return self.cloud_mw(ins) if self.cloud_in_use is None else self.cloud_in_use

    def market_signed(self, ins: Inputs) -> np.ndarray:
        """[M,S,T] market leases signed, MW."""
        return np.zeros((ins.market.M, ins.S, ins.T)) if self.market_new is None else self.market_new

    def market_mw(self, ins: Inputs, paying: bool = False) -> np.ndarray:
        """[M,S,T] IT MW under market leases (or paying rent): signed and not yet ended
        (planner.inputs.markets)."""
        new, mk = self.market_signed(ins), ins.market
        out = np.zeros(new.shape)
        t = np.arange(ins.T)
        for m in range(mk.M):
            begin = mk.rent_from[m] if paying else t
            live = (t[None, :] >= begin[:, None]) & (t[None, :] < mk.ends[m][:, None])  # [tau, t]
            out[m] = new[m] @ live
        return out

    def cloud_racks(self, ins: Inputs) -> np.ndarray:
        """[S,R,T] self-operated racks in service: bought and not yet retired (planner.inputs.time)."""
        retired = np.zeros(self.gpu_racks.shape)
        for r in range(len(ins.rack.ids)):
            when = ins.rack.retire[r]
            retired[:, r, :] += self.gpu_racks[:, r, :] @ (when[:, None] == np.arange(ins.T)[None, :])
        return np.cumsum(self.gpu_racks - retired, axis=2)

    def cloud_mw(self, ins: Inputs) -> np.ndarray:
        """[S,R,T] self-operated IT MW in service."""
        return self.cloud_racks(ins) * ins.rack.mw[None, :, None]

    def leased_mw(self, ins: Inputs) -> np.ndarray:
        """[K,S,T] IT MW leased to each tenant at each site."""
        out = np.zeros((ins.tenant.K, ins.S, ins.T))
        for k, lease in enumerate(self.lease_mw):
            out[k, ins.tenant.sites(k)] = lease
        return out

    def installed_mw(self, ins: Inputs) -> np.ndarray:
        """[S,R,T] IT MW installed in halls: as occupied_mw with every self-operated rack owned (idle ones too)."""
        return self.occupied_mw(ins) - self.cloud_used_mw(ins) + self.cloud_mw(ins)

    def occupied_mw(self, ins: Inputs) -> np.ndarray:
        """[S,R,T] IT MW running: leased, self-operated in use and under market leases."""
        occ = self.cloud_used_mw(ins).copy()
        for k, lease in enumerate(self.lease_mw):
            occ[ins.tenant.sites(k), ins.tenant.rack[k], :] += lease
        market = self.market_mw(ins)
        for m in range(ins.market.M):
            occ[:, ins.market.rack[m], :] += market[m]
        return occ

    def racks_in_use(self, ins: Inputs) -> np.ndarray:
        """[S,R,T] int racks in use: a lease of X MW holds floor(X / rack MW) racks, and
        self-operated racks are whole."""
        in_use = np.floor(self.cloud_used_mw(ins) / ins.rack.mw[None, :, None] + 1e-9).astype(int)
        for k, lease in enumerate(self.lease_mw):
            r = ins.tenant.rack[k]
            np.add.at(in_use, (ins.tenant.sites(k), r), np.floor(lease / ins.rack.mw[r] + 1e-9).astype(int))
        market = self.market_mw(ins)
        for m in range(ins.market.M):
            r = ins.market.rack[m]
            in_use[:, r, :] += np.floor(market[m] / ins.rack.mw[r] + 1e-9).astype(int)
        return in_use

    def racks(self, ins: Inputs) -> np.ndarray:
        """[S,R,T] int rack positions installed: the most racks in use or idle in their halls so far."""
        idle = np.floor((self.cloud_mw(ins) - self.cloud_used_mw(ins)) / ins.rack.mw[None, :, None] + 1e-9)
        return np.maximum.accumulate(self.racks_in_use(ins) + np.maximum(idle, 0).astype(int), axis=2)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able values (whole racks as ints)."""
        whole = np.array_equal(self.gpu_racks, np.rint(self.gpu_racks))
        return {
            "mining_mw": self.mining_mw.tolist(),
            "halls": self.halls.tolist(),
            "gpu_racks": (self.gpu_racks.astype(int) if whole else self.gpu_racks).tolist(),
            "cdus": self.cdus.tolist(),
            "upgrades": self.upgrades.tolist(),
            "tenant_start": self.tenant_start,
            "lease_mw": [x.tolist() for x in self.lease_mw],
            "tenant_renewals": list(self.tenant_renewals),
            "cloud_in_use": None if self.cloud_in_use is None else self.cloud_in_use.tolist(),
            "market_new": None if self.market_new is None else self.market_new.tolist(),
            "funding": None if self.funding is None else self.funding.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Decisions:
        """The inverse of to_dict (shapes kept, also of empty arrays)."""
        T = len(d["mining_mw"][0]) if d["mining_mw"] else 0
        S = len(d["mining_mw"])
        racks = np.array(d["gpu_racks"]) if np.size(d["gpu_racks"]) else np.zeros(np.shape(d["gpu_racks"]))
        return cls(
            mining_mw=np.array(d["mining_mw"], dtype=float),
            halls=np.array(d["halls"], dtype=int),
            gpu_racks=racks,
            cdus=np.array(d["cdus"], dtype=int),
            upgrades=np.array(d["upgrades"], dtype=int).reshape(-1, T),
            tenant_start=list(d["tenant_start"]),
            lease_mw=[np.array(x, dtype=float) for x in d["lease_mw"]],
            tenant_renewals=[int(x) for x in d.get("tenant_renewals", [])],
            cloud_in_use=None
            if d.get("cloud_in_use") is None
            else np.array(d["cloud_in_use"], dtype=float).reshape(racks.shape),
            market_new=None
            if d.get("market_new") is None
            else np.array(d["market_new"], dtype=float).reshape(-1, S, T),
            funding=None if d.get("funding") is None else FundingDecisions.from_dict(d["funding"]),
        )


def _clip(x: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Solver noise off continuous values: |x| < tol -> 0, no negatives."""
    return np.where(x < tol, 0.0, x)


def extract(model: Model, x: np.ndarray) -> Decisions:
    """Decisions from the column values x of `model`; integer families rounded, noise clipped."""
    ins = model.inputs
    paths = model.leases.paths
    chosen = model.leases.start.value(x)  # [K, J, R]
    starts: list[int | None] = []
    renewals: list[int] = []
    for k in range(ins.tenant.K):
        flat = chosen[k].ravel()
        best = int(np.argmax(flat)) if flat.size else 0
        signed = flat.size > 0 and flat[best] > 0.5
        j, r = np.unravel_index(best, chosen[k].shape) if flat.size else (0, 0)
        starts.append(int(paths.periods[j]) if signed else None)
        renewals.append(int(r) if signed else 0)
    mw = model.leases.lease.value(x) + model.leases.renewal.value(x)
    return Decisions(
        mining_mw=_clip(model.mining.mw.value(x)),
        halls=np.rint(model.halls.modules.value(x)).astype(int),
        gpu_racks=_clip(model.cloud.bought.value(x)),
        cdus=np.rint(model.cooling.cdus.value(x)).astype(int),
        upgrades=np.rint(model.power.upgrade.value(x)).astype(int).reshape(len(ins.upgrade.ids), ins.T),
        tenant_start=starts,
        lease_mw=[_clip(mw[k, ins.tenant.sites(k)]) for k in range(ins.tenant.K)],
        tenant_renewals=renewals,
        cloud_in_use=_clip(model.cloud.in_use.value(x)) * ins.rack.mw[None, :, None],
        market_new=_clip(model.markets.new.value(x)),
        funding=extract_funding(model, x),
    )


def whole_racks(d: Decisions, ins: Inputs) -> Decisions:
    """Self-operated rack purchases rounded down to whole racks (1e-6 for solver noise), the racks
    in use cut to those still owned."""
    whole = replace(d, gpu_racks=np.floor(d.gpu_racks + 1e-6).astype(int), cloud_in_use=None)
    mw = ins.rack.mw[None, :, None]
    racks = np.floor(np.minimum(d.cloud_used_mw(ins), whole.cloud_mw(ins)) / mw + 1e-6)
    return replace(whole, cloud_in_use=racks * mw)
