"""``plan.xlsx``: the plan's tables (the CSVs) as one workbook, one sheet per table.

Headers carry units (``mining_mw`` -> "mining (MW)", a cash-flow stream -> "capex (USD)"),
the header row is frozen and filterable, columns are sized to their contents, and numbers
stay numbers (full precision, shown with an Excel number format: USD with thousands
separators, shares as percentages of their fraction). An optional first sheet lists the KPIs.
Written with openpyxl in write-only mode (streamed: memory flat in the number of rows).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from planner.report.units import header, split_name

NUMBER_FORMATS = {
    "USD": "#,##0",
    "MW": "#,##0.0",
    "MWh": "#,##0.0",
    "kW": "#,##0.0",
    "m²": "#,##0",
    "%": "0.0%",
    "%/yr": "0.0%",
    "×": "0.00",
    "s": "0.0",
}
"""Excel number format per unit (a fraction in % is shown as a percentage, stored as is)."""
INTEGER_FORMAT = "#,##0"
FLOAT_FORMAT = "#,##0.0###"
"""Numbers without a unit: thousands separated, up to four decimals."""
WriteOnlyWorksheet = Any  # openpyxl's write-only sheet (its class lives in a private module)
WIDTH_MIN, WIDTH_MAX, WIDTH_SAMPLE = 8, 48, 500
"""Column width bounds (characters) and how many rows are read to size a column."""
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="F0F3F7")
_HEAD_ALIGN = Alignment(wrap_text=True, vertical="top")


def sheet_name(name: str, used: set[str]) -> str:
    """An Excel sheet name for ``name``: forbidden and control characters replaced, at most
    31 characters, no apostrophe at either end, unique among ``used`` (which it joins)."""
    base = _BAD_SHEET_CHARS.sub("_", name)[:31].strip("'") or "sheet"
    out, n = base, 1
    while out.lower() in used:
        n += 1
        out = f"{base[: 31 - len(str(n)) - 1]}~{n}"
    used.add(out.lower())
    return out


def cell_value(value: Any) -> Any:
    """A value openpyxl writes as Excel does: numpy scalars to Python, NaN and None empty,
    characters XML cannot hold dropped from text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, (bool, int, float)):
        return value
    return str(value)


def column_format(frame: pd.DataFrame, name: str, column: str) -> tuple[str, str | None]:
    """(header with unit, Excel number format or None) of one column of frame ``name``."""
    s = frame[column]
    numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
    _, unit = split_name(str(column), name, numeric)
    if not numeric:
        return header(str(column), name, numeric), None
    if unit in NUMBER_FORMATS:
        return header(str(column), name, numeric), NUMBER_FORMATS[unit]
    integral = pd.api.types.is_integer_dtype(s) or bool(((s.dropna() % 1) == 0).all())
    return header(str(column), name, numeric), INTEGER_FORMAT if integral else FLOAT_FORMAT


def _width(head: str, values: Iterable[Any]) -> float:
    """Characters a column needs: its longest header word or shown value, within bounds."""
    longest = max((len(w) for w in head.split()), default=0)
    for v in values:
        text = f"{v:,.1f}" if isinstance(v, float) else str(v)
        longest = max(longest, len(text))
    return float(min(WIDTH_MAX, max(WIDTH_MIN, longest + 2)))


def _head_cell(ws: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=text)
    cell.font, cell.fill, cell.alignment = _HEAD_FONT, _HEAD_FILL, _HEAD_ALIGN
    return cell


def _write_table(
    ws: WriteOnlyWorksheet,
    heads: list[str],
    formats: list[str | None],
    rows: Iterable[Iterable[Any]],
    sample: list[list[Any]],
) -> None:
    """Widths, frozen and filterable header, then the rows (write-only: in this order)."""
    for j, h in enumerate(heads):
        ws.column_dimensions[get_column_letter(j + 1)].width = _width(h, (r[j] for r in sample if r[j] is not None))
    ws.freeze_panes = "A2"
    ws.append([_head_cell(ws, h) for h in heads])
    n = 1
    for row in rows:
        cells = []
        for value, fmt in zip(row, formats):
            cell = WriteOnlyCell(ws, value=cell_value(value))
            if fmt is not None and isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                cell.number_format = fmt
            cells.append(cell)
        ws.append(cells)
        n += 1
    if heads:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(heads))}{n}"


def _frame_sheet(wb: Workbook, used: set[str], name: str, frame: pd.DataFrame) -> None:
    ws = wb.create_sheet(sheet_name(name, used))
    cols = [column_format(frame, name, str(c)) for c in frame.columns]
    sample = [[cell_value(v) for v in row] for row in frame.head(WIDTH_SAMPLE).itertuples(index=False, name=None)]
    _write_table(ws, [h for h, _ in cols], [f for _, f in cols], frame.itertuples(index=False, name=None), sample)


def kpi_rows(kpis: Mapping[str, Any]) -> tuple[list[list[Any]], dict[str, pd.DataFrame]]:
    """Rows (KPI, value, unit, number format) of the scalar KPIs (a mapping's entries as
    ``key: sub-key``, lists joined), and the KPIs that are lists of records, as frames."""
    rows: list[list[Any]] = []
    tables: dict[str, pd.DataFrame] = {}
    for key, value in kpis.items():
        label, unit = split_name(str(key))
        if isinstance(value, Mapping):
            for sub, v in value.items():
                u = split_name(str(sub))[1] or unit
                rows.append([f"{label}: {sub}", cell_value(v), u, NUMBER_FORMATS.get(u)])
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            tables[str(key)] = pd.DataFrame(value)
        elif isinstance(value, list):
            rows.append([label, ", ".join(str(v) for v in value), unit, None])
        else:
            rows.append([label, cell_value(value), unit, NUMBER_FORMATS.get(unit)])
    return rows, tables


def _kpi_sheet(wb: Workbook, used: set[str], kpis: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    ws = wb.create_sheet(sheet_name("kpis", used))
    rows, tables = kpi_rows(kpis)
    heads = ["KPI", "value", "unit"]
    body = [[r[0], r[1], r[2]] for r in rows]
    formats_per_row = [r[3] for r in rows]
    for j, h in enumerate(heads):
        ws.column_dimensions[get_column_letter(j + 1)].width = _width(h, (b[j] for b in body if b[j] is not None))
    ws.freeze_panes = "A2"
    ws.append([_head_cell(ws, h) for h in heads])
    for (label, value, unit), fmt in zip(body, formats_per_row):
        cell = WriteOnlyCell(ws, value=value)
        if fmt is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
            cell.number_format = fmt
        ws.append([label, cell, unit])
    return tables


def write_xlsx(frames: Mapping[str, pd.DataFrame], path: Path, kpis: Mapping[str, Any] | None = None) -> None:
    """Write ``frames`` to the workbook ``path``, one sheet per frame in order; with ``kpis``,
    a ``kpis`` sheet first and a sheet per KPI that is a table (a list of records) last."""
    wb = Workbook(write_only=True)
    used: set[str] = set()
    extra = _kpi_sheet(wb, used, kpis) if kpis else {}
    for name, frame in [*frames.items(), *extra.items()]:
        _frame_sheet(wb, used, str(name), frame)
    wb.save(Path(path))
