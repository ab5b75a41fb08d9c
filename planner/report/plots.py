"""Figures of a plan (matplotlib, no display needed): power split, cash flows, build-out."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np

from planner.inputs.power import contracted_mw
from planner.model.finance import STREAMS

if TYPE_CHECKING:
    from planner.results.outcome import Plan


def _ticks(ax, labels: list[str]) -> None:
    step = max(1, len(labels) // 10)
    ax.set_xticks(range(0, len(labels), step))
    ax.set_xticklabels(labels[::step], rotation=45, ha="right")


def power_split(plan: Plan, max_sites: int = 16):
    """Gross MW per site and period, mining vs HPC, one panel per site (sites with HPC first)."""
    ins, d = plan.inputs, plan.decisions
    hpc = (ins.site.pue_hpc[:, :, None] * d.occupied_mw(ins)).sum(axis=1)
    mining = ins.site.pue_mining[:, None] * d.mining_mw
    order = np.argsort(-(hpc.sum(axis=1) + 1e-3 * mining.sum(axis=1)))[:max_sites]
    cols = min(4, len(order))
    rows = int(np.ceil(len(order) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), sharex=True, squeeze=False)
    x = np.arange(ins.T)
    for ax, s in zip(axes.ravel(), order):
        ax.stackplot(x, mining[s], hpc[s], labels=["mining", "HPC"], colors=["#f2a900", "#3b6fb6"], alpha=0.85)
        ax.plot(x, contracted_mw(ins.contract, ins.S)[s], "k--", lw=1, label="contracted")
        ax.set_title(ins.site.ids[s], fontsize=9)
        ax.set_ylabel("gross MW")
        _ticks(ax, ins.time.labels)
    for ax in axes.ravel()[len(order) :]:
        ax.axis("off")
    axes.ravel()[0].legend(loc="upper left", fontsize=7)
    fig.suptitle(f"{ins.portfolio.name}: power split, mining vs HPC (gross MW)")
    fig.tight_layout()
    return fig


def cash_flows(plan: Plan):
    """Undiscounted cash flow by stream and period (USD millions), with net."""
    ins = plan.inputs
    flows = plan.cash_flows
    x = np.arange(ins.T)
    fig, ax = plt.subplots(figsize=(11, 5))
    pos, neg = np.zeros(ins.T), np.zeros(ins.T)
    colors = plt.get_cmap("tab10")
    for i, name in enumerate(STREAMS):
        y = flows[name] / 1e6
        if not np.any(np.abs(y) > 1e-9):
            continue
        base = np.where(y >= 0, pos, neg)
        ax.bar(x, y, bottom=base, color=colors(i), label=name.replace("_", " "))
        pos += np.maximum(y, 0)
        neg += np.minimum(y, 0)
    ax.plot(x, sum(flows[s] for s in STREAMS) / 1e6, "k-", lw=1.5, label="net")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_ylabel("USD million per period")
    ax.set_title(f"{ins.portfolio.name}: cash flows by stream (NPV {plan.npv_usd / 1e9:,.2f} bn USD)")
    _ticks(ax, ins.time.labels)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def buildout(plan: Plan):
    """Rack positions by type and CDUs in service over time, portfolio-wide."""
    ins, d = plan.inputs, plan.decisions
    x = np.arange(ins.T)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    racks = d.racks(ins).sum(axis=0)  # [R,T]
    keep = racks.max(axis=1) > 0
    if keep.any():
        ax1.stackplot(x, racks[keep], labels=[r for r, k in zip(ins.rack.ids, keep) if k])
        ax1.legend(loc="upper left", fontsize=8)
    ax1.set_ylabel("rack positions")
    ax1.set_title("GPU rack positions in service")
    _ticks(ax1, ins.time.labels)
    cdus = d.cdus.sum(axis=0)
    for c, cid in enumerate(ins.cdu.ids):
        ax2.step(x, cdus[c], where="post", label=cid)
    halls = d.halls.sum(axis=(0, 1))
    ax2.step(x, halls, where="post", label="hall modules", color="k")
    ax2.set_ylabel("units in service")
    ax2.set_title("CDUs and hall modules")
    ax2.legend(fontsize=8)
    _ticks(ax2, ins.time.labels)
    fig.suptitle(f"{ins.portfolio.name}: build-out")
    fig.tight_layout()
    return fig
