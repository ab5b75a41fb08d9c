"""Write a plan's files, atomically: JSON, CSV tables, plan.xlsx, report.html, GeoJSON of the
sites, and on request PNG figures (report.html draws the same charts as inline SVG; the PNGs,
for slides, cost matplotlib's import and rendering: most of `dcplan plan`'s time on a small
portfolio, benchmarks/profile_plan.py).

Everything goes to a temporary folder beside the target, which then replaces the target
in one rename: an interrupted run never leaves a half-written plan, and a failed run does
not remove the previous one.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planner.results.outcome import Plan

logger = logging.getLogger(__name__)

FILES = (
    "plan.json",
    "site_period.csv",
    "tenants.csv",
    "cash_flows.csv",
    "procurement.csv",
    "sites.geojson",
    "report.html",
    "plan.xlsx",
)
"""Files of every plan (with financing, funding.csv too)."""
FIGURES = ("power_split.png", "cash_flows.png", "buildout.png")
"""PNG figures written when asked for (with financing, funding.png too)."""


def write_atomically(out_dir: Path, write: Callable[[Path], None]) -> Path:
    """Run write(tmp) into a fresh temporary folder, then swap it in place of out_dir."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        write(tmp)
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            out_dir.rename(old)
        tmp.rename(out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def write_plan(plan: Plan, out_dir: Path, figures: bool = False) -> Path:
    """All plan files into out_dir (replaced as a whole); the PNG figures too if `figures`."""
    from planner.report.html import render_report
    from planner.report.xlsx import write_xlsx  # openpyxl: not for write_json (a diagnosis)

    def write(tmp: Path) -> None:
        data = plan.to_dict()
        frames = plan.frames()
        (tmp / "plan.json").write_text(json.dumps(data, indent=2))
        for name, frame in frames.items():
            frame.to_csv(tmp / f"{name}.csv", index=False)
        write_xlsx(frames, tmp / "plan.xlsx", kpis=data["kpis"])
        (tmp / "report.html").write_text(render_report(data, frames, plan.inputs.portfolio), encoding="utf-8")
        sites_geojson(plan, tmp / "sites.geojson")
        if figures:
            write_figures(plan, tmp, funding="funding" in frames)

    path = write_atomically(out_dir, write)
    logger.info("wrote %s", path)
    return path


def write_figures(plan: Plan, folder: Path, funding: bool) -> None:
    """The PNG figures (FIGURES, and funding.png when `funding`) into folder (matplotlib,
    imported here; the backend is the caller's: the CLI selects Agg)."""
    import matplotlib.pyplot as plt

    from planner.report import funding_plot, plots

    makers = {"power_split": plots.power_split, "cash_flows": plots.cash_flows, "buildout": plots.buildout}
    if funding:
        makers["funding"] = funding_plot.waterfall
    for name, make in makers.items():
        fig = make(plan)
        fig.savefig(folder / f"{name}.png", dpi=110)
        plt.close(fig)


def write_json(out_dir: Path, name: str, data: dict) -> Path:
    """One JSON file (e.g. diagnosis.json) into out_dir, atomically, keeping what is there
    (a failed run does not remove the previous plan)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=out_dir)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=2)
        os.replace(tmp, out_dir / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out_dir / name


def sites_geojson(plan: Plan, path: Path) -> None:
    """Parcels (EPSG:4326) with the plan's end-of-horizon state per site (geopandas and GDAL
    write the file, imported here)."""
    frame = plan.inputs.portfolio.sites_frame()
    sp = plan.frames()["site_period"]
    end = sp[sp["period"] == plan.inputs.time.labels[-1]].drop(columns=["period"]).set_index("site_id")
    frame = frame.merge(end, left_on="site_id", right_index=True, how="left", suffixes=("", "_plan"))
    frame.to_file(path, driver="GeoJSON")
