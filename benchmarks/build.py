"""Model build time and peak memory on the benchmark ladder, side by side with an older checkout.

    python benchmarks/build.py [--rungs M L XL] [--old-tree DIR]

Each build runs in its own process (peak RSS is the build's own): the portfolio is generated
and loaded, then timed are prepare() (the inputs) and build_model() (the MILP, every family).
With --old-tree (a checkout of an earlier commit, e.g. `git worktree add /tmp/old fc7dc97`),
the same rungs are built with that code too, in the same run. Results are printed as a
Markdown table for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNGS = {"S": None, "M": (100, 30), "L": (300, 80), "XL": (1000, 200)}

CHILD = r"""
import json, resource, sys, time
rung, sites, tenants, root = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
sys.path.insert(0, root)
from pathlib import Path
try:
    from planner.testing.synthetic import random_portfolio
except ImportError:
    from planner.synthetic import random_portfolio
from planner import load_portfolio, portfolio_from_dict
try:
    from planner.inputs import prepare
except ImportError:
    from planner.inputs import prepare
from planner.model import build_model
pf = (load_portfolio(Path(root) / "sites" / "us-miners.yaml") if sites == 0
      else portfolio_from_dict(random_portfolio(sites, tenants, seed=2026, name=f"ladder-{rung}"), Path(root)))
t0 = time.perf_counter(); ins = prepare(pf); t1 = time.perf_counter(); m = build_model(ins); t2 = time.perf_counter()
if hasattr(m, "problem"):
    size = (m.problem.num_cols, m.problem.num_rows, m.problem.num_nonzeros)
else:
    cons = m.prob.constraints
    size = (len(m.prob.variables()), len(cons), sum(len(c) for c in cons.values()))
print(json.dumps({"prepare_s": t1 - t0, "build_s": t2 - t1, "columns": size[0], "rows": size[1], "nonzeros": size[2],
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def build(rung: str, tree: Path) -> dict:
    """One build of `rung` with the code of `tree`, in a fresh process."""
    sites, tenants = RUNGS[rung] or (0, 0)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, rung, str(sites), str(tenants), str(tree)],
        cwd=tree,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
    )
    if out.returncode:
        return {"error": out.stderr.strip().splitlines()[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Build every rung with this checkout (and --old-tree), print the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rungs", nargs="+", default=["S", "M", "L", "XL"], choices=list(RUNGS))
    ap.add_argument("--old-tree", type=Path)
    args = ap.parse_args(argv)
    trees = [("this", ROOT)] + ([("old", args.old_tree.resolve())] if args.old_tree else [])
    print("| rung | code | columns | rows | nonzeros | prepare s | build s | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for rung in args.rungs:
        for label, tree in trees:
            r = build(rung, tree)
            if "error" in r:
                print(f"| {rung} | {label} | error: {r['error']} |")
                continue
            print(
                f"| {rung} | {label} | {r['columns']:,} | {r['rows']:,} | {r['nonzeros']:,} | {r['prepare_s']:.2f} "
                f"| {r['build_s']:.2f} | {r['peak_rss_mib']:,.0f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
