"""How long refusing a hostile YAML descriptor takes.

    .venv/bin/python benchmarks/hostile_yaml.py [--repeat N]

Writes each hostile document as a portfolio file in a temporary folder and times
`load_portfolio` in-process (best of N) and `dcplan validate` as a process (wall clock and
the process's CPU seconds, user + system, including Python start-up and imports, best of N).
Each must be refused (exit 2). The baseline row is a trivially bad portfolio: the cost of the
command itself. On a machine shared with other jobs the wall clock waits for a core; the CPU
seconds do not.

Recorded 2026-12-02 on the 2-core dev machine, load average ~3.7 (three helpers working), best
of 3, after loading stopped importing the descriptor models and geopandas before a document reads
(planner/describe/loading.py): load_portfolio refuses each document in 0.000-0.144 s;
`dcplan validate` takes 0.58-0.83 s of wall clock and 0.58-0.82 s of CPU as a process, nearly
all of it Python start-up, typer and rich (typer 0.29 imports pydantic to coerce its
arguments). Before (2026-12-01, load ~4): 2.5-4.0 s, geopandas 1.0 s of it.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from planner.describe.errors import InputError
from planner.describe.loading import load_portfolio


def laughs(width: int, depth: int) -> bytes:
    """Billion laughs: line i lists `width` aliases of line i - 1 (width^depth values)."""
    lines = ["l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]" for i in range(1, depth + 1)]
    return ("\n".join(lines) + "\n").encode()


HOSTILE = {
    "baseline: a one-line portfolio missing its sites": lambda: b"name: x\n",
    "10 MB single scalar": lambda: b"name: " + b"x" * 10_000_000 + b"\n",
    "10 MB flow list": lambda: b"name: [" + b"1," * 5_000_000 + b"1]\n",
    "4.9 MB flow list (under the size limit)": lambda: b"name: [" + b"1," * 2_450_000 + b"1]\n",
    "4.9 MB block mappings (under the size limit)": lambda: b"a:\n" + b"  - {id: x, mw: 1}\n" * 250_000,
    "billion laughs (10^9 values, 1 kB)": lambda: laughs(10, 9),
    "100,000 nested lists": lambda: b"name: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
    "repeated key at the end of 4.9 MB": lambda: b"name: " + b"x" * 4_900_000 + b"\nname: y\n",
}


def best(runs: int, fn: Callable[[], None]) -> tuple[float, float]:
    """The shortest of `runs` wall-clock times of fn() and the shortest CPU time of the child
    processes it ran (user + system), in s."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(walls), min(cpus)


def load(path: Path) -> None:
    """load_portfolio must refuse the file."""
    try:
        load_portfolio(path)
    except InputError:
        return
    raise SystemExit(f"{path}: not refused")


def validate(path: Path) -> None:
    """`dcplan validate` must exit 2."""
    dcplan = Path(sys.executable).with_name("dcplan")
    done = subprocess.run([str(dcplan), "validate", str(path)], capture_output=True, cwd=path.parent)
    if done.returncode != 2:
        raise SystemExit(f"{path}: dcplan validate exit {done.returncode}")


def main() -> None:
    """Time each hostile document; print one row each."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'document':50} {'bytes':>11} {'load_portfolio':>15} {'dcplan validate':>16} {'its CPU':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in HOSTILE.items():
            path = Path(tmp) / "hostile.yaml"
            path.write_bytes(make())
            in_process, _ = best(args.repeat, lambda: load(path))  # noqa: B023 - called before path changes
            wall, cpu = best(args.repeat, lambda: validate(path))  # noqa: B023
            print(f"{name:50} {path.stat().st_size:>11,} {in_process:>14.3f}s {wall:>15.3f}s {cpu:>7.3f}s")


if __name__ == "__main__":
    main()
