"""Loading a generated portfolio (inline land per site) before and after a change, side by side.

    python benchmarks/loading.py [--trees base=/tmp/ovh-base branch=.] [--instance cap134]
                                 [--copies 1 2] [--repeat 3]

The portfolio is an OR-Library CFLP instance reduced by planner.testing.cflp.cflp_portfolio
(one site per facility, inline GeoJSON land), `copies` times over (facilities stacked: 50 per
copy for cap1xx). Each tree (name=path) runs in a fresh process with PYTHONPATH=path, `repeat`
times round-robin; the table gives the median seconds of cflp_portfolio (validation and land,
after the imports: the packages are imported first, off the clock) and of its imports.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "cflp"

CHILD = """
import dataclasses, json, sys, time
import numpy as np
start = time.perf_counter()
import planner.describe.assembly, planner.describe.land_loading, planner.testing.cflp as cflp
imports = time.perf_counter() - start
inst = cflp.read_instance(__import__("pathlib").Path({path!r}))
k = {copies}
inst = dataclasses.replace(inst, capacity=np.tile(inst.capacity, k), fixed=np.tile(inst.fixed, k),
                           cost=np.tile(inst.cost, (k, 1)))
start = time.perf_counter()
portfolio, _ = cflp.cflp_portfolio(inst)
load = time.perf_counter() - start
print(json.dumps({{"sites": len(portfolio.sites), "load": load, "imports": imports,
                   "geopandas": "geopandas" in sys.modules}}))
"""


def run(tree: Path, instance: Path, copies: int) -> dict:
    """One load in a fresh process with `tree` first on the path."""
    code = CHILD.format(path=str(instance), copies=copies)
    env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tree, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Print the table: one row per tree and portfolio size."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trees", nargs="+", default=[f"this={ROOT}"], help="name=path of a source tree")
    ap.add_argument("--instance", default="cap134")
    ap.add_argument("--copies", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    trees = {t.split("=", 1)[0]: Path(t.split("=", 1)[1]).resolve() for t in args.trees}
    instance = DATA / f"{args.instance}.txt"
    runs: dict[tuple[str, int], list[dict]] = {(n, c): [] for c in args.copies for n in trees}
    for _ in range(args.repeat):
        for name, copies in runs:
            runs[name, copies].append(run(trees[name], instance, copies))
    print("| tree | sites | load s | per site ms | imports s | geopandas imported |")
    print("|---|---|---|---|---|---|")
    for (name, _), rows in runs.items():
        load = statistics.median(r["load"] for r in rows)
        sites = rows[0]["sites"]
        imports = statistics.median(r["imports"] for r in rows)
        print(f"| {name} | {sites} | {load:.2f} | {1000 * load / sites:.1f} | {imports:.2f} | {rows[0]['geopandas']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
