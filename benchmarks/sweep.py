"""Scenario-sweep benchmark: the same sweep on 1 and 2 local Dask workers, side by side.

    python benchmarks/sweep.py [--portfolio sites/hive.yaml] [--scenarios 64] [--seed 2026]
                               [--workers 1 2] [--scheduler ADDRESS] [--out benchmarks/SWEEP.md]

A Monte Carlo set over the default factor ranges (planner.sweep.DEFAULT_DISTRIBUTIONS) is
planned on each embedded LocalCluster (and, with --scheduler, on that cluster too), without
the cache. Reported per run: cluster start (processes up and the planner imported), sweep wall
time, mean and max per-scenario time (the task's own wall time on its worker) and its mean CPU
time (well below the wall time: the worker shared its core with another process), the cores
the sweep obtained (sum of CPU seconds / wall seconds), the speed-up
over 1 worker, and whether every scenario's NPV equals the 1-worker run's to 1e-6 USD.

The scheduler's overhead per task is measured with 200 empty tasks on the 2-worker cluster.
The projection for 1, 2, 16 and 64 workers takes the 1-worker run's CPU seconds per scenario
(a scenario's work on a core of its own: on a shared machine its wall time also counts the
time it waited for the core), schedules them in submission order on N workers (each task to
the first worker free) and adds the per-task overhead times the number of tasks:
``T(N) = makespan_N(cpu_1..cpu_S) + S x overhead``; the speed-up is ``T(1) / T(N)``. It
assumes one free core per worker; it is labelled projected. Results are appended to SWEEP.md
with the date, machine, command and the load average (the machine may be shared).
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
NPV_TOL_USD = 1e-6
OVERHEAD_TASKS = 200
PROJECTED_WORKERS = (1, 2, 16, 64)


def _noop(i: int) -> int:
    return i


def scheduler_overhead_s(client) -> float:
    """Wall time per empty task, submitted and gathered in one batch."""
    client.gather(client.map(_noop, range(20), pure=False))  # warm the path
    start = time.perf_counter()
    client.gather(client.map(_noop, range(OVERHEAD_TASKS), pure=False))
    return (time.perf_counter() - start) / OVERHEAD_TASKS


def makespan_s(task_s: list[float], workers: int) -> float:
    """Finish time of tasks taken in order, each by the first worker free."""
    free = [0.0] * workers
    for t in task_s:
        heapq.heappush(free, heapq.heappop(free) + t)
    return max(free)


def run(pf, spec, workers: int | None, scheduler: str | None) -> dict:
    """One sweep on a fresh cluster (or the given scheduler): timings and the result frame."""
    from planner.sweep import dask_client, sweep

    start = time.perf_counter()
    with dask_client(workers=workers, scheduler=scheduler) as client:
        up = time.perf_counter() - start
        t0 = time.perf_counter()
        frame = sweep(pf, spec, client=client)
        wall = time.perf_counter() - t0
        overhead = scheduler_overhead_s(client) if workers == 2 else None
        n = sum(client.nthreads().values())
    return {
        "label": f"{n} local" if scheduler is None else f"{n} at --scheduler",
        "workers": n,
        "start_s": up,
        "wall_s": wall,
        "frame": frame,
        "overhead_s": overhead,
    }


def same_npv(a, b) -> bool:
    """Same status and NPV (to NPV_TOL_USD) for every scenario."""
    x, y = a["npv_usd"].to_numpy(float), b["npv_usd"].to_numpy(float)
    return bool(list(a["status"]) == list(b["status"]) and np.allclose(x, y, rtol=0, atol=NPV_TOL_USD, equal_nan=True))


def report(args, runs: list[dict], command: str) -> str:
    """The markdown section of this run."""
    base = runs[0]
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    versions = f"Python {platform.python_version()} | dask {metadata.version('distributed')}"
    versions += f" | highspy {metadata.version('highspy')}"
    lines = [
        f"## {dt.date.today().isoformat()} | {os.cpu_count()} cores, {mem_gib:.0f} GiB | {versions}",
        "",
        f"Command: `{command}`. Portfolio `{args.portfolio}`, {args.scenarios} Monte Carlo scenarios "
        f"(seed {args.seed}, default ranges). Load average at the end: {load}.",
        "",
        "| workers | cluster start s | sweep wall s | per scenario mean s | max s | CPU per scenario s "
        "| cores obtained | speed-up | NPV equal to 1 worker |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        t, cpu = r["frame"]["solve_seconds"], r["frame"]["cpu_seconds"]
        equal = "yes" if same_npv(base["frame"], r["frame"]) else "NO"
        cells = [
            r["label"],
            f"{r['start_s']:.1f}",
            f"{r['wall_s']:.1f}",
            f"{t.mean():.2f}",
            f"{t.max():.2f}",
            f"{cpu.mean():.2f}",
            f"{cpu.sum() / r['wall_s']:.2f}",
            f"{base['wall_s'] / r['wall_s']:.2f}x",
            equal,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    overhead = next((r["overhead_s"] for r in runs if r["overhead_s"] is not None), None)
    task_s = list(base["frame"]["cpu_seconds"])
    if overhead is not None:
        lines += [
            "",
            f"Scheduler overhead: {overhead * 1e3:.2f} ms per task ({OVERHEAD_TASKS} empty tasks, 2 workers).",
            "",
            "| workers (projected) | sweep wall s | speed-up over 1 worker (projected) |",
            "|---|---|---|",
        ]
        one = makespan_s(task_s, 1) + len(task_s) * overhead
        for n in PROJECTED_WORKERS:
            t = makespan_s(task_s, n) + len(task_s) * overhead
            lines.append(f"| {n} (projected) | {t:.1f} | {one / t:.2f}x |")
    statuses = base["frame"]["status"].value_counts().to_dict()
    lines += ["", f"Statuses (1 worker): {statuses}.", ""]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the sweeps, print the section and append it to SWEEP.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portfolio", default="sites/hive.yaml")
    parser.add_argument("--scenarios", type=int, default=64)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--scheduler", default=None, help="also run on this scheduler")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "SWEEP.md"))
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)

    from planner import load_portfolio
    from planner.sweep.expand import short_form_set

    pf = load_portfolio(ROOT / args.portfolio)
    spec = short_form_set([], args.scenarios, args.seed)
    runs = [run(pf, spec, w, None) for w in args.workers]
    if args.scheduler:
        runs.append(run(pf, spec, None, args.scheduler))
    command = "python benchmarks/sweep.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(args, runs, command.strip())
    sys.stdout.write(text)
    if not args.no_write:
        out = Path(args.out)
        if not out.exists():
            out.write_text(
                "# Sweep benchmark results\n\nRecorded by `python benchmarks/sweep.py` (one section per run; "
                "newest last).\n\n"
            )
        with out.open("a") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
