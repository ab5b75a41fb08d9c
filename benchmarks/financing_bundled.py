"""Bundled portfolios with and without their financing section: status, NPV, solve time and the
funding KPIs (issue 15).

    python benchmarks/financing_bundled.py [sites/terawulf.yaml ...] [--time-limit 300]

Each portfolio is planned as bundled and with its ``financing`` section removed (today's model),
on HiGHS with the default gap, without the business-as-usual solve; one row each.
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import yaml

from planner import load_portfolio, plan, portfolio_from_dict

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ("sites/terawulf.yaml", "sites/cipher.yaml", "sites/iren.yaml", "sites/whitefiber.yaml")
KPIS = ("equity_irr_per_year", "equity_npv_usd", "peak_funding_usd", "debt_peak_usd", "min_dscr")


def _row(label: str, portfolio, time_limit: float) -> str:
    start = time.perf_counter()
    p = plan(portfolio, bau=False, time_limit=time_limit)
    seconds = time.perf_counter() - start
    k = p.kpis()
    cells = [f"{k[key]:,.3g}" if isinstance(k[key], float) else str(k[key]) for key in KPIS]
    return (
        f"| {label} | {p.status} | {p.npv_usd / 1e6:,.1f} | {seconds:.1f} | {len(p.violations)} | "
        + " | ".join(cells)
        + " |"
    )


def main() -> None:
    """Print a markdown table, one row per portfolio and case."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("portfolios", nargs="*", default=DEFAULT)
    parser.add_argument("--time-limit", type=float, default=300.0)
    args = parser.parse_args()
    print("| portfolio | status | NPV M USD | seconds | violations | " + " | ".join(KPIS) + " |")
    print("|---" * (5 + len(KPIS)) + "|")
    for name in args.portfolios:
        path = ROOT / name
        data = yaml.safe_load(path.read_text())
        if "financing" in data:
            print(_row(f"{path.stem} financed", load_portfolio(path), args.time_limit))
        plain = copy.deepcopy(data)
        plain.pop("financing", None)
        print(_row(f"{path.stem} without financing", portfolio_from_dict(plain, path.parent), args.time_limit))


if __name__ == "__main__":
    main()
