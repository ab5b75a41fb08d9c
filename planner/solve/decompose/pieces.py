"""Tenant rounding: each tenant onto its best sites, as pieces the site models serve.

Each tenant goes to its (at most max_sites) eligible sites of largest LP block b_kj (those
under min_block_mw dropped unless none is left; its first eligible site when the LP leaves
it unsigned). A tenant on one site stays whole, with its start window and its commitment,
for that site's MILP to decide. A tenant split over several sites is signed (it is committed
or the LP signs it with sum_tau start[k,tau] >= 1/2; otherwise it goes whole to its largest
block), starts at its LP-heaviest period, and D_k is split in proportion:
piece_kj = D_k b_kj / sum b_kj. Without an LP (merit order), a committed tenant no one site
can hold is split over its largest sites by IT capacity, starting at its latest start.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from planner.model import Model
from planner.solve.decompose import guide
from planner.solve.decompose.guide import it_capacity


@dataclasses.dataclass(frozen=True)
class Piece:
    """Tenant k's share of IT MW at one site, its candidate starts and whether it must sign
    (an optional tenant is offered whole to one site at a time, which may decline it)."""

    k: int
    mw: float
    starts: np.ndarray
    committed: bool


def round_tenants(model: Model, lp: np.ndarray | None) -> list[list[Piece]]:
    """Per site, the tenant pieces (module docstring); `lp` the LP relaxation's values or None."""
    ins = model.inputs
    ten = ins.tenant
    pieces: list[list[Piece]] = [[] for _ in range(ins.S)]
    weights = model.leases.start.value(lp).sum(axis=2) if lp is not None else None  # [K, J] over renewals
    for k in range(ten.K):
        periods = ten.starts(k, ins.T)
        if not len(periods):
            continue
        sites, mw = ten.sites(k), float(ten.mw[k])
        keep, start, split = _sites_of(model, k, periods, lp, weights)
        if len(keep) == 1:
            pieces[sites[keep[0]]].append(Piece(k, mw, periods, bool(ten.committed[k])))
            continue
        block = _blocks(model, k, lp, start)
        share = block[keep] / block[keep].sum()
        for j, w in zip(keep, share):
            pieces[sites[j]].append(Piece(k, mw * float(w), np.array([start]), True))
    return pieces


def _blocks(model: Model, k: int, lp: np.ndarray | None, start: int) -> np.ndarray:
    """Tenant k's block at each eligible site: the LP's, or without an LP the IT capacity by its start."""
    sites = model.inputs.tenant.sites(k)
    if lp is not None:
        return model.leases.block_mw(lp)[k, sites] if len(sites) > 1 else np.ones(1)
    return it_capacity(model, sites, start)


def _sites_of(
    model: Model, k: int, periods: np.ndarray, lp: np.ndarray | None, weights: np.ndarray | None
) -> tuple[np.ndarray, int, bool]:
    """(positions of tenant k's chosen sites, its start, whether it is split)."""
    ten = model.inputs.tenant
    mw = float(ten.mw[k])
    if lp is not None and weights is not None:
        weight = weights[k, np.isin(model.leases.paths.periods, periods)]
        start, split = int(periods[int(np.argmax(weight))]), bool(ten.committed[k] or weight.sum() >= 0.5)
        block = _blocks(model, k, lp, start)
        order = np.argsort(-block, kind="stable")
    else:
        start = int(periods[-1])
        block = _blocks(model, k, lp, start)
        split = bool(ten.committed[k] and block.max() < mw)
        order = np.argsort(-block, kind="stable") if split else guide.site_rank(model, k, lp)
    order = order[: int(ten.max_sites[k])]
    keep = order[block[order] >= max(ten.min_block_mw[k], 1e-9)]
    if lp is None:  # the fewest sites that hold it
        keep = keep[: int(np.searchsorted(np.cumsum(block[keep]), mw - 1e-9)) + 1]
    if len(keep) > 1 and not split:
        keep = keep[:1]
    return (keep if len(keep) else order[:1]), start, split
