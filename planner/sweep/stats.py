"""Statistics of a sweep's table, over the scenarios with a plan (status optimal or
feasible), equally weighted.

``P10``/``P50``/``P90`` are the 10th, 50th and 90th percentiles of NPV (90% of
scenarios do better than P10). ``CVaR_alpha`` is the mean NPV over the worst ``1 - alpha``
share of scenarios, with the scenario at the boundary counted in part (Rockafellar-Uryasev):
sorting NPVs ascending, ``CVaR = sum_i w_i x_(i) / (1 - alpha)`` with ``w_i = min(1/n,
max(0, (1 - alpha) - (i - 1)/n))``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from planner.sweep.scenarios import Grid, MonteCarlo, OneAtATime

OK_STATUSES = ("optimal", "feasible")
CONVERTED_MW = 1e-6
"""A site counts as converted when its HPC IT MW in the last period exceeds this."""


def ok_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The scenarios with a plan."""
    return frame[frame["status"].isin(OK_STATUSES)]


def cvar(values: np.ndarray, alpha: float) -> float:
    """Mean of the worst 1 - alpha share of `values` (equal weights; see the module docstring)."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    tail = 1.0 - alpha
    w = np.clip(tail - np.arange(n) / n, 0.0, 1.0 / n)
    return float((w * x).sum() / tail)


def summary(frame: pd.DataFrame, spec: OneAtATime | Grid | MonteCarlo | None) -> dict[str, Any]:
    """Counts by status, NPV statistics, per-site conversion and per-offer signing probabilities."""
    ok = ok_rows(frame)
    npv = ok["npv_usd"].to_numpy(dtype=float)
    out: dict[str, Any] = {
        "scenarios": len(frame),
        "kind": None if spec is None else spec.kind,
        "status_counts": {str(k): int(v) for k, v in frame["status"].value_counts().items()},
        "npv_usd": None,
        "site_conversion_probability": conversion_probability(frame),
        "offer_signing_probability": signing_probability(frame),
    }
    if len(npv):
        p10, p50, p90 = np.percentile(npv, [10, 50, 90])
        out["npv_usd"] = {
            "mean": float(npv.mean()),
            "p10": float(p10),
            "p50": float(p50),
            "p90": float(p90),
            "min": float(npv.min()),
            "max": float(npv.max()),
        }
        if spec is not None and spec.risk is not None:
            alpha = spec.risk.cvar_level
            out["npv_usd"][f"cvar_{alpha:g}"] = cvar(npv, alpha)
    return out


def conversion_probability(frame: pd.DataFrame) -> dict[str, float]:
    """Per site: the share of scenarios with a plan in which it ends with HPC IT load."""
    ok = ok_rows(frame)
    cols = [c for c in frame.columns if c.startswith("hpc_it_mw_end.")]
    return {c.split(".", 1)[1]: float((ok[c] > CONVERTED_MW).mean()) if len(ok) else math.nan for c in cols}


def signing_probability(frame: pd.DataFrame) -> dict[str, float]:
    """Per offer: the share of scenarios with a plan that sign it."""
    ok = ok_rows(frame)
    cols = [c for c in frame.columns if c.startswith("signed.")]
    return {c.split(".", 1)[1]: float(ok[c].astype(float).mean()) if len(ok) else math.nan for c in cols}
