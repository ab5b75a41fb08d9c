#!/usr/bin/env bash
# Non-editable install check: the bundled data ship in the wheel and load from any folder.
#
#   benchmarks/check_wheel.sh [PYTHON]      (default python3; run from anywhere)
#
# Exports the committed tree (HEAD, as a fresh clone has it: no stale build/ folder), makes a
# fresh venv in a temporary folder, `pip install .` (not editable) from the export, then, from
# a folder outside the clone: lists the bundled portfolios, loads us-miners and
# every per-operator portfolio from the installed package, copies one with copy_bundled and
# loads the copy, and runs `dcplan validate` on the installed us-miners. Exit 0 when all pass.
set -euo pipefail
PYTHON="${1:-python3}"
CLONE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

mkdir "$WORK/src"
git -C "$CLONE" archive HEAD | tar -x -C "$WORK/src"
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q "$WORK/src" 2>&1 | grep -v "^WARNING: Location" || true
mkdir "$WORK/elsewhere"
cd "$WORK/elsewhere"
"$WORK/venv/bin/python" - "$CLONE" <<'PY'
import sys
from pathlib import Path

import planner
from planner import load_portfolio
from planner.describe.bundled import bundled_dir, bundled_names, bundled_portfolio, copy_bundled

clone = Path(sys.argv[1]).resolve()
root = bundled_dir()
site_packages = Path(planner.__file__).resolve().parents[1]
assert site_packages.name == "site-packages", f"planner not imported from an install: {planner.__file__}"
assert site_packages in root.parents and clone not in root.parents, f"bundled data not read from the install: {root}"
print(f"bundled data: {root}")
print(f"portfolios: {', '.join(bundled_names())}")
for name in bundled_names():
    pf = load_portfolio(bundled_portfolio(name))
    print(f"  {name}: {len(pf.sites)} sites, {len(pf.spec.tenants)} tenant offers")
copied = copy_bundled(Path("start"), operator="TeraWulf")
pf = load_portfolio(copied)
print(f"copy_bundled -> {copied}: {len(pf.sites)} sites")
PY
"$WORK/venv/bin/dcplan" validate "$("$WORK/venv/bin/python" -c 'from planner.describe.bundled import bundled_portfolio; print(bundled_portfolio())')"
echo "check_wheel: OK ($("$WORK/venv/bin/python" --version), $(cd "$CLONE" && git rev-parse --short HEAD))"
