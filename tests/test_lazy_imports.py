"""What `dcplan plan` does not import on its way: loading a portfolio with inline land builds no
GeoDataFrame (geopandas, and pandas with it, wait for a land file or sites.geojson), and writing
a diagnosis (an infeasible plan) does not import the xlsx writer. Each in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from planner.testing import synthetic as syn


def fresh(code: str) -> str:
    """stdout of `code` run in a fresh interpreter."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_loading_inline_land_imports_neither_geopandas_nor_pandas(tmp_path: Path) -> None:
    data = syn.portfolio_dict("p", [syn.site_dict("a", lon=-100.0, lat=32.0), syn.site_dict("b", lon=-97.0, lat=31.0)])
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    code = (
        "import sys\nfrom planner.cli.common import load\n"
        f"pf = load({str(path)!r})\n"
        "assert all(pf.land[s.id].parcel_area_m2 > 0 for s in pf.sites) and len(pf.sites) == 2\n"
        "print(sorted(m for m in ('geopandas', 'pandas', 'pyogrio') if m in sys.modules))"
    )
    assert fresh(code) == "[]"


def test_writing_a_diagnosis_imports_neither_openpyxl_nor_pandas(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom pathlib import Path\nfrom planner.report.files import write_json\n"
        f"write_json(Path({str(tmp_path)!r}), 'diagnosis.json', {{'ok': 1}})\n"
        "print(sorted(m for m in ('openpyxl', 'pandas', 'geopandas') if m in sys.modules))"
    )
    assert fresh(code) == "[]"
    assert (tmp_path / "diagnosis.json").read_text().strip().startswith("{")
