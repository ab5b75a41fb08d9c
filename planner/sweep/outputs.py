"""A sweep's results: the table (one row per scenario), its summary, and the files written.

Columns of the table, in order: ``scenario_id``, ``hash``, ``varied`` (one-at-a-time: the
factor moved, else empty), one column per factor (its value), ``status``, ``reason``,
``npv_usd``, ``npv_without_terminal_usd`` (NaN while the planner does not report it),
``irr_per_year``, ``hpc_share_of_power``, ``hpc_it_mw_end.<site>`` (HPC IT MW in the last
period, one column per site), ``signed.<offer>`` (1 signed, 0 not, empty when no plan),
``solve_seconds`` and ``cpu_seconds`` (wall and CPU time of the task on its worker) and
``cached`` (found in the cache, not computed).

Summary statistics: see :mod:`planner.sweep.stats`.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from planner.describe.loading import Portfolio
from planner.sweep.expand import Scenario, ScenarioSet
from planner.sweep.plots import write_plots
from planner.sweep.stats import OK_STATUSES, summary

KPIS = ("npv_usd", "npv_without_terminal_usd", "irr_per_year", "hpc_share_of_power")


def results_frame(
    portfolio: Portfolio,
    scenarios: list[Scenario],
    hashes: list[str],
    records: dict[str, dict[str, Any]],
    cached: set[str],
) -> pd.DataFrame:
    """One row per scenario (columns: see the module docstring)."""
    factors = list(dict.fromkeys(n for s in scenarios for n in s.values))
    site_ids = [s.id for s in portfolio.sites]
    offer_ids = [t.id for t in portfolio.spec.tenants]
    rows = []
    for s, h in zip(scenarios, hashes):
        r = records[h]
        ok = r.get("status") in OK_STATUSES
        row: dict[str, Any] = {"scenario_id": s.id, "hash": h, "varied": s.varied}
        row |= {n: s.values.get(n, math.nan) for n in factors}
        row |= {"status": r.get("status", "error"), "reason": r.get("reason", "")}
        row |= {k: _float(r.get(k)) if ok else math.nan for k in KPIS}
        mw = r.get("hpc_it_mw_end") or {}
        row |= {f"hpc_it_mw_end.{sid}": _float(mw.get(sid)) if ok else math.nan for sid in site_ids}
        signed = set(r.get("signed") or [])
        row |= {f"signed.{oid}": (int(oid in signed) if ok else pd.NA) for oid in offer_ids}
        row |= {"solve_seconds": _float(r.get("solve_seconds")), "cpu_seconds": _float(r.get("cpu_seconds"))}
        row["cached"] = h in cached
        rows.append(row)
    frame = pd.DataFrame(rows)
    for oid in offer_ids:
        frame[f"signed.{oid}"] = frame[f"signed.{oid}"].astype("Int8")
    return frame


def _float(x: Any) -> float:
    return math.nan if x is None else float(x)


def write_outputs(frame: pd.DataFrame, out_dir: Path, spec: ScenarioSet | None) -> list[Path]:
    """Write sweep.csv, sweep.parquet (when pyarrow imports), summary.json and the plots, each
    atomically; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [_atomic(out_dir / "sweep.csv", lambda p: frame.to_csv(p, index=False))]
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        pass
    else:
        written.append(_atomic(out_dir / "sweep.parquet", lambda p: frame.to_parquet(p, index=False)))
    text = json.dumps(_json_safe(summary(frame, spec)), indent=2)
    written.append(_atomic(out_dir / "summary.json", lambda p: Path(p).write_text(text)))
    for name, draw in write_plots(frame).items():
        written.append(_atomic(out_dir / name, draw))
    return written


def _atomic(target: Path, write: Callable[[str], Any]) -> Path:
    """Write through a temporary file in the same folder, renamed over `target`."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _json_safe(x: Any) -> Any:
    """NaN as null (JSON has no NaN)."""
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x
