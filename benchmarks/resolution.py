"""Time resolution: plans on coarser late periods against the full-resolution plan, S and M.

    python benchmarks/resolution.py [--rungs S M] [--time-limit 300] [--early-months 24]
                                    [--append benchmarks/RESULTS.md]

S is the bundled sites/us-miners.yaml, M benchmarks/run.py's M rung (100 sites x 30 offers,
seed 2026). Each is planned (plan(), method "auto", no business-as-usual solve) over the same
span with several horizons (`horizon.segments`): all quarters (full resolution), and quarters
for the first years, then years. Each plan runs in its own process, in turn, with the load
average recorded on its row. For every coarse plan the benchmark reports (i) its NPV against
the full-resolution plan's, and (ii) its decisions of the first `--early-months` (sites
converted, halls in service, tenants signed with a start in that window, their start and
renewal options) against the full plan's, and the full-resolution model solved with those
decisions fixed (one MILP, same time limit): the NPV the coarse plan's near-term decisions
are worth at full resolution. Regret = full-resolution optimum minus that value; with both
solves stopped at a gap, it is only known within [plan NPV - fixed bound, bound - fixed NPV].

What a coarse period means (planner.inputs.time and the arrays built on it). Period t starts
m_t months after the horizon start and lasts L_t months (3 for a quarter, 12 for a year):

- every decision is one value per period: MW of mining, IT in use, halls and CDUs in service,
  leases; so within a year period nothing ramps, and capacity rows hold for the year as a whole;
- amounts per period scale with its length: energy is MW x h_t, h_t = 8760 L_t / 12 hours;
  opex per MW-year x L_t / 12; rent per kW-month x 1000 x L_t x (1 + esc)^max(0, y_t - y_first);
  hashprice is the path's value at mid-period, a halving counting from the start of the
  period that holds it (in a year period, from January of its year);
- cash flows of period t sit at mid-period, y_t = (m_t + L_t / 2) / 12 years, discounted by
  d_t = (1 + r)^-y_t: a year of even flows is discounted once at mid-year instead of at its four
  quarters' mid-points, (1 + r)^-y_t against the quarters' mean (1 + r)^-(y_t + delta),
  delta in {-4.5, -1.5, 1.5, 4.5} / 12; by convexity the year values even flows lower by about
  ln(1 + r)^2 E[delta^2] / 2 = 0.035% of them at r = 10% (E[delta^2] = 0.078 years^2);
- dates snap to periods: a tenant may start only at a period's start (a year period offers one
  start a year), an asset with lead time `lead` months serves from the first period with
  m_t >= lead, a contract of `term` months is active in t for the share of t it covers, and an
  asset's life ends in the first period starting at or after its end.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

Segments = list[tuple[str, int]]
VARIANTS: dict[str, dict[str, Segments]] = {
    "S": {
        "80q": [("quarter", 80)],
        "20q+15y": [("quarter", 20), ("year", 15)],
        "8q+18y": [("quarter", 8), ("year", 18)],
    },
    "M": {"40q": [("quarter", 40)], "8q+8y": [("quarter", 8), ("year", 8)], "20q+5y": [("quarter", 20), ("year", 5)]},
}
"""Horizons of each rung over the same span (S: 2026-2045, as bundled 20q+15y; M: 2026-2035);
the first is full resolution."""


def descriptor(rung: str, segments: Segments) -> tuple[dict, Path]:
    """The rung's portfolio descriptor with its horizon in `segments`, and its base folder."""
    import yaml

    from planner.testing.synthetic import random_portfolio

    if rung == "S":
        base = ROOT / "sites"
        data = yaml.safe_load((base / "us-miners.yaml").read_text())
    else:
        base, data = ROOT, random_portfolio(100, 30, seed=2026, name="ladder-M")
    start = data["horizon"].get("start", "2026-01-01")
    data["horizon"] = {"start": start, "segments": [{"period": p, "periods": n} for p, n in segments]}
    return data, base


def early_decisions(ins, d, months: int) -> dict:
    """Halls in service (by site, period, module type) in each period starting before `months`,
    and the tenants whose start falls before it: {tenant: [start month, renewal options]}."""
    early = ins.time.first_month < months
    halls = d.halls[:, :, early]  # [S, H, early T]
    tenants = {}
    for k, start in enumerate(d.tenant_start):
        if start is not None and ins.time.month_of(start) < months:
            tenants[ins.tenant.ids[k]] = [ins.time.month_of(start), d.renewals(k)]
    return {
        "labels": [ins.time.labels[t] for t in range(ins.T) if early[t]],
        "halls": {s: halls[i].T.astype(int).tolist() for i, s in enumerate(ins.site.ids)},
        "tenants": tenants,
    }


def fixed_problem(model, coarse: dict, months: int):
    """The model's problem with the halls in service of every period before `months` and the tenant
    paths starting before it fixed to the coarse plan's (early_decisions of that plan; both
    horizons share these periods). Returns the problem and how many values had to be clipped
    to this model's bounds."""
    ins, p = model.inputs, model.problem
    if [ins.time.labels[t] for t in range(len(coarse["labels"]))] != coarse["labels"]:
        raise ValueError("the horizons do not share their early periods")
    lower, upper = p.col_lower.copy(), p.col_upper.copy()
    modules, clipped = model.halls.modules.index, 0  # [S, H, T]
    for i, s in enumerate(ins.site.ids):
        for t, by_type in enumerate(coarse["halls"][s]):
            for h, n in enumerate(by_type):
                c = modules[i, h, t]
                if c >= 0:
                    value = min(max(float(n), p.col_lower[c]), p.col_upper[c])
                    clipped += value != n
                    lower[c] = upper[c] = value
    start, paths = model.leases.start.index, model.leases.paths  # [K, J, R]
    for k, tid in enumerate(ins.tenant.ids):
        chosen = coarse["tenants"].get(tid)
        for j in range(start.shape[1]):
            if paths.start_month[j] >= months:
                continue
            for r in range(start.shape[2]):
                c = start[k, j, r]
                if c >= 0:
                    on = chosen is not None and chosen == [int(paths.start_month[j]), r]
                    lower[c], upper[c] = (1.0, 1.0) if on else (0.0, 0.0)
    return dataclasses.replace(p, col_lower=lower, col_upper=upper), clipped


def by_stream(ins, flows: dict) -> dict[str, float]:
    """NPV of each cash-flow stream, every risk class and site together."""
    out: dict[str, float] = {}
    for (stream, risk), value in flows.items():
        out[stream] = out.get(stream, 0.0) + float((value * ins.fin.factor(risk)[None, :]).sum())
    return out


def run_variant(rung: str, name: str, time_limit: float, months: int) -> dict:
    """Plan one variant; for a coarse one, also solve the full model with its early decisions fixed."""
    from planner import plan, portfolio_from_dict
    from planner.inputs import prepare
    from planner.model import build_model
    from planner.results.cashflows import flows_by_class
    from planner.solve.run import PlanOptions, solve_problem

    load = os.getloadavg()[0]
    data, base = descriptor(rung, VARIANTS[rung][name])
    start = time.perf_counter()
    result = plan(portfolio_from_dict(data, base), time_limit=time_limit, bau=False)
    total = time.perf_counter() - start
    early = early_decisions(result.inputs, result.decisions, months)
    out = {
        "rung": rung,
        "variant": name,
        "load": load,
        "periods": result.inputs.T,
        "solve_s": result.solve["solve_seconds"],
        "total_s": total,
        "status": result.status,
        "gap": result.gap,
        "npv": result.npv_usd,
        "bound": result.solve["bound"],
        "method": "decompose" if "site decomposition" in result.solve["message"] else "milp",
        "early": early,
        "streams": by_stream(result.inputs, flows_by_class(result.inputs, result.decisions)),
    }
    problem = build_model(result.inputs).problem
    out.update(variables=problem.num_cols, integers=int(problem.integer.sum()))
    full = next(iter(VARIANTS[rung]))
    if name != full:
        full_data, _ = descriptor(rung, VARIANTS[rung][full])
        model = build_model(prepare(portfolio_from_dict(full_data, base)))
        problem, clipped = fixed_problem(model, early, months)
        fixed = solve_problem(problem, PlanOptions(), time.perf_counter() + time_limit)
        out["fixed"] = {"status": fixed.status.value, "npv": fixed.objective, "bound": fixed.bound, "clipped": clipped}
    return out


def _in_process(rung: str, name: str, time_limit: float, months: int) -> dict:
    """run_variant in a fresh Python process."""
    cmd = [sys.executable, __file__, "_run", rung, name, "--time-limit", repr(time_limit)]
    out = subprocess.run([*cmd, "--early-months", str(months)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _m(x: float | None) -> str:
    return "-" if x is None else f"{x / 1e6:,.1f}"


def _diff(coarse: dict, full: dict) -> str:
    """What the coarse plan's early decisions do differently from the full plan's."""
    total = {
        w: {s: [sum(by_type) for by_type in h] for s, h in d["halls"].items()} for w, d in (("c", coarse), ("f", full))
    }
    adding = {w: {s for s, h in t.items() if h and h[-1] > h[0]} for w, t in total.items()}
    cells = sum(a != b for s in total["f"] for a, b in zip(total["c"][s], total["f"][s]))
    halls = [sum(h[-1] for h in t.values() if h) for t in (total["c"], total["f"])]
    ct, ft = coarse["tenants"], full["tenants"]
    only_c, only_f = sorted(set(ct) - set(ft)), sorted(set(ft) - set(ct))
    moved = sorted(k for k in set(ct) & set(ft) if ct[k] != ft[k])
    parts = [
        f"sites adding halls: {len(adding['c'])} vs {len(adding['f'])} (differ: "
        f"{', '.join(sorted(adding['c'] ^ adding['f'])) or 'none'})",
        f"halls at the window's end {halls[0]} vs {halls[1]}; site-periods differing {cells}",
        f"tenants starting in the window {len(ct)} vs {len(ft)}; only coarse: {', '.join(only_c) or 'none'}; "
        f"only full: {', '.join(only_f) or 'none'}; other start or renewals: "
        + (", ".join(f"{k} {ct[k]} vs {ft[k]}" for k in moved) or "none"),
    ]
    return "; ".join(parts)


def tables(rows: list[dict], months: int) -> list[str]:
    """Markdown: the plans, then each coarse plan's early decisions against the full plan's."""
    lines = [
        "| rung | horizon | periods | variables (integer) | method | solve s | total s | status | gap "
        "| NPV M USD | bound M USD | NPV - full M USD | NPV / full - 1 | load avg |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    full = {r["rung"]: r for r in rows if r["variant"] == next(iter(VARIANTS[r["rung"]]))}
    for r in rows:
        f = full.get(r["rung"])
        delta = None if f is None else r["npv"] - f["npv"]
        rel = "-" if f is None else f"{delta / abs(f['npv']):+.3%}"
        gap = "-" if r["gap"] is None else f"{r['gap']:.3%}"
        lines.append(
            f"| {r['rung']} | {r['variant']} | {r['periods']} | {r['variables']:,} ({r['integers']:,}) | {r['method']} "
            f"| {r['solve_s']:.1f} | {r['total_s']:.1f} | {r['status']} | {gap} | {_m(r['npv'])} | {_m(r['bound'])} "
            f"| {_m(delta)} | {rel} | {r['load']:.2f} |"
        )
    lines += [
        "",
        f"| rung | horizon | first {months} months: coarse vs full plan | full resolution, early decisions fixed: "
        "status, NPV M USD, bound M USD | regret M USD (full optimum - fixed), within |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        f = full.get(r["rung"])
        if "fixed" not in r or f is None:
            continue
        x = r["fixed"]
        lo = None if x["bound"] is None else f["npv"] - x["bound"]
        hi = None if x["npv"] is None or f["bound"] is None else f["bound"] - x["npv"]
        lines.append(
            f"| {r['rung']} | {r['variant']} | {_diff(r['early'], f['early'])} | {x['status']}, {_m(x['npv'])}, "
            f"{_m(x['bound'])} | [{_m(lo)}, {_m(hi)}] |"
        )
    return lines + ["", *stream_table(rows)]


def stream_table(rows: list[dict]) -> list[str]:
    """Markdown: each rung's NPV by cash-flow stream, full resolution and each coarse plan's difference."""
    lines = []
    for rung in dict.fromkeys(r["rung"] for r in rows):
        runs = [r for r in rows if r["rung"] == rung and "streams" in r]
        if not runs:
            continue
        full, names = runs[0], [r["variant"] for r in runs[1:]]
        lines += [
            f"| {rung}: stream, NPV M USD | {full['variant']} | "
            + " | ".join(f"{n} - {full['variant']}" for n in names)
            + " |",
            "|---|---|" + "---|" * len(names),
        ]
        for stream in sorted(set().union(*(r["streams"] for r in runs))):
            base = full["streams"].get(stream, 0.0)
            diffs = " | ".join(_m(r["streams"].get(stream, 0.0) - base) for r in runs[1:])
            lines.append(f"| {stream} | {_m(base)} | {diffs} |")
        lines.append("")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Plan every variant of each rung in turn, print the tables, append them to --append when given."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("table", nargs="*", help="(_run RUNG VARIANT: one plan, internal)")
    ap.add_argument("--rungs", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    ap.add_argument("--time-limit", type=float, default=300.0)
    ap.add_argument("--early-months", type=int, default=24)
    ap.add_argument("--append", type=Path, help="append the tables to this markdown file")
    args = ap.parse_args(argv)
    if args.table[:1] == ["_run"]:
        print(json.dumps(run_variant(args.table[1], args.table[2], args.time_limit, args.early_months)))
        return 0
    from benchmarks.run import _versions, emit

    rows = []
    for rung in args.rungs:
        for name in VARIANTS[rung]:
            rows.append(_in_process(rung, name, args.time_limit, args.early_months))
            print(json.dumps({k: v for k, v in rows[-1].items() if k != "early"}), flush=True)
    command = "python benchmarks/resolution.py " + " ".join(argv if argv is not None else sys.argv[1:])
    title = f"time resolution: coarse late periods vs full resolution, time limit {args.time_limit:g} s"
    lines = [f"\n## {_versions()} | {title}\n", f"`{command}`\n", *tables(rows, args.early_months)]
    emit(lines, args.append)
    return 0


if __name__ == "__main__":
    sys.exit(main())
