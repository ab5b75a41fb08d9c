"""The report's figures from the plan's frames: power per site, build-out, cash flows, parcel maps.

Each function takes frames (pandas) and returns HTML (an inline SVG, a legend, a caption);
missing columns are skipped, never guessed. Gross MW per site is split as mining IT, HPC IT
(leased, self-operated) and the rest, gross - IT (cooling and power losses), so the stack's
top is the site's gross draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import numpy as np
import pandas as pd

from planner.report.svg import Series, legend, stacked_area_chart, stacked_bar_chart
from planner.report.units import split_name

MINING, LEASED, CLOUD, OVERHEAD = "#E69F00", "#0072B2", "#56B4E9", "#C8C8C8"
GRID, CONTRACTED, NET = "#333333", "#C0392B", "#111111"
CATEGORICAL = (
    "#4E79A7",
    "#F28E2B",
    "#59A14F",
    "#E15759",
    "#76B7B2",
    "#EDC948",
    "#B07AA1",
    "#FF9DA7",
    "#9C755F",
    "#BAB0AC",
    "#1F77B4",
    "#2CA02C",
    "#D62728",
    "#9467BD",
    "#8C564B",
    "#17BECF",
)
STREAM_COLOURS = {
    "mining_revenue": MINING,
    "demand_response_credit": "#F0C75E",
    "lease_revenue": LEASED,
    "power_pass_through": "#9DC3E6",
    "cloud_revenue": CLOUD,
    "energy_cost": "#C0392B",
    "coincident_peak_cost": "#7B241C",
    "opex": "#D68910",
    "capex": "#7D3C98",
    "residual_value": "#27AE60",
    "terminal_value": "#1E8449",
}
NOT_STREAMS = ("period", "net", "discount_factor")


def periods_of(frame: pd.DataFrame, periods: Sequence[str] | None) -> list[str]:
    """The plan's period labels, else those of ``frame`` in order of appearance."""
    if periods:
        return [str(p) for p in periods]
    return [str(p) for p in pd.unique(frame["period"])] if "period" in frame else []


def _by_period(rows: pd.DataFrame, column: str, periods: Sequence[str]) -> np.ndarray:
    """``rows[column]`` summed per period, in ``periods`` order (0 where absent)."""
    if column not in rows or "period" not in rows:
        return np.zeros(len(periods))
    s = rows.groupby(rows["period"].astype(str))[column].sum()
    return s.reindex(list(periods), fill_value=0.0).to_numpy(dtype=float)


def site_power_figure(rows: pd.DataFrame, periods: Sequence[str], title: str) -> str:
    """Stacked gross MW of one site (mining IT, HPC IT, gross - IT) with its grid and
    contracted limits as dashed lines."""
    get = lambda c: _by_period(rows, c, periods)  # noqa: E731
    layers: list[Series] = []
    if "mining_mw" in rows:
        layers.append(Series("mining IT", get("mining_mw"), MINING))
    if "leased_mw" in rows and "cloud_mw" in rows:
        layers += [
            Series("HPC IT, leased", get("leased_mw"), LEASED),
            Series("HPC IT, self-operated", get("cloud_mw"), CLOUD),
        ]
    elif "hpc_it_mw" in rows:
        layers.append(Series("HPC IT", get("hpc_it_mw"), LEASED))
    if "gross_mw" in rows:
        it = sum((np.asarray(s.values) for s in layers), np.zeros(len(periods)))
        layers.append(Series("cooling and losses (gross - IT)", np.clip(get("gross_mw") - it, 0, None), OVERHEAD))
    lines = [
        Series(label, get(col), colour, dashed=True)
        for col, label, colour in (
            ("grid_mw", "grid interconnect", GRID),
            ("contracted_mw", "contracted power", CONTRACTED),
        )
        if col in rows
    ]
    svg = stacked_area_chart(periods, layers, lines, y_unit="MW", title=title)
    return f'<figure class="chart-fig">{svg}{legend([*layers, *lines])}</figure>'


def power_figures(site_period: pd.DataFrame, periods: Sequence[str], names: dict[str, str]) -> list[str]:
    """One :func:`site_power_figure` per site, in the frame's site order."""
    if "site_id" not in site_period:
        return []
    out = []
    for sid in pd.unique(site_period["site_id"]):
        rows = site_period[site_period["site_id"] == sid]
        out.append(site_power_figure(rows, periods, names.get(str(sid), str(sid))))
    return out


def _site_colours(site_ids: Sequence[str]) -> dict[str, str]:
    return {s: CATEGORICAL[i % len(CATEGORICAL)] for i, s in enumerate(site_ids)}


def buildout_figures(site_period: pd.DataFrame, periods: Sequence[str]) -> list[str]:
    """Stacked bars by site over periods: hall modules, CDUs and rack positions (all types)."""
    if "site_id" not in site_period:
        return []
    sites = [str(s) for s in pd.unique(site_period["site_id"])]
    colours = _site_colours(sites)
    frame = site_period.copy()
    racks = [c for c in frame.columns if str(c).startswith("racks_")]
    frame["rack_positions"] = frame[racks].sum(axis=1) if racks else 0
    out = []
    for column, title in (
        ("halls", "Hall modules in service"),
        ("cdus", "CDUs installed"),
        ("rack_positions", "Rack positions installed (all types)"),
    ):
        if column not in frame or not frame[column].any():
            continue
        series = [
            Series(s, _by_period(frame[frame["site_id"].astype(str) == s], column, periods), colours[s]) for s in sites
        ]
        svg = stacked_bar_chart(periods, series, y_unit="count", title=title, width=640, height=240)
        out.append(f'<figure class="chart-fig">{svg}{legend(series) if len(sites) > 1 else ""}</figure>')
    return out


def streams_of(cash_flows: pd.DataFrame) -> list[str]:
    """Cash-flow stream columns: every numeric column but period, net and the discount factor."""
    return [str(c) for c in cash_flows.columns if c not in NOT_STREAMS and pd.api.types.is_numeric_dtype(cash_flows[c])]


def cash_flow_figure(cash_flows: pd.DataFrame, periods: Sequence[str]) -> str:
    """Stacked bars of the non-zero streams per period in M USD (inflows up, outflows down)
    with the net cash flow as a line."""
    if "period" not in cash_flows:
        return ""
    labels = [str(p) for p in cash_flows["period"]] or list(periods)
    streams = [s for s in streams_of(cash_flows) if cash_flows[s].abs().sum() > 0]
    extra = iter(CATEGORICAL)
    series = [
        Series(
            split_name(s, "cash_flows")[0],
            cash_flows[s].to_numpy(dtype=float) / 1e6,
            STREAM_COLOURS.get(s) or next(extra, "#888888"),
        )
        for s in streams
    ]
    net = cash_flows["net"] if "net" in cash_flows else cash_flows[streams].sum(axis=1)
    line = Series("net cash flow", net.to_numpy(dtype=float) / 1e6, NET)
    svg = stacked_bar_chart(labels, series, line, y_unit="M USD", title="Cash flow by stream (undiscounted)")
    return f'<figure class="chart-fig wide">{svg}{legend([*series, line])}</figure>'


def caption(text: str) -> str:
    """A figure caption, escaped."""
    return f"<figcaption>{escape(text)}</figcaption>"
