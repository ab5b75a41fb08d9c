"""Scenario sweeps on Dask distributed: same results on 1 and 2 local workers and on a separately
started scheduler with two workers; failures recorded; resume after a kill; the CLI function.

The separate cluster is started here (``python -m dask scheduler`` and two ``python -m dask worker``
processes on free localhost ports) and stopped at the end, unless DCPLAN_DASK_SCHEDULER names a
running scheduler (CI starts one). DCPLAN_SWEEP_SCENARIOS sets how many scenarios of the bundled
portfolio the cross-cluster test runs (default 4; the benchmark runs 64).
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from distributed import Client

from planner import load_portfolio, portfolio_from_dict
from planner.describe.errors import InputError
from planner.sweep import dask_client, run_sweep_cli, sweep
from planner.sweep.cache import ResultCache
from planner.sweep.expand import short_form_set
from planner.testing.synthetic import portfolio_dict, site_dict, tenant_dict

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "sweeps"
GRID = ["hashprice=0.5,0.8,1.2,1.6", "lease_rate=0.7,2.0"]
NPV_TOL_USD = 1e-6


def tiny_dict(**finance) -> dict:
    """Two sites, two optional offers, four yearly periods: plans in ~0.1 s."""
    sites = [site_dict("a", contract_mw=60, mining_mw=30), site_dict("b", contract_mw=40, mining_mw=20, lon=-99)]
    tenants = [
        tenant_dict("t1", ["a", "b"], it_mw=20, start_earliest="2027-01-01", start_latest="2027-01-01", term_months=36),
        tenant_dict("t2", ["b"], it_mw=10, start_earliest="2027-01-01", start_latest="2027-01-01", term_months=24),
    ]
    return portfolio_dict(
        "tiny",
        sites,
        tenants,
        periods=4,
        period="year",
        scenario={"cloud_max_it_mw": 10},
        finance={"discount_rate_per_year": 0.1, **finance},
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def tiny_file(tmp_path_factory) -> Path:
    return portfolio_from_dict(tiny_dict(), Path(".")).dump(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def local1():
    with dask_client(workers=1) as client:
        yield client


@pytest.fixture(scope="module")
def local2():
    with dask_client(workers=2) as client:
        yield client


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """Address of a separately started scheduler with two single-threaded workers."""
    if os.environ.get("DCPLAN_DASK_SCHEDULER"):
        yield os.environ["DCPLAN_DASK_SCHEDULER"]
        return
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    log = (tmp_path_factory.mktemp("dask") / "cluster.log").open("w")
    dask = [sys.executable, "-m", "dask"]
    commands = [dask + ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", "127.0.0.1:0"]]
    commands += [
        dask
        + [
            "worker",
            address,
            "--host",
            "127.0.0.1",
            "--nthreads",
            "1",
            "--nworkers",
            "1",
            "--dashboard-address",
            "127.0.0.1:0",
            "--name",
            f"w{i}",
        ]
        for i in range(2)
    ]
    procs = [subprocess.Popen(c, stdout=log, stderr=subprocess.STDOUT, start_new_session=True) for c in commands]
    try:
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for p in reversed(procs):
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        log.close()


def assert_same_results(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a["scenario_id"]) == list(b["scenario_id"]) and list(a["hash"]) == list(b["hash"])
    assert list(a["status"]) == list(b["status"])
    np.testing.assert_allclose(a["npv_usd"].to_numpy(float), b["npv_usd"].to_numpy(float), rtol=0, atol=NPV_TOL_USD)


# --------------------------------------------------------------------------- same results everywhere


def test_tiny_sweep_is_identical_on_one_two_and_separate_workers(local1, local2, scheduler):
    pf = portfolio_from_dict(tiny_dict(), Path("."))
    spec = short_form_set(GRID, None, 0)
    one = sweep(pf, spec, client=local1)
    two = sweep(pf, spec, client=local2)
    with dask_client(scheduler=scheduler) as client:
        separate = sweep(pf, spec, client=client)
    assert len(one) == 8 and (one["status"].isin(["optimal", "feasible"])).all()
    assert one["npv_usd"].nunique() > 4  # the factors matter
    assert_same_results(one, two)
    assert_same_results(one, separate)


def test_bundled_portfolio_sweep_is_identical_on_one_two_and_separate_workers(local1, local2, scheduler):
    n = int(os.environ.get("DCPLAN_SWEEP_SCENARIOS", "4"))
    pf = load_portfolio(ROOT / "sites" / "hive.yaml")
    spec = short_form_set([], n, 11)
    one = sweep(pf, spec, client=local1)
    two = sweep(pf, spec, client=local2)
    with dask_client(scheduler=scheduler) as client:
        separate = sweep(pf, spec, client=client)
    assert len(one) == n and (one["status"] != "error").all()
    assert_same_results(one, two)
    assert_same_results(one, separate)


# --------------------------------------------------------------------------- failures, outputs, resume


def test_an_infeasible_scenario_is_recorded_and_the_sweep_goes_on(local2, tmp_path):
    committed = tiny_dict(capex_budget_usd_per_period=2.5e8)
    committed["tenants"][0] |= {"committed": True, "it_mw": 10, "eligible_sites": ["a"]}
    pf = portfolio_from_dict(committed, Path("."))
    frame = sweep(pf, [{"capex": 1.0}, {"capex": 2.0}, {"capex": 0.9}], client=local2, out_dir=tmp_path)
    assert frame["status"][1] == "infeasible" and frame["status"][[0, 2]].isin(["optimal", "feasible"]).all()
    bad = frame.iloc[1]
    assert "no feasible plan" in bad["reason"] and np.isnan(bad["npv_usd"]) and pd.isna(bad["signed.t1"])
    assert frame.iloc[[0, 2]]["signed.t1"].tolist() == [1, 1]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status_counts"]["infeasible"] == 1


def test_outputs_of_a_one_at_a_time_sweep(local2, tmp_path):
    pytest.importorskip("pyarrow")
    pf = portfolio_from_dict(tiny_dict(), Path("."))
    frame = sweep(pf, DATA / "oat.yaml", client=local2, out_dir=tmp_path)
    files = {p.name for p in tmp_path.iterdir()}
    assert {
        "sweep.csv",
        "sweep.parquet",
        "summary.json",
        "tornado.png",
        "npv_distribution.png",
        "site_conversion.png",
        "offer_signing.png",
        "cache",
    } <= files
    assert not [f for f in files if f.startswith(".tmp-")]
    csv = pd.read_csv(tmp_path / "sweep.csv")
    head = [
        "scenario_id",
        "hash",
        "varied",
        "hashprice",
        "lease_rate",
        "status",
        "reason",
        "npv_usd",
        "npv_without_terminal_usd",
        "irr_per_year",
        "hpc_share_of_power",
        "hpc_it_mw_end.a",
        "hpc_it_mw_end.b",
        "signed.t1",
        "signed.t2",
        "solve_seconds",
        "cpu_seconds",
        "cached",
    ]
    assert list(csv.columns) == head
    np.testing.assert_allclose(csv["npv_usd"], frame["npv_usd"])
    parquet = pd.read_parquet(tmp_path / "sweep.parquet")
    assert list(parquet.columns) == head and parquet["signed.t1"].tolist() == frame["signed.t1"].tolist()
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert "cvar_0.9" in summary["npv_usd"]  # the set asks for CVaR at 0.9
    assert summary["npv_usd"]["cvar_0.9"] == pytest.approx(frame["npv_usd"].min())  # 5 scenarios: the worst 10%


def test_scenarios_with_the_same_hash_are_planned_once(local2, tmp_path):
    pf = portfolio_from_dict(tiny_dict(), Path("."))
    frame = sweep(pf, [{"hashprice": 1.2}, {"hashprice": 0.9}, {"hashprice": 1.2}], client=local2, out_dir=tmp_path)
    assert list(frame["scenario_id"]) == ["s0", "s1", "s2"] and frame["hash"][0] == frame["hash"][2]
    assert frame["npv_usd"][0] == frame["npv_usd"][2] != frame["npv_usd"][1]
    assert len(ResultCache(tmp_path).hashes()) == 2


KILL_SCRIPT = """
import sys
from planner.sweep import run_sweep_cli
run_sweep_cli(sys.argv[1], vary=sys.argv[3:], workers=1, out=sys.argv[2], quiet=True)
"""


def test_a_killed_sweep_resumes_with_only_the_missing_scenarios(tiny_file, local2, tmp_path):
    vary = ["hashprice=" + ",".join(f"{0.5 + 0.05 * i:.2f}" for i in range(8)), "lease_rate=0.8,1.2"]
    total, out = 16, tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(tiny_file), str(out), *vary],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cache = ResultCache(out)
    deadline = time.monotonic() + 180
    while len(cache.hashes()) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = {h: cache.path(h).read_bytes() for h in cache.hashes()}
    assert 3 <= len(done) < total, "the sweep was not killed half way"
    frame = sweep(load_portfolio(tiny_file), short_form_set(vary, None, 0), client=local2, out_dir=out)
    assert len(frame) == total and int(frame["cached"].sum()) == len(done)
    assert set(frame.loc[frame["cached"], "hash"]) == set(done)
    assert all(cache.path(h).read_bytes() == text for h, text in done.items())  # kept, not recomputed
    fresh = sweep(load_portfolio(tiny_file), short_form_set(vary, None, 0), client=local2)
    assert_same_results(frame, fresh)
    again = sweep(load_portfolio(tiny_file), short_form_set(vary, None, 0), client=local2, out_dir=out)
    assert again["cached"].all()


# --------------------------------------------------------------------------- the CLI function


def test_cli_function_runs_on_a_cluster_and_reports(tiny_file, scheduler, tmp_path):
    stream = io.StringIO()
    code = run_sweep_cli(tiny_file, DATA / "grid.yaml", scheduler=scheduler, out=tmp_path / "o", stream=stream)
    assert code == 0 and (tmp_path / "o" / "sweep.csv").exists()
    text = stream.getvalue()
    assert "sweep: 6 scenarios" in text and "sweep of 6 scenarios" in text and "NPV P10" in text
    quiet = io.StringIO()
    assert (
        run_sweep_cli(tiny_file, vary=GRID[:1], scheduler=scheduler, out=tmp_path / "q", quiet=True, stream=quiet) == 0
    )
    assert quiet.getvalue() == ""


def test_unreachable_scheduler_is_an_input_error_within_the_timeout(tiny_file, tmp_path):
    address = f"tcp://127.0.0.1:{free_port()}"
    start = time.monotonic()
    with pytest.raises(InputError) as exc:
        run_sweep_cli(tiny_file, vary=GRID, scheduler=address, out=tmp_path / "out", connect_timeout_s=1.0)
    assert time.monotonic() - start < 15  # dask's own connect timeout is 30 s: ours (1 s) was used
    p = exc.value.problems[0]
    assert (p.file, p.field, p.value) == ("--scheduler", "address", address)
    assert "cannot reach a Dask scheduler within 1 s" in p.reason
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"vary": GRID, "workers": 2, "scheduler": "tcp://127.0.0.1:1"}, "--workers"),
        ({"vary": GRID, "workers": 0}, "--workers"),
        ({"scenario_set": DATA / "grid.yaml", "vary": GRID}, "scenario set"),
        ({"vary": ["hashprice=1,-1"]}, "factors.hashprice[1]"),
        ({"scenario_set": DATA / "bad" / "unknown_factor.yaml"}, "factors.hashprise"),
    ],
)
def test_cli_function_refuses_bad_arguments_and_writes_nothing(tiny_file, tmp_path, kwargs, field):
    with pytest.raises(InputError) as exc:
        run_sweep_cli(tiny_file, out=tmp_path / "out", **kwargs)
    assert exc.value.problems[0].field == field
    assert not (tmp_path / "out").exists()


def test_a_grid_value_that_invalidates_the_portfolio_is_refused_before_running(tiny_file, tmp_path):
    with pytest.raises(InputError) as exc:
        run_sweep_cli(tiny_file, vary=["gpu_hour_decline=1,30"], out=tmp_path / "out")
    assert exc.value.problems[0].field == "factors.gpu_hour_decline"
    assert not (tmp_path / "out").exists()
