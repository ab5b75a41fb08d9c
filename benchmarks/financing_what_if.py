"""Two financing questions on a bundled portfolio (issue 15), one plan per case:

1. "Rates +200 bp: which conversions still pay?" Every facility's rate (and backed rate) and
   every discount rate (base and each risk class) up by 200 bp, planned for the enterprise NPV
   and for the equity NPV (debt dearer against the 18% cost of equity).
2. "What is a hyperscaler backstop worth?" The same portfolio with the credit support taken off
   every tenant offer: the backed debt pays its unsupported rate and the backed rent is
   discounted as other contracted rent.

    python benchmarks/financing_what_if.py [sites/terawulf.yaml] [--time-limit 300]

Prints one markdown row per case: status, NPV, equity NPV, equity IRR, interest paid (undiscounted,
over the horizon), debt peak, tenants signed.
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path
from typing import Any

import yaml

from planner import plan, portfolio_from_dict

ROOT = Path(__file__).resolve().parent.parent
BP = 0.02


def higher_rates(data: dict[str, Any]) -> dict[str, Any]:
    """Every debt and discount rate +200 bp."""
    out = copy.deepcopy(data)
    finance = out.setdefault("finance", {})
    finance["discount_rate_per_year"] = finance.get("discount_rate_per_year", 0.10) + BP
    for key, value in finance.get("discount_rates", {}).items():
        if key.endswith("_per_year"):
            finance["discount_rates"][key] = value + BP
    for f in out.get("financing", {}).get("facilities", []):
        f["rate_per_year"] = f.get("rate_per_year", 0.10) + BP
        if f.get("backed_rate_per_year") is not None:
            f["backed_rate_per_year"] += BP
    return out


def no_backstop(data: dict[str, Any]) -> dict[str, Any]:
    """Every tenant offer's credit support removed."""
    out = copy.deepcopy(data)
    for t in out.get("tenants", []):
        t.pop("credit_support", None)
    return out


def equity_objective(data: dict[str, Any]) -> dict[str, Any]:
    """The plan maximises the equity NPV."""
    out = copy.deepcopy(data)
    out.setdefault("financing", {})["objective"] = "equity_npv"
    return out


def row(label: str, data: dict[str, Any], base: Path, time_limit: float) -> str:
    """One markdown row of a planned case."""
    p = plan(portfolio_from_dict(data, base), bau=False, time_limit=time_limit)
    k = p.kpis()
    funding = p.frames().get("funding")
    interest = 0.0 if funding is None else float(funding[["interest_paid_usd", "interest_capitalised_usd"]].sum().sum())
    irr = "-" if k["equity_irr_per_year"] is None else f"{k['equity_irr_per_year']:.1%}"
    return (
        f"| {label} | {p.status} | {p.npv_usd / 1e6:,.0f} | {(k['equity_npv_usd'] or 0) / 1e6:,.0f} | {irr} | "
        f"{interest / 1e6:,.0f} | {(k['debt_peak_usd'] or 0) / 1e6:,.0f} | {', '.join(k['tenants_signed'])} |"
    )


def main() -> None:
    """Print the table of both questions."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("portfolio", nargs="?", default="sites/terawulf.yaml")
    parser.add_argument("--time-limit", type=float, default=300.0)
    args = parser.parse_args()
    path = ROOT / args.portfolio
    data = yaml.safe_load(path.read_text())
    cases = {
        "base (enterprise NPV)": data,
        "rates +200 bp (enterprise NPV)": higher_rates(data),
        "base (equity NPV)": equity_objective(data),
        "rates +200 bp (equity NPV)": equity_objective(higher_rates(data)),
        "no backstop (enterprise NPV)": no_backstop(data),
        "no backstop (equity NPV)": equity_objective(no_backstop(data)),
    }
    print("| case | status | NPV M USD | equity NPV M USD | equity IRR | interest M USD | debt peak M USD | signed |")
    print("|---|---|---|---|---|---|---|---|")
    for label, case in cases.items():
        print(row(label, case, path.parent, args.time_limit))


if __name__ == "__main__":
    main()
