"""Where `dcplan plan` spends its time end to end, on small portfolios (issue 18, overhead).

    python benchmarks/profile_plan.py [--portfolios sites/hut8.yaml sites/whitefiber.yaml ...]
                                      [--repeat 2] [--variants default png] [--out FILE]
                                      [--trees before=/tmp/base after=.]

Each portfolio is planned by the command itself (`dcplan plan PORTFOLIO --out TMP --quiet`,
with each variant's flags in turn: VARIANTS) in a fresh process, `repeat` times round-robin,
under `python -X importtime` and cProfile. One row per portfolio and variant (medians): the
process's wall and CPU seconds, Python start-up and imports (the heavy packages named, from
-X importtime), and the command's own phases from cProfile's cumulative seconds: loading the
portfolio, plan() (of which its first solve, its business-as-usual solve), and writing the
files (of which the PNG figures, report.html, plan.xlsx, the CSVs and the tables). Imports
made inside a phase count in both columns; the "imports" column is their total wherever they
happen. cProfile slows Python code (not the solver) by up to 2x: compare rows, not absolutes.
With --trees (name=path of a source tree, e.g. a `git worktree` of main), each run imports
planner from that tree (PYTHONPATH, working directory) and plans that tree's copy of the
portfolio; the trees take turns within each round, one row per tree.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PACKAGES = ("numpy", "pandas", "pydantic", "typer", "pulp", "highspy", "shapely", "geopandas", "matplotlib")
"""Top-level packages whose import time is reported (cumulative, from -X importtime)."""

VARIANTS = {"default": "", "png": "--png"}
"""Name -> the flags of `dcplan plan` it adds."""

PHASES = {
    "load s": ("assembly.py", "assemble"),
    "plan() s": ("planning.py", "plan"),
    "first solve s": ("planning.py", "_first_solve"),
    "BAU s": ("planning.py", "business_as_usual"),
    "write s": ("files.py", "write_plan"),
    "PNGs s": ("backend_agg.py", "print_png"),
    "report.html s": ("html.py", "render_report"),
    "plan.xlsx s": ("xlsx.py", "write_xlsx"),
    "CSVs s": ("generic.py", "to_csv"),
    "tables s": ("outcome.py", "frames"),
}
"""Column -> (file name, function) whose cumulative cProfile seconds the column reports."""


def child(portfolio: Path, out: Path, stats: Path, flags: str = "") -> None:
    """Run `dcplan plan` in this process under cProfile (the measured process)."""
    from planner.cli import app

    profile = cProfile.Profile()
    profile.enable()
    try:
        app(["plan", str(portfolio), "--out", str(out), "--quiet", *flags.split()], standalone_mode=False)
    finally:
        profile.disable()
        profile.dump_stats(str(stats))


def import_seconds(stderr: str) -> dict[str, float]:
    """Cumulative import seconds of PACKAGES and of everything imported, from -X importtime."""
    found: dict[str, float] = {}
    total = 0.0
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        if not name.startswith("  "):  # top level: nested imports are inside its cumulative
            total += int(cumulative) / 1e6
        if name.strip() in PACKAGES:
            found[name.strip()] = int(cumulative) / 1e6
    found["imports"] = total
    return found


def phase_seconds(stats_file: Path) -> dict[str, float]:
    """Cumulative seconds of each PHASES function in a cProfile dump (0 where not called)."""
    stats = pstats.Stats(str(stats_file)).stats  # type: ignore[attr-defined]
    out = dict.fromkeys(PHASES, 0.0)
    for (file, _, func), (_, _, _, cumulative, _) in stats.items():
        for column, (name, wanted) in PHASES.items():
            if func == wanted and file.endswith(name):
                out[column] = max(out[column], cumulative)
    return out


def run_once(portfolio: Path, flags: str, tree: Path = ROOT) -> dict[str, float]:
    """One `dcplan plan PORTFOLIO FLAGS` in a fresh process, planner imported from `tree`
    (its copy of PORTFOLIO when that lies in this tree): its seconds by column."""
    if portfolio.is_relative_to(ROOT):
        portfolio = tree / portfolio.relative_to(ROOT)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    with tempfile.TemporaryDirectory() as tmp:
        stats = Path(tmp) / "profile.out"
        code = f"import sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import profile_plan as p; "
        out = Path(tmp) / "out"
        code += f"p.child(p.Path({str(portfolio)!r}), p.Path({str(out)!r}), p.Path({str(stats)!r}), {flags!r})"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        command = [sys.executable, "-X", "importtime", "-c", code]
        done = subprocess.run(command, capture_output=True, text=True, cwd=tree, env=env)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"{portfolio}: dcplan plan failed:\n{done.stderr[-2000:]}")
        row = {"wall s": wall, "CPU s": after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime}
        row.update(import_seconds(done.stderr))
        row.update(phase_seconds(stats))
        return row


def table(portfolios: list[Path], flag_sets: list[str], repeat: int, trees: dict[str, Path] | None = None) -> list[str]:
    """Markdown table: one row per portfolio, flags (and tree), medians of `repeat` round-robin runs."""
    where = trees or {"": ROOT}
    keys = [(p, f, t) for p in portfolios for f in flag_sets for t in where]
    runs: dict[tuple[Path, str, str], list[dict[str, float]]] = {k: [] for k in keys}
    for _ in range(repeat):
        for p, f, t in keys:
            runs[p, f, t].append(run_once(p, f, where[t]))
    columns = ["wall s", "CPU s", "imports", *PACKAGES, *PHASES]
    tree = "tree | " if trees else ""
    lines = [
        f"| portfolio | flags | {tree}" + " | ".join(c if c.endswith(" s") else f"{c} s" for c in columns) + " |",
        "|---|---|" + "---|" * (len(columns) + bool(trees)),
    ]
    for (p, f, t), rows in runs.items():
        cells = [f"{statistics.median(r.get(c, 0.0) for r in rows):.2f}" for c in columns]
        lines.append(f"| {p.stem} | {f or '-'} | " + (f"{t} | " if trees else "") + " | ".join(cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Print the table (and append it to --out with its command)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    small = [ROOT / "sites" / f"{n}.yaml" for n in ("hut8", "whitefiber", "hive", "terawulf", "iren", "cipher")]
    ap.add_argument("--portfolios", type=Path, nargs="+", default=small)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    ap.add_argument("--out", type=Path, default=None, help="append the table to this file")
    ap.add_argument("--trees", nargs="+", default=None, help="name=path of source trees to compare")
    args = ap.parse_args(argv)
    trees = {t.split("=", 1)[0]: Path(t.split("=", 1)[1]).resolve() for t in args.trees} if args.trees else None
    flag_sets = [VARIANTS[v] for v in args.variants]
    lines = table([p.resolve() for p in args.portfolios], flag_sets, args.repeat, trees)
    text = "\n".join(lines)
    print(text)
    if args.out is not None:
        command = "python benchmarks/profile_plan.py " + " ".join(sys.argv[1:])
        with args.out.open("a") as f:
            f.write(f"\n`{command.strip()}`\n\n{text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
