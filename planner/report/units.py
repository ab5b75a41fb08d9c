"""Labels, units and number formats read from names: ``mining_mw`` is "mining" in MW.

Units live in names throughout dcplan, so a report can label any column or KPI it has never
seen: the longest matching suffix in :data:`SUFFIX_UNITS` gives the unit, the rest of the
name the label. Shares and rates are stored as fractions (0.12) and shown as percentages
(12.0 %); money is stored in USD and shown in M USD or bn USD for finance readers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

SUFFIX_UNITS: tuple[tuple[str, str], ...] = (
    ("_usd_per_mw_it", "USD/MW IT"),
    ("_usd_per_kw_month", "USD/kW-month"),
    ("_usd_per_mwh", "USD/MWh"),
    ("_usd_per_mw_year", "USD/MW-year"),
    ("_usd_per_kw_year", "USD/kW-year"),
    ("_usd", "USD"),
    ("_per_year", "%/yr"),
    ("_mwh", "MWh"),
    ("_mw", "MW"),
    ("_kw", "kW"),
    ("_m2", "m²"),
    ("_seconds", "s"),
    ("_months", "months"),
    ("_periods", "periods"),
)
"""Name suffix -> unit (cut from the label), longest first. ``%`` and ``%/yr`` values are fractions."""

WORD_UNITS: dict[str, str] = {"share": "%", "ratio": "×"}
"""A name with one of these words and no suffix unit is in that unit; the word stays in the
label: ``tenant_max_share`` -> ("tenant max share", "%"), ``hpc_share_of_power`` -> "%"."""

EXACT: dict[str, tuple[str, str]] = {
    "gap": ("gap", "%"),
    "min_dscr": ("minimum DSCR", "×"),
    "equity_multiple": ("equity multiple", "×"),
    "tenant_hhi": ("tenant HHI", ""),
    "payback_period": ("payback", ""),
    "discount_factor": ("discount factor", ""),
    "objective_usd": ("objective", "USD"),
    "solve_seconds": ("solve time", "s"),
    "bound_usd": ("bound", "USD"),
}
"""Names whose label or unit the suffix rule would get wrong."""

FRAME_DEFAULT_UNITS: dict[str, str] = {"cash_flows": "USD"}
"""Unit of a frame's unsuffixed numeric columns: cash-flow streams are USD."""

_WORDS = {
    "it": "IT",
    "mw": "MW",
    "hpc": "HPC",
    "npv": "NPV",
    "irr": "IRR",
    "bau": "BAU",
    "cdus": "CDUs",
    "cdu": "CDU",
    "dscr": "DSCR",
    "hhi": "HHI",
    "gpu": "GPU",
    "noi": "NOI",
    "capex": "capex",
    "opex": "opex",
}
DASH = "–"
"""Shown for a missing value (None, NaN)."""


def split_name(name: str, frame: str | None = None, numeric: bool = True) -> tuple[str, str]:
    """(label, unit) of a column or KPI name; unit "" when the name carries none.

    ``hpc_it_mw`` -> ("HPC IT", "MW"); ``hpc_it_mw_end`` -> ("HPC IT at end", "MW");
    a numeric unsuffixed column of ``frame`` takes :data:`FRAME_DEFAULT_UNITS`.
    """
    if name in EXACT:
        return EXACT[name]
    stem, at_end = (name[:-4], True) if name.endswith("_end") else (name, False)
    unit = ""
    for suffix, u in SUFFIX_UNITS:
        if stem.endswith(suffix) and len(stem) > len(suffix):
            stem, unit = stem[: -len(suffix)], u
            break
    tokens = [w for w in stem.split("_") if w]
    if not unit:
        unit = next((WORD_UNITS[w] for w in tokens if w in WORD_UNITS), "")
    if not unit and numeric and frame in FRAME_DEFAULT_UNITS:
        unit = FRAME_DEFAULT_UNITS[frame]
    words = [_WORDS.get(w, w) for w in tokens]
    label = " ".join(words) + (" at end" if at_end else "")
    return label, unit


def header(name: str, frame: str | None = None, numeric: bool = True, unit: str | None = None) -> str:
    """Column header with its unit: ``mining_mw`` -> "mining (MW)"; ``unit`` overrides the name's."""
    label, own = split_name(name, frame, numeric)
    u = own if unit is None else unit
    return f"{label} ({u})" if u else label


def is_missing(value: Any) -> bool:
    """None or a float NaN (pandas' missing values)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _signed(text: str, value: float) -> str:
    """``text`` without its minus sign when it rounds to zero ("-0.0" -> "0.0")."""
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def money(value: float) -> str:
    """USD for finance readers: 1.23 bn USD, 456.7 M USD, 12,345 USD."""
    a = abs(value)
    if a >= 1e9:
        return _signed(f"{value / 1e9:,.2f}", value) + " bn USD"
    if a >= 1e6:
        return _signed(f"{value / 1e6:,.1f}", value) + " M USD"
    return _signed(f"{value:,.0f}", value) + " USD"


def number(value: float) -> str:
    """A plain number: thousands separators above 1,000, four significant digits below."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,d}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def format_value(value: Any, unit: str) -> str:
    """``value`` in ``unit`` as a reader wants it ("12.5 %", "1.23 bn USD", "1,234.5 MW")."""
    if is_missing(value):
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, (int, float)):
        return str(value)
    if unit == "USD":
        return money(float(value))
    if unit in ("%", "%/yr"):
        digits = 3 if 0 < abs(value) < 0.001 else 2 if 0 < abs(value) < 0.01 else 1  # a 0.02% gap is not 0.0%
        return f"{100 * value:,.{digits}f} {unit}"
    if unit == "×":
        return f"{value:,.2f}×"
    if unit in ("MW", "MWh", "kW"):
        return f"{value:,.1f} {unit}"
    if unit == "m²":
        return f"{value:,.0f} m²"
    if unit.startswith("USD/"):
        tail = unit[len("USD") :]
        return money(float(value)) + tail if abs(value) >= 1e6 else f"{value:,.0f} {unit}"
    if unit == "s":
        return f"{value:,.1f} s"
    return f"{number(value)} {unit}".strip()


def cell_formatter(unit: str, integral: bool) -> tuple[str, Callable[[Any], str]]:
    """(unit shown in the header, formatter) for a table column in ``unit``.

    USD columns are shown in M USD with one decimal; fractions (%) as percentages;
    whole-number columns with thousands separators.
    """

    def fmt(scale: float, spec: str) -> Callable[[Any], str]:
        def f(v: Any) -> str:
            if is_missing(v):
                return DASH
            if isinstance(v, bool):
                return "yes" if v else "no"
            if not isinstance(v, (int, float)):
                return str(v)
            return _signed(format(v * scale, spec), v)

        return f

    if unit == "USD":
        return "M USD", fmt(1e-6, ",.1f")
    if unit in ("%", "%/yr"):
        return unit, fmt(100.0, ",.1f")
    if integral:
        return unit, fmt(1.0, ",.0f")
    if unit in ("m²", "USD/MW IT"):
        return unit, fmt(1.0, ",.0f")
    if unit in ("MW", "MWh", "kW", "×"):
        return unit, fmt(1.0, ",.1f")
    return unit, lambda v: DASH if is_missing(v) else (number(v) if isinstance(v, (int, float)) else str(v))
