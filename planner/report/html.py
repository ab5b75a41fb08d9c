"""``report.html``: one self-contained page a planner, an engineer or a CFO opens.

Inline CSS, inline SVG drawn in Python, no script and no reference outside the file, so it
opens offline, mails as one attachment and prints (a section per page, tables with their
header repeated). Built from plain pieces: the plan dict (plan.json), the plan's frames and
the portfolio (for names and land). Every KPI present is shown, labelled and formatted from
its name (:mod:`planner.report.units`), the known ones first; a missing one is left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import pandas as pd

from planner.report import figures
from planner.report.sitemap import site_map_figure
from planner.report.style import CSS
from planner.report.units import DASH, cell_formatter, format_value, header, is_missing, split_name

SECTIONS: tuple[tuple[str, str], ...] = (
    ("headline", "Headline"),
    ("timeline", "Power per site: mining vs HPC"),
    ("buildout", "Build-out: halls, CDUs, racks"),
    ("cash-flows", "Cash flows"),
    ("tenants", "Tenants"),
    ("procurement", "Procurement schedule"),
    ("site-maps", "Parcel maps"),
    ("tables", "All tables"),
)
"""(id, title) of every section, in page order; ids are stable (tests and links use them)."""

HEADLINE_KPIS: tuple[tuple[str, str], ...] = (
    ("npv_usd", "NPV"),
    ("npv_without_terminal_usd", "NPV without terminal value"),
    ("terminal_value_usd", "Terminal value"),
    ("terminal_value_share", "Terminal value share of NPV"),
    ("bau_npv_usd", "NPV, business as usual"),
    ("npv_uplift_usd", "Uplift over business as usual"),
    ("irr_per_year", "IRR"),
    ("equity_irr_per_year", "Equity IRR"),
    ("equity_multiple", "Equity multiple (returned / put in)"),
    ("payback_period", "Payback (discounted)"),
    ("capex_usd", "Capex"),
    ("peak_funding_usd", "Peak funding"),
    ("min_dscr", "Minimum DSCR"),
    ("hpc_share_of_power", "HPC share of power"),
    ("counterparty_max_share", "Largest counterparty share of HPC revenue"),
    ("tenants_signed", "Tenants signed"),
)
SOLVER_FACTS: tuple[str, ...] = ("status", "objective_usd", "bound_usd", "gap", "solver", "solve_seconds")
SECTION_FRAMES = {"cash_flows": "cash-flows", "tenants": "tenants", "procurement": "procurement"}
"""Frames shown in their own section; every other frame goes to "tables"."""
COLLAPSE_ROWS = 200
"""Tables longer than this are folded (``<details>``) on screen; plan.xlsx has them whole."""


def kpi_value(key: str, value: Any) -> str:
    """A KPI's value as HTML: scalars formatted by the key's unit, lists joined, a mapping
    as a small table (sub-keys' units, else the key's), a list of records as a table."""
    unit = split_name(key)[1]
    if isinstance(value, Mapping):
        rows = "".join(
            f"<tr><th>{escape(split_name(str(k))[0])}</th>"
            f'<td class="num">{escape(format_value(v, split_name(str(k))[1] or unit))}</td></tr>'
            for k, v in value.items()
        )
        return f'<table class="nested">{rows}</table>' if rows else DASH
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        return frame_table(pd.DataFrame(value), key)
    if isinstance(value, list):
        return escape(", ".join(format_value(v, unit) for v in value)) if value else DASH
    return escape(format_value(value, unit))


def _column(frame: pd.DataFrame, name: str, column: str) -> tuple[str, Any, bool]:
    """(header, cell formatter, numeric) of one column of frame ``name``."""
    s = frame[column]
    numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
    _, unit = split_name(str(column), name, numeric)
    whole = numeric and (pd.api.types.is_integer_dtype(s) or bool(((s.dropna() % 1) == 0).all()))
    shown, fmt = cell_formatter(unit, whole and unit not in ("MW", "MWh", "kW", "USD", "%", "%/yr"))
    if not numeric:
        fmt = lambda v: DASH if is_missing(v) else format_value(v, "")  # noqa: E731
    return header(str(column), name, numeric, unit=shown), fmt, numeric


def frame_table(frame: pd.DataFrame, name: str, caption: str = "") -> str:
    """An HTML table of ``frame``: headers with units (USD in M USD), numbers right-aligned
    with thousands separators, folded when longer than COLLAPSE_ROWS."""
    if frame.empty:
        return f'<p class="empty">{escape(caption or name)}: no rows.</p>'
    cols = [_column(frame, name, c) for c in frame.columns]
    head = "".join(f"<th{' class=num' if num else ''}>{escape(h)}</th>" for h, _, num in cols)
    body = []
    for row in frame.itertuples(index=False, name=None):
        cells = "".join(
            f"<td{' class=num' if num else ''}>{escape(fmt(v))}</td>" for (_, fmt, num), v in zip(cols, row)
        )
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    rows = "".join(body)
    table = f'<div class="table-wrap"><table>{cap}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'
    if len(frame) > COLLAPSE_ROWS:
        return (
            f"<details><summary>{escape(caption or name)}: {len(frame):,} rows (show; "
            f"the whole table is also in plan.xlsx)</summary>{table}</details>"
        )
    return table


def _cards(items: Sequence[tuple[str, str, bool]]) -> str:
    """KPI cards of (label, value HTML, long): a long value (a list, a table) in smaller type."""
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="k">{escape(k)}</div><div class="v{" long" if long else ""}">{v}</div></div>'
            for k, v, long in items
        )
        + "</div>"
    )


def headline_section(plan: Mapping[str, Any]) -> str:
    """KPI cards (the known KPIs present), solver facts, validator findings, every KPI."""
    kpis: Mapping[str, Any] = plan.get("kpis") or {}
    cards = [
        (label, kpi_value(key, kpis[key]), isinstance(kpis[key], (list, Mapping)))
        for key, label in HEADLINE_KPIS
        if key in kpis
    ]
    facts = [
        (split_name(key)[0], escape(format_value(plan[key], split_name(key)[1])), False)
        for key in SOLVER_FACTS
        if key in plan
    ]
    parts = [_cards(cards), "<h3>Solution quality</h3>", _cards(facts)]
    violations = plan.get("violations") or []
    if violations:
        items = "".join(f"<li>{escape(str(v))}</li>" for v in violations)
        parts.append(
            f'<div class="warn"><strong>The independent validator found {len(violations)} '
            f"violation(s):</strong><ul>{items}</ul></div>"
        )
    rows = "".join(
        f'<tr><th>{escape(header(str(k)))}</th><td class="num">{kpi_value(str(k), v)}</td></tr>'
        for k, v in kpis.items()
    )
    parts.append(f'<h3>Every KPI</h3><div class="table-wrap"><table class="kv">{rows}</table></div>')
    return "".join(parts)


def _end_of_horizon(site_period: pd.DataFrame, periods: Sequence[str]) -> pd.DataFrame:
    """site_period's last-period rows: what each site holds at the end of the horizon."""
    if "period" not in site_period or not periods:
        return site_period.iloc[0:0]
    end = site_period[site_period["period"].astype(str) == str(periods[-1])]
    keep = [c for c in ("site_id", "mining_mw", "hpc_it_mw", "gross_mw", "halls", "cdus") if c in end]
    keep += [c for c in end.columns if str(c).startswith("racks_")]
    return end[keep].reset_index(drop=True)


def annual(cash_flows: pd.DataFrame) -> pd.DataFrame:
    """Cash flows summed by year (the first four characters of the period label: 2026Q3 ->
    2026); the discount factor is dropped (it does not add up)."""
    if "period" not in cash_flows or cash_flows.empty:
        return cash_flows.iloc[0:0]
    numeric = [c for c in figures.streams_of(cash_flows) + ["net"] if c in cash_flows]
    year = cash_flows["period"].astype(str).str[:4].rename("year")
    return cash_flows[numeric].groupby(year, sort=False).sum().reset_index()


def _cash_flow_tables(cf: pd.DataFrame) -> str:
    """By year when periods are shorter than a year (the per-period table folded), else by period."""
    by_year = annual(cf)
    if len(by_year) == len(cf):
        return frame_table(cf, "cash_flows", "Cash flows by period (undiscounted)")
    folded = frame_table(cf, "cash_flows", "Cash flows by period (undiscounted)")
    if not folded.startswith("<details>"):
        folded = f"<details><summary>Cash flows by period: {len(cf):,} rows (show)</summary>{folded}</details>"
    return frame_table(by_year, "cash_flows", "Cash flows by year (undiscounted)") + folded


def _grid(items: Sequence[str]) -> str:
    return f'<div class="grid2">{"".join(items)}</div>'


def _body(plan: Mapping[str, Any], frames: Mapping[str, pd.DataFrame], portfolio: Any) -> dict[str, str]:
    """Section id -> inner HTML."""
    empty = pd.DataFrame()
    sp, cf = frames.get("site_period", empty), frames.get("cash_flows", empty)
    periods = figures.periods_of(sp, plan.get("periods"))
    sites = list(getattr(portfolio, "sites", ()) or ())
    names = {s.id: f"{s.name} ({s.operator})" for s in sites}
    land = getattr(portfolio, "land", {}) or {}
    modules = {h.id: h for h in getattr(getattr(portfolio, "catalog", None), "hall_modules", ())}
    procurement = frames.get("procurement", empty)
    maps = [
        site_map_figure(s, land[s.id], procurement, modules)
        if s.id in land
        else f"<p>{escape(s.name)}: no land geometry.</p>"
        for s in sites
    ]
    tables = [
        f'<section class="table-block" id="table-{escape(str(n))}"><h3>{escape(str(n))}</h3>'
        f"{frame_table(f, str(n), str(n))}</section>"
        for n, f in frames.items()
        if n not in SECTION_FRAMES
    ]
    return {
        "headline": headline_section(plan),
        "timeline": _grid(figures.power_figures(sp, periods, names)) or "<p>No site_period table.</p>",
        "buildout": _grid(figures.buildout_figures(sp, periods))
        + frame_table(
            _end_of_horizon(sp, periods),
            "site_period",
            f"At the end of the horizon ({periods[-1] if periods else DASH})",
        ),
        "cash-flows": figures.cash_flow_figure(cf, periods) + _cash_flow_tables(cf),
        "tenants": frame_table(frames.get("tenants", empty), "tenants", "Tenant offers: signed and declined"),
        "procurement": frame_table(
            procurement, "procurement", "What to order when (order period = in service - lead time)"
        ),
        "site-maps": _grid(maps) if maps else "<p>No sites.</p>",
        "tables": "".join(tables) or "<p>No other tables.</p>",
    }


def render_report(plan_dict: Mapping[str, Any], frames: Mapping[str, pd.DataFrame], portfolio: Any) -> str:
    """The whole report as one HTML document (str), sections in :data:`SECTIONS` order."""
    body = _body(plan_dict, frames, portfolio)
    name = str(plan_dict.get("portfolio", getattr(portfolio, "name", "plan")))
    periods = [str(p) for p in plan_dict.get("periods") or []]
    span = f"{periods[0]} to {periods[-1]} ({len(periods)} periods)" if periods else ""
    meta = " · ".join(
        escape(x)
        for x in (
            f"status {plan_dict.get('status', DASH)}",
            span,
            f"{len(getattr(portfolio, 'sites', ()) or ())} site(s)",
        )
        if x
    )
    nav = "".join(f'<li><a href="#{sid}">{escape(title)}</a></li>' for sid, title in SECTIONS)
    sections = "".join(f'<section id="{sid}"><h2>{escape(title)}</h2>{body[sid]}</section>' for sid, title in SECTIONS)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>dcplan report: {escape(name)}</title><style>{CSS}</style></head><body><main>"
        f'<header><h1>dcplan plan report: {escape(name)}</h1><p class="meta">{meta}</p>'
        f"<nav><ol>{nav}</ol></nav></header>{sections}"
        f"<footer>Written by dcplan from plan.json and the plan tables; figures in USD are "
        f"undiscounted unless marked NPV.</footer></main></body></html>\n"
    )


def report_html(plan: Any) -> str:
    """:func:`render_report` of a :class:`planner.Plan`."""
    return render_report(plan.to_dict(), plan.frames(), plan.inputs.portfolio)
