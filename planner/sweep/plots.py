"""Plots of a sweep (matplotlib Figure objects, PNG; no pyplot, so no backend is changed).

- ``tornado.png`` (one-at-a-time sets): per factor, NPV at its lowest and highest value minus
  the base case's NPV, factors sorted by swing.
- ``npv_distribution.png``: histogram of NPV with P10, P50 and P90 marked.
- ``site_conversion.png``: per site, the share of scenarios that end with HPC IT load.
- ``offer_signing.png``: per offer, the share of scenarios that sign it.

Each uses only scenarios with a plan; a plot with nothing to show is not drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from planner.sweep import stats as _stats

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MUSD = 1e6
DPI = 120


def write_plots(frame: pd.DataFrame) -> dict[str, Callable[[str], None]]:
    """File name -> a function that writes that plot to a path, for each plot there is data for."""
    out: dict[str, Callable[[str], None]] = {}
    ok = _stats.ok_rows(frame)
    bars = tornado_bars(frame)
    if bars:
        out["tornado.png"] = lambda p: _save(_tornado(bars, float(_base_npv(frame) or 0.0)), p)
    if len(ok):
        out["npv_distribution.png"] = lambda p: _save(_distribution(ok["npv_usd"].to_numpy(dtype=float)), p)
        conv = _stats.conversion_probability(frame)
        if conv:
            out["site_conversion.png"] = lambda p: _save(
                _shares(conv, "probability of conversion (HPC IT at the end)"), p
            )
        sign = _stats.signing_probability(frame)
        if sign:
            out["offer_signing.png"] = lambda p: _save(_shares(sign, "probability of signing"), p)
    return out


def _base_npv(frame: pd.DataFrame) -> float | None:
    base = frame[(frame["varied"] == "") & frame["status"].isin(_stats.OK_STATUSES)]
    return float(base["npv_usd"].iloc[0]) if len(base) else None


def tornado_bars(frame: pd.DataFrame) -> list[tuple[str, float, float, float, float]]:
    """(factor, low value, NPV change at it, high value, NPV change at it), by swing, largest
    first; empty unless the frame is a one-at-a-time sweep whose base case has a plan."""
    base = _base_npv(frame)
    if base is None or not (frame["varied"] != "").any():
        return []
    bars = []
    for name, rows in frame[frame["varied"] != ""].groupby("varied", sort=False):
        ok = rows[rows["status"].isin(_stats.OK_STATUSES)].sort_values(str(name))
        if not len(ok):
            continue
        lo, hi = ok.iloc[0], ok.iloc[-1]
        bars.append(
            (str(name), float(lo[name]), float(lo["npv_usd"]) - base, float(hi[name]), float(hi["npv_usd"]) - base)
        )
    return sorted(bars, key=lambda b: abs(b[4] - b[2]), reverse=True)


def _tornado(bars: list[tuple[str, float, float, float, float]], base_npv: float) -> Figure:
    fig = _figure((8, 1.2 + 0.5 * len(bars)))
    ax = fig.add_subplot()
    y = np.arange(len(bars))[::-1]
    ax.barh(y, [b[2] / MUSD for b in bars], color="#c0504d", label="lowest value")
    ax.barh(y, [b[4] / MUSD for b in bars], color="#4f81bd", label="highest value")
    ax.set_yticks(y, [f"{b[0]} ({b[1]:g} .. {b[3]:g})" for b in bars])
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(f"NPV change from the base case ({base_npv / MUSD:,.0f} M USD), M USD")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("one factor at a time")
    fig.tight_layout()
    return fig


def _distribution(npv: np.ndarray) -> Figure:
    fig = _figure((8, 4))
    ax = fig.add_subplot()
    ax.hist(npv / MUSD, bins=min(50, max(5, len(npv) // 4)), color="#4f81bd", alpha=0.8)
    for q, style in ((10, ":"), (50, "-"), (90, "--")):
        v = float(np.percentile(npv, q)) / MUSD
        ax.axvline(v, color="black", ls=style, lw=1.2, label=f"P{q} {v:,.0f} M USD")
    ax.set_xlabel("NPV, M USD")
    ax.set_ylabel("scenarios")
    ax.set_title(f"NPV over {len(npv)} scenarios with a plan")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _shares(shares: dict[str, float], title: str) -> Figure:
    names = list(shares)
    fig = _figure((8, 1.2 + 0.35 * len(names)))
    ax = fig.add_subplot()
    y = np.arange(len(names))[::-1]
    ax.barh(y, [shares[n] for n in names], color="#9bbb59")
    for yi, n in zip(y, names):
        ax.text(min(shares[n], 0.9) + 0.01, yi, f"{shares[n]:.0%}", va="center", fontsize=8)
    ax.set_yticks(y, names)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of scenarios")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def _figure(figsize: tuple[float, float]) -> Figure:
    """A new figure (matplotlib imported here: workers, which import this package, never draw)."""
    from matplotlib.figure import Figure

    return Figure(figsize=figsize)


def _save(fig: Figure, path: str) -> None:
    fig.savefig(path, dpi=DPI, format="png")
