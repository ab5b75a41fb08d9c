"""The bundled portfolios as an installed package sees them (planner.describe.bundled).

In-process checks of the editable install the suite runs in, and of the packaging
configuration that puts sites/ into the wheel. The real thing (a fresh venv, a non-editable
`pip install .`, loading from a folder outside the clone) is benchmarks/check_wheel.sh: too
slow for the suite.
"""

from __future__ import annotations

import fnmatch
import shutil
import tomllib
from pathlib import Path

import pytest

from planner.describe import bundled as B
from planner.describe.loading import load_portfolio

ROOT = Path(__file__).resolve().parents[1]
SITES = ROOT / "sites"
OPERATORS = ["cipher", "core-scientific", "hive", "hut8", "iren", "terawulf", "whitefiber"]


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_bundled_dir_is_the_sites_folder_of_this_install() -> None:
    assert B.bundled_dir().resolve() == SITES.resolve()
    assert B.bundled_names() == sorted([*OPERATORS, "us-miners"])


@pytest.mark.parametrize(
    ("asked", "name"),
    [
        ("us-miners", "us-miners"),
        ("US_Miners", "us-miners"),
        ("terawulf.yaml", "terawulf"),
        ("Core Scientific", "core-scientific"),
    ],
)
def test_bundled_portfolio_by_name(asked: str, name: str) -> None:
    assert B.bundled_portfolio(asked) == B.bundled_dir() / f"{name}.yaml"
    assert B.bundled_portfolio() == B.bundled_dir() / "us-miners.yaml"


def test_an_unknown_bundled_portfolio_lists_the_names() -> None:
    with pytest.raises(
        ValueError, match="no bundled portfolio 'riot' \\(bundled: cipher, core-scientific, .*us-miners"
    ):
        B.bundled_portfolio("riot")


def test_copy_of_us_miners_loads_as_the_bundled_one(tmp_path: Path) -> None:
    out = B.copy_bundled(tmp_path)
    assert out == tmp_path / "us-miners.yaml"
    want = ["us-miners.yaml", "SOURCES.md"] + [f"site/{s.stem}.yaml" for s in (SITES / "site").glob("*.yaml")]
    want += [f"parcels/{p.stem}.geojson" for p in (SITES / "parcels").glob("*.geojson")]
    assert files_under(tmp_path) == sorted(want)
    copied, bundled = load_portfolio(out), load_portfolio(SITES / "us-miners.yaml")
    assert (copied.spec, copied.sites, copied.catalog) == (bundled.spec, bundled.sites, bundled.catalog)
    assert {k: v.parcel_area_m2 for k, v in copied.land.items()} == {
        k: v.parcel_area_m2 for k, v in bundled.land.items()
    }
    for f in files_under(tmp_path):
        assert (tmp_path / f).read_bytes() == (SITES / f).read_bytes(), f


@pytest.mark.parametrize(
    ("operator", "name"),
    [
        ("Core Scientific", "core-scientific"),
        ("TeraWulf", "terawulf"),
        ("Hut 8", "hut8"),
        ("IREN", "iren"),
        ("WhiteFiber", "whitefiber"),
        ("HIVE", "hive"),
        ("cipher", "cipher"),
    ],
)
def test_copy_of_one_operator(tmp_path: Path, operator: str, name: str) -> None:
    out = B.copy_bundled(tmp_path / "new", operator=operator)
    assert out == tmp_path / "new" / f"{name}.yaml"
    pf = load_portfolio(out)
    assert len({s.operator for s in pf.sites}) == 1
    ids = sorted(s.id for s in pf.sites)
    assert files_under(tmp_path / "new") == sorted(
        [f"{name}.yaml", "SOURCES.md", *(f"site/{i}.yaml" for i in ids), *(f"parcels/{i}.geojson" for i in ids)]
    )


def test_an_unknown_operator_lists_the_operators(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as info:
        B.copy_bundled(tmp_path, operator="Riot Platforms")
    assert str(info.value) == f"no bundled portfolio for operator 'Riot Platforms' (operators: {', '.join(OPERATORS)})"
    assert list(tmp_path.iterdir()) == []


def test_copy_refuses_to_overwrite_and_copies_nothing(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    mine = tmp_path / "site" / "terawulf-cayuga.yaml"
    mine.write_text("my own edits\n")
    (tmp_path / "notes.txt").write_text("unrelated files are fine\n")
    with pytest.raises(FileExistsError, match=f"would overwrite {mine}$"):
        B.copy_bundled(tmp_path, operator="terawulf")
    assert files_under(tmp_path) == ["notes.txt", "site/terawulf-cayuga.yaml"]
    assert mine.read_text() == "my own edits\n"


def test_sources_file_is_copied_when_bundled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "bundled"
    shutil.copytree(SITES, fake, ignore=shutil.ignore_patterns("__pycache__"))
    (fake / B.SOURCES_FILE).write_text("# Sources\n")
    monkeypatch.setattr(B, "bundled_dir", lambda: fake)
    B.copy_bundled(tmp_path / "out", operator="hive")
    assert files_under(tmp_path / "out") == [
        "SOURCES.md",
        "hive.yaml",
        "parcels/hive-yguazu.geojson",
        "site/hive-yguazu.yaml",
    ]


def test_referenced_files_of_inline_sites_and_a_catalog_file(tmp_path: Path) -> None:
    (tmp_path / "land").mkdir()
    (tmp_path / "p.yaml").write_text(
        "name: p\ncatalog: cat.yaml\nsites:\n  - site/a.yaml\n  - {id: b, land: {file: land/b.geojson}}\n"
    )
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "a.yaml").write_text("id: a\nland: {file: ../land/a.geojson}\n")
    assert B.referenced_files(tmp_path / "p.yaml") == [
        Path(p) for p in ("p.yaml", "site/a.yaml", "land/a.geojson", "land/b.geojson", "cat.yaml")
    ]


def test_the_wheel_ships_every_bundled_file() -> None:
    """pyproject.toml maps sites/ to planner.bundled and its package data match every data file
    in sites/ (a new kind of file there must be added to the patterns)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["package-dir"]["planner.bundled"] == "sites" and "planner.bundled" in config["packages"]
    patterns = config["package-data"]["planner.bundled"]
    data = [f for f in files_under(SITES) if not f.endswith((".py", ".pyc"))]
    assert [f for f in data if not any(fnmatch.fnmatch(f, p) and f.count("/") == p.count("/") for p in patterns)] == []
    assert (SITES / "__init__.py").is_file()  # a regular package: setuptools' editable finder maps it
