"""plan.xlsx (planner.report.xlsx): one sheet per table, units in headers, numbers as numbers.

Written, then read back with openpyxl: what a finance team's Excel opens.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

import planner
from planner.report.xlsx import WIDTH_MAX, WIDTH_MIN, sheet_name, write_xlsx
from planner.testing.synthetic import portfolio_dict, site_dict, tenant_dict


@pytest.fixture(scope="module")
def small_plan() -> planner.Plan:
    sites = [
        site_dict("alpha", contract_mw=120, mining_mw=60),
        site_dict("beta", lon=-99.0, contract_mw=60, mining_mw=30),
    ]
    tenants = [
        tenant_dict(
            "anchor", ["alpha"], it_mw=40, committed=True, start_earliest="2027-01-01", start_latest="2027-12-01"
        )
    ]
    data = portfolio_dict("xlsx-test", sites, tenants, periods=4, period="year")
    return planner.plan(planner.portfolio_from_dict(data, Path(".")))


@pytest.fixture(scope="module")
def workbook(small_plan, tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "plan.xlsx"
    frames = small_plan.frames()
    write_xlsx(frames, path, kpis=small_plan.to_dict()["kpis"])
    return load_workbook(path), frames


def test_one_sheet_per_table_after_the_kpis(workbook):
    wb, frames = workbook
    assert wb.sheetnames == ["kpis", *frames]


@pytest.mark.parametrize(
    ("sheet", "column", "header"),
    [
        ("site_period", "mining_mw", "mining (MW)"),
        ("site_period", "hpc_it_mw", "HPC IT (MW)"),
        ("site_period", "hall_floor_m2", "hall floor (m²)"),
        ("site_period", "cdus", "CDUs"),
        ("cash_flows", "capex", "capex (USD)"),
        ("cash_flows", "net", "net (USD)"),
        ("cash_flows", "discount_factor", "discount factor"),
        ("tenants", "revenue_usd", "revenue (USD)"),
        ("procurement", "order_period", "order period"),
    ],
)
def test_headers_carry_units(workbook, sheet, column, header):
    wb, frames = workbook
    heads = [c.value for c in wb[sheet][1]]
    assert heads[list(frames[sheet].columns).index(column)] == header


@pytest.mark.parametrize("sheet", ["site_period", "tenants", "cash_flows", "procurement"])
def test_numbers_are_numbers_and_equal_the_frame(workbook, sheet):
    wb, frames = workbook
    frame, ws = frames[sheet], wb[sheet]
    assert ws.max_row == len(frame) + 1 and ws.max_column == len(frame.columns)
    for r, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(r, c)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                assert cell.value is None
            elif isinstance(value, (bool, np.bool_)):
                assert cell.value is bool(value)
            elif isinstance(value, (int, float, np.number)):
                assert cell.data_type == "n" and cell.value == pytest.approx(float(value), rel=1e-12, abs=1e-9)
            else:
                assert cell.value == value


@pytest.mark.parametrize("sheet", ["kpis", "site_period", "tenants", "cash_flows", "procurement"])
def test_header_frozen_filterable_and_columns_sized(workbook, sheet):
    ws = workbook[0][sheet]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.b
    if sheet != "kpis":
        assert re.fullmatch(r"A1:[A-Z]+\d+", ws.auto_filter.ref)
    widths = [ws.column_dimensions[c.column_letter].width for c in ws[1]]
    assert all(WIDTH_MIN <= w <= WIDTH_MAX for w in widths)


def test_number_formats_follow_units(workbook):
    ws = workbook[0]["site_period"]
    heads = [c.value for c in ws[1]]
    assert ws.cell(2, heads.index("mining (MW)") + 1).number_format == "#,##0.0"
    assert ws.cell(2, heads.index("CDUs") + 1).number_format == "#,##0"
    kpis = workbook[0]["kpis"]
    rows = {r[0].value: r for r in kpis.iter_rows(min_row=2)}
    assert rows["NPV"][1].data_type == "n" and rows["NPV"][1].number_format == "#,##0" and rows["NPV"][2].value == "USD"
    assert rows["HPC share of power"][1].number_format == "0.0%"


def test_awkward_values_and_kpi_tables(tmp_path):
    frame = pd.DataFrame(
        {
            "site_id": ["a", None],
            "it_mw": [np.float64(1.5), np.nan],
            "count": np.array([1, 2], dtype=np.int64),
            "ok": [True, False],
            "x_usd": [math.inf, -2.0],
            "when": pd.array([pd.NA, "2026\x07Q1"], dtype="string"),
        }
    )
    kpis = {
        "npv_usd": 1e9,
        "tenants_signed": ["t1", "t2"],
        "counterparty_share": {"t1": 0.6},
        "funding_waterfall": [{"period": "2026", "debt_drawn_usd": 5.0}],
    }
    path = tmp_path / "plan.xlsx"
    write_xlsx({"odd": frame}, path, kpis=kpis)
    wb = load_workbook(path)
    assert wb.sheetnames == ["kpis", "odd", "funding_waterfall"]
    ws = wb["odd"]
    assert [c.value for c in ws[2]] == ["a", 1.5, 1, True, None, None]
    assert [c.value for c in ws[3]] == [None, None, 2, False, -2, "2026Q1"]
    values = {r[0].value: r[1].value for r in wb["kpis"].iter_rows(min_row=2)}
    assert values == {"NPV": 1e9, "tenants signed": "t1, t2", "counterparty share: t1": 0.6}
    assert [c.value for c in wb["funding_waterfall"][1]] == ["period", "debt drawn (USD)"]


@given(st.lists(st.text(min_size=0, max_size=40), min_size=1, max_size=8))
def test_sheet_names_are_valid_and_unique(names):
    used: set[str] = set()
    out = [sheet_name(n, used) for n in names]
    assert len({o.lower() for o in out}) == len(out)
    for o in out:
        assert 1 <= len(o) <= 31 and not re.search(r"[\[\]:*?/\\\x00-\x1f]", o)
        assert not o.startswith("'") and not o.endswith("'")
