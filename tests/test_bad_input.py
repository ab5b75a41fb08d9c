"""Bad input that used to slip through: YAML hazards, absurd magnitudes, land far from its site,
events before the horizon (issue 17).

Each class has broken examples in tests/data/broken/ (checked by tests/test_loading.py and
tests/test_cli_inputs.py like every other case) and here a property over generated inputs:
the input is refused exactly when it should be, with file, field, value and reason.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from pathlib import Path
from typing import Any

import pyproj
import pytest
import shapely
import yaml
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ValidationError
from typer.testing import CliRunner

from planner.cli import app
from planner.describe import yaml_reader as R
from planner.describe.bounds import CEILINGS
from planner.describe.descriptors import Catalog, PortfolioSpec, Site
from planner.describe.errors import InputError, Problem
from planner.describe.geometry import MAX_LOCATION_OFFSET_KM, rectangle_wgs84
from planner.describe.loading import portfolio_from_dict
from planner.testing import synthetic as syn

ROOT = Path(__file__).resolve().parents[1]
SITES, BROKEN = ROOT / "sites", ROOT / "tests" / "data" / "broken"
CATALOG = ROOT / "planner" / "data" / "catalog.yaml"
NEW_CASES = {
    "yaml-repeated-key", "yaml-date-not-calendar", "yaml-not-utf8", "yaml-alias-bomb", "yaml-many-aliases",
    "yaml-recursive-alias", "yaml-too-deep", "yaml-control-character", "absurd-site-magnitudes",
    "absurd-portfolio-magnitudes", "absurd-catalog-magnitudes", "not-finite", "parcel-far-from-location",
    "halving-before-horizon", "halving-listed-twice", "contract-ended-before-horizon",
}  # fmt: skip
KEY = st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True).filter(lambda k: isinstance(yaml.safe_load(k), str))


def parse(text: str) -> tuple[Any, list[Problem]]:
    problems: list[Problem] = []
    return R.parse_yaml(text, "doc.yaml", problems), problems


def only(text: str) -> Problem:
    data, problems = parse(text)
    assert data is None and len(problems) == 1, problems
    return problems[0]


def test_every_new_class_has_a_broken_example() -> None:
    assert NEW_CASES <= {p.name for p in BROKEN.iterdir() if p.is_dir()}


# --------------------------------------------------------------------------- valid YAML reads as before


@pytest.mark.parametrize("path", [CATALOG, *sorted(SITES.rglob("*.yaml"))], ids=lambda p: p.name)
def test_bundled_files_read_as_pyyaml_reads_them(path: Path) -> None:
    problems: list[Problem] = []
    assert R.read_yaml(path, problems) == yaml.safe_load(path.read_text()) and problems == []


def jsonish(levels: int) -> st.SearchStrategy[Any]:
    """Plain data as YAML holds it, nested at most `levels` deep."""
    out: st.SearchStrategy[Any] = st.one_of(
        st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(allow_nan=False), st.text(max_size=20),
        st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)),
    )  # fmt: skip
    for _ in range(levels):
        out = st.one_of(out, st.lists(out, max_size=4), st.dictionaries(KEY, out, max_size=4))
    return out


JSONISH = jsonish(3)


@given(data=st.dictionaries(KEY, JSONISH, max_size=6))
def test_no_false_alarm_on_valid_documents(data: dict[str, Any]) -> None:
    """Whatever safe_dump writes, the reader reads back without a problem, as safe_load does."""
    text = yaml.safe_dump(data, allow_unicode=True)
    assert parse(text) == (yaml.safe_load(text), [])


def test_merge_keys_may_override_without_a_repeated_key_problem() -> None:
    assert parse("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  x: 3\n") == (
        {"base": {"x": 1, "y": 2}, "c": {"x": 3, "y": 2}},
        [],
    )


# --------------------------------------------------------------------------- YAML hazards


@given(
    data=st.dictionaries(KEY, st.integers(0, 99), min_size=1, max_size=8), pick=st.integers(0, 7), nested=st.booleans()
)
def test_a_repeated_key_is_named_with_both_lines(data: dict[str, int], pick: int, nested: bool) -> None:
    key = sorted(data)[pick % len(data)]
    body = yaml.safe_dump(data, sort_keys=True) + f"{key}: 100\n"
    text = "outer:\n" + "".join(f"  {line}\n" for line in body.splitlines()) if nested else body
    assert yaml.safe_load(text) is not None  # PyYAML alone keeps the last value without a word
    problem = only(text)
    first = sorted(data).index(key) + 1 + nested
    last = len(data) + 1 + nested
    assert problem.field == (f"outer.{key}" if nested else key)
    assert problem.value == f"{data[key]} then 100"
    assert f"at lines {first} and {last}" in problem.reason


@given(year=st.integers(1900, 2200), month=st.integers(1, 19), day=st.integers(1, 39))
def test_dates_must_be_calendar_dates(year: int, month: int, day: int) -> None:
    text = f"horizon:\n  start: {year}-{month:02d}-{day:02d}\n"
    try:
        want = dt.date(year, month, day)
    except ValueError:
        with pytest.raises(ValueError):
            yaml.safe_load(text)  # PyYAML alone: a bare ValueError, no file, no line
        problem = only(text)
        assert (problem.field, problem.value) == ("horizon.start", f"'{year}-{month:02d}-{day:02d}'")
        assert problem.reason.startswith("not a calendar date: ")
    else:
        assert parse(text) == ({"horizon": {"start": want}}, [])


@given(text=st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFF, exclude_categories=["Cs"]), max_size=40),
       where=st.integers(0, 40), bad=st.sampled_from([b"\xff", b"\xc0", b"\x80", b"\xe2\x82"]))  # fmt: skip
def test_bytes_that_are_not_utf8_are_named_by_offset(tmp_path_factory: Any, text: str, where: int, bad: bytes) -> None:
    line = f"name: {text!r}\n"
    raw, cut = line.encode(), len(line[: min(where, len(line))].encode())  # cut at a character boundary
    path = tmp_path_factory.mktemp("utf8") / "site.yaml"
    path.write_bytes(raw[:cut] + bad + raw[cut:])
    problems: list[Problem] = []
    assert R.read_yaml(path, problems) is None
    (problem,) = problems
    assert (problem.file, problem.field) == (str(path), f"byte {cut}")
    assert problem.value.startswith(f"b'\\x{bad[0]:02x}")
    assert "not UTF-8" in problem.reason


def test_a_utf8_byte_order_mark_is_fine(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"\xef\xbb\xbfname: Pe\xc3\xb1a\n")
    assert R.read_yaml(tmp_path / "a.yaml", []) == {"name": "Peña"}


def laughs(width: int, depth: int) -> str:
    """A 'billion laughs' document: line i lists `width` aliases of line i - 1."""
    items = [["lol"] * width] + [[f"*l{i - 1}"] * width for i in range(1, depth + 1)]
    return "".join(f"l{i}: &l{i} [{', '.join(row)}]\n" for i, row in enumerate(items))


@given(width=st.integers(1, 12), depth=st.integers(0, 9))
def test_alias_expansion_is_refused_exactly_beyond_the_budget(width: int, depth: int) -> None:
    size = [1 + width]  # each list: itself and its items, expanded
    for _ in range(depth):
        size.append(1 + width * size[-1])
    values = 1 + sum(1 + s for s in size)  # the root mapping, and each key with its list
    data, problems = parse(laughs(width, depth))
    if width * depth > R.MAX_ALIASES or values > R.MAX_NODES:
        (problem,) = problems
        assert problem.field.startswith("line ") and data is None
        assert "more than 100 aliases" in problem.reason or "with its aliases expanded" in problem.reason
    else:
        assert problems == [] and len(data) == depth + 1


def test_aliases_are_refused_beyond_their_count() -> None:
    def many(n: int) -> str:
        return "e: &e 1\nmany: [" + ", ".join(["*e"] * n) + "]\n"

    assert parse(many(R.MAX_ALIASES)) == ({"e": 1, "many": [1] * R.MAX_ALIASES}, [])
    assert only(many(R.MAX_ALIASES + 1)).reason == f"more than {R.MAX_ALIASES} aliases in one document"


@given(levels=st.integers(1, 45), flow=st.booleans())
@example(levels=R.MAX_DEPTH - 2, flow=False).via("the deepest accepted")
@example(levels=R.MAX_DEPTH - 1, flow=True).via("the shallowest refused")
def test_nesting_is_refused_beyond_the_limit(levels: int, flow: bool) -> None:
    """`levels` nested lists under key `a`: the deepest value is at depth levels + 2."""
    if flow:
        text = "a: " + "[" * levels + "1" + "]" * levels + "\n"
    else:
        text = "a:\n" + "".join("  " * i + "-\n" for i in range(levels - 1)) + "  " * (levels - 1) + "- 1\n"
    data, problems = parse(text)
    if levels + 2 > R.MAX_DEPTH:
        assert data is None and problems[0].reason == f"nested deeper than {R.MAX_DEPTH} levels"
    else:
        assert problems == [] and data is not None


ONE_PROBLEM = [  # document, field, value, start of the reason
    ("a: &a [1, *a]\n", "line 1, column 11", "*a", "an alias inside its own anchor"),
    ("name: ok\nnote: a\x07b\n", "line 2, column 8", "'\\x07'", "a control character"),
    ("n: !!int 12x\n", "n", "'12x'", "not a valid int"),
    ("t: !!timestamp soon\n", "t", "'soon'", "not a calendar date"),
    ("x: !thing 1\n", "x", "'1'", "not a valid !thing"),
    ("d: " + "9" * 5000 + "\n", "d", "'" + "9" * 76 + "...", "not a valid int"),
]


@pytest.mark.parametrize(("text", "field", "value", "reason"), ONE_PROBLEM, ids=[c[3] for c in ONE_PROBLEM])
def test_each_document_hazard_is_one_problem(text: str, field: str, value: str, reason: str) -> None:
    problem = only(text)
    assert (problem.field, problem.value) == (field, value) and problem.reason.startswith(reason)


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: " + b"x" * (R.MAX_DOCUMENT_BYTES - 4) + b"\n")  # exactly the limit: read
    assert R.read_yaml(path, []) == {"a": "x" * (R.MAX_DOCUMENT_BYTES - 4)}
    with path.open("ab") as f:
        f.write(b" ")
    problems: list[Problem] = []
    assert R.read_yaml(path, problems) is None
    assert [(p.field, p.value) for p in problems] == [("<file>", f"{R.MAX_DOCUMENT_BYTES + 1:,} bytes")]
    assert "larger than the 5 MB limit" in problems[0].reason


HOSTILE = {
    "10 MB of one scalar": (lambda: b"name: " + b"x" * 10_000_000 + b"\n", "larger than the 5 MB limit"),
    "4 MB flow list": (lambda: b"name: [" + b"1," * 2_000_000 + b"1]\n", "holds more than 10,000 values"),
    "billion laughs": (lambda: laughs(10, 9).encode(), "with its aliases expanded"),
    "deep nesting": (lambda: b"name: " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "nest"),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_validate_refuses_hostile_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """`dcplan validate` on each hostile document: exit 2, the reason, nothing written. (Timed by
    benchmarks/hostile_yaml.py, not here.)"""
    make, reason = HOSTILE[kind]
    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / "hostile.yaml"
    path.write_bytes(make())
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "invalid input: 1 problem(s)" in result.stderr and reason in " ".join(result.stderr.split())
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["hostile.yaml", "in"]


# --------------------------------------------------------------------------- absurd magnitudes


def numeric_paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a number (not a bool) in plain data."""
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in numeric_paths(v, (*path, k))]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in numeric_paths(v, (*path, i))]
    return [path] if isinstance(data, int | float) and not isinstance(data, bool) else []


def with_value(data: Any, path: tuple[Any, ...], value: float) -> Any:
    out = copy.deepcopy(data)
    target = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return out


DESCRIPTORS = [
    (Catalog, CATALOG),
    (Site, SITES / "site" / "iren-childress.yaml"),
    (Site, SITES / "site" / "core-pecos.yaml"),
    (PortfolioSpec, SITES / "us-miners.yaml"),
]


@pytest.mark.parametrize(("model", "path"), DESCRIPTORS, ids=lambda x: getattr(x, "name", ""))
@pytest.mark.parametrize("value", [1e300, math.inf, -math.inf, math.nan])
def test_every_number_has_an_upper_bound_and_must_be_finite(model: Any, path: Path, value: float) -> None:
    """Any number of a bundled descriptor set to 10^300, +-inf or nan is refused at its field."""
    data = yaml.safe_load(path.read_text())
    paths = numeric_paths(data)
    for where in paths:
        with pytest.raises(ValidationError) as info:
            model.model_validate(with_value(data, where, value))
        assert [e["loc"] for e in info.value.errors()] == [where], where
        assert math.isfinite(value) or info.value.errors()[0]["type"] == "finite_number", where


def test_every_ceiling_is_used_and_says_why() -> None:
    files = ("fields", "catalog", "descriptors", "contracts", "finance")
    source = "".join((ROOT / "planner" / "describe" / f"{m}.py").read_text() for m in files)
    assert [key for key in CEILINGS if f'C["{key}"]' not in source] == []
    for key, c in CEILINGS.items():
        assert c.value > 0 and c.unit and len(c.why) > 15, key


@pytest.mark.parametrize("key", sorted(CEILINGS))
def test_a_ceiling_admits_its_value_and_refuses_above(key: str) -> None:
    c = CEILINGS[key]
    assert c.check(c.value) == c.value
    with pytest.raises(ValueError) as info:
        c.check(math.nextafter(c.value, math.inf))
    assert c.why in str(info.value) and c.unit in str(info.value)


def test_the_schema_states_the_ceilings() -> None:
    schema = Site.model_json_schema()
    contract = schema["$defs"]["PowerContract"]["properties"]
    assert contract["mw"]["maximum"] == CEILINGS["site_mw"].value


# --------------------------------------------------------------------------- land against the site


def site_at(offset_km: float, bearing_deg: float) -> dict[str, Any]:
    """A synthetic site whose stated location is `offset_km` from the centre of its parcel."""
    site = syn.site_dict("s", lon=-100.0, lat=32.0)
    lon, lat, _ = pyproj.Geod(ellps="WGS84").fwd(-100.0, 32.0, bearing_deg, offset_km * 1000.0)
    site["location"] = {"lon": lon, "lat": lat}
    return site


@given(offset_km=st.floats(0.0, 500.0).filter(lambda d: abs(d - MAX_LOCATION_OFFSET_KM) > 0.5),
       bearing_deg=st.floats(0.0, 360.0))  # fmt: skip
def test_a_parcel_far_from_its_location_is_refused(offset_km: float, bearing_deg: float) -> None:
    data = syn.portfolio_dict("p", [site_at(offset_km, bearing_deg)])
    if offset_km <= MAX_LOCATION_OFFSET_KM:
        assert portfolio_from_dict(data, ROOT).land["s"].parcel_area_m2 > 0
        return
    with pytest.raises(InputError) as info:
        portfolio_from_dict(data, ROOT)
    (problem,) = info.value.problems
    assert (problem.file, problem.field) == ("<inline>", "location")
    assert f"{offset_km:,.1f} km from the centre of the parcel in land.geojson" in problem.reason


def test_exclusions_are_kept_clipped_to_the_parcel() -> None:
    site = syn.site_dict("x", mining_mw=0, parcel_m2=200 * 200)
    across = rectangle_wgs84(-100.0, 32.0 + 90 / 111_000, 60, 40)  # centred ~90 m north: half outside the parcel
    away = rectangle_wgs84(-100.0, 32.01, 50, 50)  # ~1.1 km north: misses the parcel
    site["land"]["geojson"]["features"] += [syn.feature(across, "exclusion"), syn.feature(away, "exclusion")]
    land = portfolio_from_dict(syn.portfolio_dict("x", [site]), ROOT).land["x"]
    (zone,) = land.exclusions
    assert zone.area == pytest.approx(60 * 30, rel=0.02) and land.parcel.buffer(1e-6).contains(zone)
    frame = land.to_wgs84()
    assert list(frame["layer"]) == ["parcel", "buildable", "exclusion"]
    assert shapely.area(frame.geometry.iloc[2]) > 0


# --------------------------------------------------------------------------- events against the horizon


def dated(start: str, *, halvings: list[str] | None = None, contract_end: str | None = None) -> dict[str, Any]:
    site = syn.site_dict("s")
    if contract_end is not None:
        old = {"id": "old", "mw": 5, "price_usd_per_mwh": 30, "start": "2015-01-01", "end": contract_end}
        site["power_contracts"].append(old)
    scenario = {"hashprice": {"halvings": halvings or []}}
    return syn.portfolio_dict("p", [site], start=start, periods=8, scenario=scenario)


def problems_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        return [] if portfolio_from_dict(data, ROOT) else [("?", "?")]
    except InputError as exc:
        return [(p.field, p.value) for p in exc.problems]


@given(months=st.integers(-60, 60), start_year=st.integers(2024, 2030))
def test_halvings_and_contract_ends_before_the_horizon_are_refused(months: int, start_year: int) -> None:
    """An event `months` after the horizon start: a halving is refused before it, a contract end
    on or before it; later (even after the horizon end) both are fine."""
    start = dt.date(start_year, 4, 1)
    y, m = divmod(start.year * 12 + start.month - 1 + months, 12)
    day = dt.date(y, m + 1, 1).isoformat()
    halving = [("scenario.hashprice.halvings[0]", day)] if months < 0 else []
    assert problems_of(dated(start.isoformat(), halvings=[day])) == halving
    ended = [("power_contracts[1].end", day)] if months <= 0 else []
    assert problems_of(dated(start.isoformat(), contract_end=day)) == ended


def test_a_halving_on_the_horizon_start_counts_and_a_repeated_one_is_refused() -> None:
    assert problems_of(dated("2028-04-01", halvings=["2028-04-01", "2032-04-01"])) == []
    repeated = dated("2026-01-01", halvings=["2028-04-15", "2028-04-15"])
    assert problems_of(repeated) == [("scenario.hashprice.halvings[1]", "2028-04-15")]
    later = syn.portfolio_dict("p", [syn.site_dict("s")], start="2028-07-01")  # the default halving is past
    assert problems_of(later) == [("scenario.hashprice.halvings[0]", "2028-04-15")]


def test_a_lease_running_since_before_the_horizon_is_fine() -> None:
    data = dated("2026-01-01")
    data["tenants"] = [
        syn.tenant_dict("t", ["s"], start_earliest="2023-01-01", start_latest="2023-06-01", committed=True)
    ]
    assert problems_of(data) == []
    data["tenants"][0]["term_months"] = 24  # ended in 2025
    assert problems_of(data) == [("tenants[0].start_latest", "2023-06-01")]


def test_a_document_that_does_not_read_is_refused_before_the_heavy_imports(tmp_path: Path) -> None:
    """A hostile document is refused without importing the descriptor models or geopandas (the
    cost of `dcplan validate` on it is then Python and the CLI alone: benchmarks/hostile_yaml.py)."""
    import subprocess
    import sys

    path = tmp_path / "bomb.yaml"
    path.write_text("name: " + "[" * 100_000 + "]" * 100_000 + "\n")
    code = (
        "import sys\nfrom planner.describe.errors import InputError\n"
        "from planner.describe.loading import load_portfolio\n"
        f"try:\n    load_portfolio({str(path)!r})\nexcept InputError:\n    pass\nelse:\n    raise SystemExit(3)\n"
        "heavy = ('geopandas', 'shapely', 'planner.describe.descriptors', 'pydantic')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
