"""Figure of a financed plan's funding: the cash waterfall per operator and period, and debt outstanding."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from planner.results.outcome import Plan

SOURCES = ("operating_cash_usd", "draws_usd", "equity_in_usd")
USES = ("capex_usd", "fees_usd", "interest_paid_usd", "repayment_usd", "distributions_usd")
COLOURS = {
    "operating_cash_usd": "#3b6fb6",
    "draws_usd": "#8c564b",
    "equity_in_usd": "#2ca02c",
    "capex_usd": "#d62728",
    "fees_usd": "#bcbd22",
    "interest_paid_usd": "#ff7f0e",
    "repayment_usd": "#9467bd",
    "distributions_usd": "#17becf",
}


def _panel(ax, rows: pd.DataFrame, labels: list[str]) -> None:
    """Sources up, uses down (USD millions), debt outstanding on a second axis."""
    x = np.arange(len(labels))
    for names, sign in ((SOURCES, 1.0), (USES, -1.0)):
        base = np.zeros(len(labels))
        for name in names:
            y = sign * np.maximum(rows[name].to_numpy(), 0.0) / 1e6
            if np.any(np.abs(y) > 1e-9):
                ax.bar(x, y, bottom=base, color=COLOURS[name], label=name.removesuffix("_usd").replace("_", " "))
                base += y
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_ylabel("USD million per period (sources up, uses down)")
    debt = ax.twinx()
    debt.plot(x, rows["debt_outstanding_usd"].to_numpy() / 1e6, "k-", lw=1.5, label="debt outstanding")
    debt.set_ylabel("debt outstanding, USD million")
    step = max(1, len(labels) // 10)
    ax.set_xticks(range(0, len(labels), step))
    ax.set_xticklabels(labels[::step], rotation=45, ha="right")


def waterfall(plan: Plan):
    """One panel per operator with funding activity: its sources and uses by period and its debt."""
    frame = plan.frames()["funding"]
    labels = plan.inputs.time.labels
    active = [
        o for o, rows in frame.groupby("operator", sort=False) if (rows[[*SOURCES, *USES]].abs().to_numpy() > 1.0).any()
    ]
    fig, axes = plt.subplots(max(1, len(active)), 1, figsize=(11, 4.2 * max(1, len(active))), squeeze=False)
    for ax, operator in zip(axes[:, 0], active):
        _panel(ax, frame[frame["operator"] == operator], labels)
        ax.set_title(f"{operator}: cash waterfall and debt", fontsize=10)
    axes[0, 0].legend(loc="upper right", fontsize=7, ncol=2)
    fig.suptitle(f"{plan.inputs.portfolio.name}: funding")
    fig.tight_layout()
    return fig
