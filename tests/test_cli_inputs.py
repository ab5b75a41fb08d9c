"""The input side of the command line: `dcplan validate`, `dcplan schema`, `dcplan catalog`.

`validate` must accept every bundled portfolio (exit 0) and reject every broken example in
tests/data/broken (exit 2), naming file, field and value of each problem, without a
traceback and without writing anything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from planner.cli import app
from planner.describe.loading import bundled_catalog

ROOT = Path(__file__).resolve().parents[1]
SITES = ROOT / "sites"
BROKEN = ROOT / "tests" / "data" / "broken"
BUNDLED = sorted(p.name for p in SITES.glob("*.yaml"))
CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())
EXIT_INPUT = 2


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner in an empty working folder (to see that nothing is written there)."""
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def flat(text: str) -> str:
    """Text with every run of whitespace as one space (the console wraps long lines)."""
    return " ".join(text.split())


def tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


@pytest.mark.parametrize("name", BUNDLED)
def test_validate_accepts_every_bundled_portfolio(runner: CliRunner, tmp_path: Path, name: str) -> None:
    before = tree(SITES)
    result = runner.invoke(app, ["validate", str(SITES / name)])
    assert result.exit_code == 0, result.output
    n_sites = len(yaml.safe_load((SITES / name).read_text())["sites"])
    assert f"valid: {n_sites} sites" in flat(result.stdout)
    assert result.stderr == ""
    assert list(tmp_path.iterdir()) == [] and tree(SITES) == before


def test_validate_reports_us_miners_size(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", str(SITES / "us-miners.yaml")])
    assert "valid: 15 sites, 18 tenant offers, 20 quarters, then 15 years from 2026-01-01" in flat(result.stdout)


@pytest.mark.parametrize("case", CASES)
def test_validate_rejects_broken_example(runner: CliRunner, tmp_path: Path, case: str) -> None:
    folder = BROKEN / case
    before = tree(folder)
    result = runner.invoke(app, ["validate", str(folder / "portfolio.yaml")])
    assert result.exit_code == EXIT_INPUT, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no crash
    assert "Traceback" not in result.output
    assert result.stdout == ""  # "valid" is never printed
    err = flat(result.stderr)
    want = yaml.safe_load((folder / "expected.yaml").read_text())["problems"]
    assert f"invalid input: {len(want)} problem(s)" in err
    for w in want:
        value = w.get("value", w.get("value_prefix"))
        assert flat(f"{folder / w['file']}: {w['field']}: {value}") in err, w
        assert flat(w["reason"]) in err
    assert list(tmp_path.iterdir()) == []  # nothing written to the working folder
    assert tree(folder) == before  # nor next to the input


def test_validate_lists_problems_of_several_files_one_per_line(runner: CliRunner) -> None:
    folder = BROKEN / "errors-in-three-files"
    result = runner.invoke(app, ["validate", str(folder / "portfolio.yaml")])
    lines = [line.strip() for line in result.stderr.splitlines() if line.startswith("  /")]
    assert sorted(line.split(":")[0] for line in lines) == sorted(
        str(folder / name) for name in ("portfolio.yaml", "site.yaml", "parcel.geojson")
    )


def test_validate_relative_path_names_the_portfolio_as_given(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(BROKEN)
    result = runner.invoke(app, ["validate", "tenant-unknown-rack/portfolio.yaml"])
    assert result.exit_code == EXIT_INPUT
    assert "tenant-unknown-rack/portfolio.yaml: tenants[0].rack_type: gb900-nvl576: unknown rack type" in flat(
        result.stderr
    )


def test_validate_missing_portfolio_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == EXIT_INPUT
    assert f"{tmp_path / 'nope.yaml'}: <file>" in flat(result.stderr)
    assert "cannot read" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_validate_needs_a_portfolio_argument(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 2  # usage error
    assert "Missing argument" in result.output


def test_console_script_rejects_bad_input_without_traceback(tmp_path: Path) -> None:
    """The real process: exit status, stderr and stdout as a shell sees them."""
    script = Path(sys.executable).with_name("dcplan")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "planner.cli"]
    folder = BROKEN / "errors-in-three-files"
    env = {**os.environ, "COLUMNS": "80"}
    done = subprocess.run([*command, "validate", str(folder / "portfolio.yaml")], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=120)  # fmt: skip
    assert done.returncode == EXIT_INPUT, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    err = flat(done.stderr)
    assert f"{folder / 'site.yaml'}: mining.asic: s99-ultra: unknown ASIC model" in err
    assert f"{folder / 'portfolio.yaml'}: tenants[0].rack_type: gb900-nvl576" in err
    assert f"{folder / 'parcel.geojson'}: land.buildings[0]: POLYGON ((" in err
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- schema


@pytest.mark.parametrize(
    ("kind", "keys", "defs"),
    [
        ("portfolio", {"name", "horizon", "catalog", "sites", "tenants"}, {"Site", "TenantOffer", "Catalog", "Land"}),
        ("site", {"id", "power_contracts", "interconnect", "cooling", "land", "mining"}, {"PowerContract", "Upgrade"}),
        ("catalog", {"racks", "cooling_units", "asics", "hall_modules", "operating"}, {"RackType", "AsicModel"}),
    ],
)
def test_schema_prints_json_schema(runner: CliRunner, kind: str, keys: set[str], defs: set[str]) -> None:
    args = ["schema"] if kind == "portfolio" else ["schema", "--kind", kind]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert schema["type"] == "object"
    assert keys <= set(schema["properties"])
    assert defs <= set(schema["$defs"])
    assert schema["additionalProperties"] is False


def test_portfolio_schema_describes_sites_as_files_or_inline(runner: CliRunner) -> None:
    schema = json.loads(runner.invoke(app, ["schema"]).stdout)
    sites = schema["properties"]["sites"]
    assert sites["type"] == "array" and sites["minItems"] == 1
    branches = sites["items"]["anyOf"]
    assert {"type": "string"} in branches and {"$ref": "#/$defs/Site"} in branches
    assert "sites" in schema["required"] and "name" in schema["required"]


def test_schema_rejects_unknown_kind(runner: CliRunner) -> None:
    result = runner.invoke(app, ["schema", "--kind", "tenant"])
    assert result.exit_code == EXIT_INPUT
    assert result.stdout == ""
    assert "portfolio, site, catalog" in result.stderr


# --------------------------------------------------------------------------- catalog


def table_rows(text: str, title: str) -> dict[str, list[str]]:
    """Rows of one rich table printed by `dcplan catalog`: id -> cell texts (wrapped lines joined)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == title)
    rows: dict[str, list[list[str]]] = {}
    current = None
    for line in lines[start + 1 :]:
        if line.startswith("└"):
            break
        if not line.startswith("│"):
            continue
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if cells[0]:
            current = cells[0]
            rows[current] = [[] for _ in cells]
        for parts, cell in zip(rows[current], cells):
            if cell:
                parts.append(cell)
    return {k: [" ".join(p) for p in v] for k, v in rows.items()}


def test_catalog_lists_rack_types_with_their_sources(runner: CliRunner) -> None:
    result = runner.invoke(app, ["catalog"])
    assert result.exit_code == 0, result.output
    rows = table_rows(result.stdout, "GPU rack types")
    assert list(rows) == ["gb200-nvl72", "gb300-nvl72", "hgx-b200", "h100-hgx", "future-nvl144"]
    for rack in bundled_catalog().racks:
        cells = rows[rack.id]
        assert flat(cells[-1]) == flat(rack.source)
        assert cells[1] == f"{rack.it_kw:,}" and cells[3] == rack.cooling


@pytest.mark.parametrize(
    ("title", "section"),
    [("cooling units", "cooling_units"), ("ASIC models", "asics"), ("hall modules", "hall_modules")],
)
def test_catalog_lists_every_item_with_its_source(runner: CliRunner, title: str, section: str) -> None:
    rows = table_rows(runner.invoke(app, ["catalog"]).stdout, title)
    items = getattr(bundled_catalog(), section)
    assert list(rows) == [i.id for i in items]
    assert all(flat(rows[i.id][-1]) == flat(i.source) for i in items)
