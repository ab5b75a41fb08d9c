"""Decisions: the values a plan consists of, whole where the plan is physical.

Read from a model's solution by :func:`extract` (integer families rounded, solver noise
clipped); everything else in planner.results is recomputed from them and the inputs alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from planner.inputs import Inputs
from planner.model import Model


@dataclass
class Decisions:
    """Decision values of a plan."""

    mining_mw: np.ndarray  # [S,T]
    halls: np.ndarray  # [S,H,T] int, modules in service
    gpu_racks: np.ndarray  # [S,R,T] self-operated racks bought in each period (whole in a plan)
    cdus: np.ndarray  # [S,C,T] int
    upgrades: np.ndarray  # [U,T] int 0/1, in service
    tenant_start: list[int | None]  # [K] start period (None: not signed)
    lease_mw: list[np.ndarray]  # [K] -> [J_k, T] over tenant k's eligible sites, in site order

    def cloud_racks(self, ins: Inputs) -> np.ndarray:
        """[S,R,T] self-operated racks in service: bought and not yet retired (planner.inputs.time)."""
        retired = np.zeros(self.gpu_racks.shape)
        for r in range(len(ins.rack.ids)):
            when = ins.rack.retire[r]
            inside = when < ins.T
            np.add.at(retired[:, r, :], (slice(None), when[inside]), self.gpu_racks[:, r, inside])
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

    def occupied_mw(self, ins: Inputs) -> np.ndarray:
        """[S,R,T] leased + self-operated IT MW."""
        occ = self.cloud_mw(ins)
        for k, lease in enumerate(self.lease_mw):
            occ[ins.tenant.sites(k), ins.tenant.rack[k], :] += lease
        return occ

    def racks_in_use(self, ins: Inputs) -> np.ndarray:
        """[S,R,T] int racks in use: a lease of X MW holds floor(X / rack MW) racks, and
        self-operated racks are whole."""
        in_use = np.floor(self.cloud_racks(ins) + 1e-9).astype(int)
        for k, lease in enumerate(self.lease_mw):
            r = ins.tenant.rack[k]
            np.add.at(in_use, (ins.tenant.sites(k), r), np.floor(lease / ins.rack.mw[r] + 1e-9).astype(int))
        return in_use

    def racks(self, ins: Inputs) -> np.ndarray:
        """[S,R,T] int rack positions installed: the most racks in use so far."""
        return np.maximum.accumulate(self.racks_in_use(ins), axis=2)

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
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Decisions:
        """The inverse of to_dict (shapes kept, also of empty arrays)."""
        T = len(d["mining_mw"][0]) if d["mining_mw"] else 0
        return cls(
            mining_mw=np.array(d["mining_mw"], dtype=float),
            halls=np.array(d["halls"], dtype=int),
            gpu_racks=np.array(d["gpu_racks"]) if np.size(d["gpu_racks"]) else np.zeros(np.shape(d["gpu_racks"])),
            cdus=np.array(d["cdus"], dtype=int),
            upgrades=np.array(d["upgrades"], dtype=int).reshape(-1, T),
            tenant_start=list(d["tenant_start"]),
            lease_mw=[np.array(x, dtype=float) for x in d["lease_mw"]],
        )


def _clip(x: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Solver noise off continuous values: |x| < tol -> 0, no negatives."""
    return np.where(x < tol, 0.0, x)


def extract(model: Model, x: np.ndarray) -> Decisions:
    """Decisions from the column values x of `model`; integer families rounded, noise clipped."""
    ins = model.inputs
    grid = model.leases.grid
    chosen = model.leases.start.value(x)  # [K, J]
    starts: list[int | None] = []
    for k in range(ins.tenant.K):
        j = int(np.argmax(chosen[k])) if chosen.shape[1] else 0
        starts.append(int(grid.periods[j]) if chosen.shape[1] and chosen[k, j] > 0.5 else None)
    lease = model.leases.lease.value(x)
    return Decisions(
        mining_mw=_clip(model.mining.mw.value(x)),
        halls=np.rint(model.halls.modules.value(x)).astype(int),
        gpu_racks=_clip(model.cloud.bought.value(x)),
        cdus=np.rint(model.cooling.cdus.value(x)).astype(int),
        upgrades=np.rint(model.power.upgrade.value(x)).astype(int).reshape(len(ins.upgrade.ids), ins.T),
        tenant_start=starts,
        lease_mw=[_clip(lease[k, ins.tenant.sites(k)]) for k in range(ins.tenant.K)],
    )


def whole_racks(d: Decisions) -> Decisions:
    """Self-operated rack purchases rounded down to whole racks (1e-6 for solver noise)."""
    return replace(d, gpu_racks=np.floor(d.gpu_racks + 1e-6).astype(int))
