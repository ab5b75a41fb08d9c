"""Capex and book value recomputed from the build-out decisions (planner.model.buildout has the maths).

Units added in t are those in service beyond what exists at the start or comes from work in
progress; hall modules and upgrades are paid over their construction (the draw shares of
planner.inputs.time), CDUs and GPU racks when installed, the site conversion when a site's first
new hall serves, work in progress as its remaining capex is drawn.
"""

from __future__ import annotations

import numpy as np

from planner.inputs import Inputs
from planner.results.decisions import Decisions


def increments(x: np.ndarray, base: np.ndarray | float = 0.0) -> np.ndarray:
    """x[..., t] - x[..., t-1] - (b[..., t] - b[..., t-1]), x[..., -1] = b[..., -1] = 0, with b
    what is in service anyway (a constant over time when given without a period axis)."""
    b = np.asarray(base, dtype=float)
    if b.ndim < x.ndim:
        b = np.broadcast_to(b[..., None], x.shape)
    return np.diff(x, axis=-1, prepend=0.0) - np.diff(np.broadcast_to(b, x.shape), axis=-1, prepend=0.0)


def _drawn(amount: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """[..., n, T] amounts of assets in service at t, paid g periods earlier with shares draws[n, g, t]."""
    out = np.zeros(amount.shape)
    T = amount.shape[-1]
    for g in range(draws.shape[1]):
        out[..., : T - g] += (amount * draws[:, g, :])[..., g:]
    return out


def hall_schedule(ins: Inputs) -> np.ndarray:
    """[S, H, T] modules in service anyway: at the start, and work in progress by t."""
    return ins.site.existing_halls[:, :, None] + ins.site.wip_halls


def _hosts(ins: Inputs, d: Decisions) -> np.ndarray:
    """[S, T] 1 from the period a site with no HPC at the start (nor under construction) has its
    first new hall."""
    base = hall_schedule(ins)
    new_site = base[:, :, -1].sum(axis=1) == 0
    hosts = ((d.halls - base).sum(axis=1) > 0.5) & new_site[:, None]
    return np.maximum.accumulate(hosts.astype(float), axis=1)


def capex_items(ins: Inputs, d: Decisions) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Asset -> (cost added in service in t [..., T], its residual share at the horizon end [..., T])."""
    cdu_base = ins.site.existing_cdus[:, :, None] + ins.site.wip_cdus
    grid_share = ins.book(ins.op.grid_residual_share)
    return {
        "halls": (
            increments(d.halls, hall_schedule(ins)) * ins.hall.capex_usd[None, :, None],
            ins.book(ins.hall.residual_share)[None],
        ),
        "cdus": (
            increments(d.cdus, cdu_base) * ins.cdu.capex_usd[None, :, None],
            ins.book(ins.cdu.residual_share)[None],
        ),
        "gpu_racks": (d.gpu_racks * ins.rack.capex_usd[None, :, None], ins.book(ins.rack.residual_share)[None]),
        "upgrades": (
            increments(d.upgrades.astype(float), ins.upgrade.committed.astype(float)) * ins.upgrade.capex_usd[:, None],
            np.broadcast_to(grid_share, d.upgrades.shape),
        ),
        "conversion": (
            increments(_hosts(ins, d)) * ins.site.conversion_cost_usd[:, None],
            np.broadcast_to(grid_share, (ins.S, ins.T)),
        ),
    }


def capex_by_site(ins: Inputs, d: Decisions) -> np.ndarray:
    """[S, T] capex in the period it is paid (module docstring), contracts' GPUs and re-fits left out."""
    items = capex_items(ins, d)
    out = _drawn(items["halls"][0], ins.hall.draws).sum(axis=1)
    np.add.at(out, ins.upgrade.site, _drawn(items["upgrades"][0], ins.upgrade.draws))
    return (
        out
        + items["cdus"][0].sum(axis=1)
        + items["gpu_racks"][0].sum(axis=1)
        + items["conversion"][0]
        + ins.site.wip_spend_usd
    )


def capex_by_period(ins: Inputs, d: Decisions) -> np.ndarray:
    """[T] all capex in the period it is paid: build-out, GPU-service GPUs and market re-fits."""
    cash = ins.cash
    contracts = np.zeros(ins.T)
    for k in range(ins.tenant.K):
        path = d.path(ins, k)
        if path is not None:
            contracts += cash.gpu_capex[k, path[0], path[1]]
    refit = (d.market_signed(ins) * ins.market.refit_usd_per_mw[:, None, None]).sum(axis=(0, 1))
    return capex_by_site(ins, d).sum(axis=0) + contracts + refit


def residual_by_site(ins: Inputs, d: Decisions) -> np.ndarray:
    """[S] straight-line residual value at the horizon end of what the plan built or bought (book mode)."""
    value = {name: (cost * share).sum(axis=-1) for name, (cost, share) in capex_items(ins, d).items()}
    out = value["halls"].sum(axis=1) + value["cdus"].sum(axis=1) + value["gpu_racks"].sum(axis=1) + value["conversion"]
    np.add.at(out, ins.upgrade.site, value["upgrades"])
    return out
