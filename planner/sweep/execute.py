"""Run a scenario sweep on Dask distributed: one task per scenario, results cached by hash.

The same code path serves an embedded cluster and an existing one: :func:`dask_client`
opens either a ``LocalCluster`` on 127.0.0.1 (one single-threaded worker process per core by
default; no network beyond the loopback) or a ``Client`` of the scheduler at an address. The
portfolio is scattered to the workers once; each task applies its scenario's factors to that
copy and plans it (:func:`planner.sweep.task.run_scenario`). Results come back as they finish,
are written to the cache at once (so an interrupted sweep resumes), and a task that fails,
or whose worker dies, is recorded with its status and reason without stopping the others.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from distributed import Client, as_completed

import planner
from planner.describe.errors import InputError, Problem
from planner.describe.loading import Portfolio
from planner.solve import cluster
from planner.solve.cluster import CONNECT_TIMEOUT_S
from planner.sweep.cache import ResultCache, portfolio_digest, scenario_hash
from planner.sweep.expand import Scenario, ScenarioSet, expand, preflight
from planner.sweep.outputs import results_frame, write_outputs
from planner.sweep.progress import NullProgress, Progress
from planner.sweep.scenarios import Grid, MonteCarlo, OneAtATime, load_scenario_set
from planner.sweep.task import PlanSettings, run_scenario

logger = logging.getLogger(__name__)


Scenarios = ScenarioSet | str | Path | Sequence[Scenario] | Sequence[Mapping[str, float]]


def dask_client(
    workers: int | None = None, scheduler: str | None = None, timeout_s: float = CONNECT_TIMEOUT_S
) -> contextlib.AbstractContextManager[Client]:
    """planner.solve.cluster.dask_client with the workers warmed up by importing the scenario
    task (so that the first scenarios' times are plan times)."""
    return cluster.dask_client(workers, scheduler, timeout_s, warm="planner.sweep.task")


def scenario_list(portfolio: Portfolio, scenarios: Scenarios) -> tuple[list[Scenario], ScenarioSet | None, str]:
    """Scenarios from a set (descriptor or file), a list of Scenario, or a list of value dicts;
    with the set (None for lists) and the label that names them in errors."""
    if isinstance(scenarios, (str, Path)):
        spec = load_scenario_set(scenarios)
        return expand(spec, portfolio), spec, str(scenarios)
    if isinstance(scenarios, (OneAtATime, Grid, MonteCarlo)):
        return expand(scenarios, portfolio), scenarios, "<scenario set>"
    items: list[Scenario | Mapping[str, float]] = list(scenarios)
    width = len(str(max(len(items) - 1, 0)))
    out = [
        s if isinstance(s, Scenario) else Scenario(f"s{i:0{width}d}", {k: float(v) for k, v in s.items()})
        for i, s in enumerate(items)
    ]
    ids = [s.id for s in out]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise InputError([Problem("<scenarios>", "id", dup, "duplicate scenario id")])
    return out, None, "<scenarios>"


def sweep(
    portfolio: Portfolio,
    scenarios: Scenarios,
    client: Client | None = None,
    out_dir: str | Path | None = None,
    settings: PlanSettings | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> pd.DataFrame:
    """Plan `portfolio` under every scenario; one row per scenario (see planner.sweep.outputs).

    `client`: a Dask client to run on (default: an embedded LocalCluster of `workers`
    processes, closed at the end). `out_dir`: where results are cached and sweep.csv,
    sweep.parquet and the plots are written (None: nothing is written or cached). Bad input
    (unknown factor, a value that makes the portfolio invalid) raises InputError before
    anything runs or is written."""
    settings = settings or PlanSettings()
    progress = progress or NullProgress()
    items, spec, label = scenario_list(portfolio, scenarios)
    preflight(portfolio, items, label)
    digest = portfolio_digest(portfolio)
    hashes = [scenario_hash(digest, s.values, settings.identity(), planner.__version__) for s in items]
    cache = ResultCache(out_dir) if out_dir is not None else None
    records: dict[str, dict[str, Any]] = {}
    if cache is not None:
        records = {h: r for h in dict.fromkeys(hashes) if (r := cache.get(h)) is not None}
    cached = set(records)
    todo: dict[str, Scenario] = {}  # hash -> the first scenario with it
    for s, h in zip(items, hashes):
        if h not in records:
            todo.setdefault(h, s)
    progress.start(total=len(items), cached=len(items) - sum(h in todo for h in hashes))
    if todo:
        with contextlib.ExitStack() as stack:
            c = client if client is not None else stack.enter_context(dask_client(workers))
            records.update(_run(c, portfolio, todo, settings, cache, progress, hashes))
    progress.finish()
    frame = results_frame(portfolio, items, hashes, records, cached)
    if out_dir is not None:
        write_outputs(frame, Path(out_dir), spec)
    return frame


def _run(
    client: Client,
    portfolio: Portfolio,
    todo: dict[str, Scenario],
    settings: PlanSettings,
    cache: ResultCache | None,
    progress: Progress,
    hashes: list[str],
) -> dict[str, dict[str, Any]]:
    """Submit one task per scenario, collect results as they finish (cached at once)."""
    threads = max(1, sum(client.nthreads().values()))
    shared = client.scatter(portfolio, broadcast=True, hash=False)
    run_id = uuid.uuid4().hex[:8]
    futures = {
        client.submit(
            run_scenario, shared, s, h, settings, key=f"dcplan-scenario-{s.id}-{h[:12]}-{run_id}", pure=False
        ): h
        for h, s in todo.items()
    }
    weight = collections.Counter(hashes)  # scenarios sharing a hash finish together
    records: dict[str, dict[str, Any]] = {}
    remaining = len(futures)
    progress.advance(ok=True, count=0, running=min(remaining, threads))
    for future in as_completed(futures):
        h = futures[future]
        try:
            record = future.result()
        except Exception as exc:  # a lost worker (KilledWorker), a cancelled task: recorded, the sweep goes on
            s = todo[h]
            record = {
                "scenario_id": s.id,
                "hash": h,
                "values": dict(s.values),
                "varied": s.varied,
                "status": "error",
                "reason": f"{type(exc).__name__}: {exc}",
                "solve_seconds": None,
                "cpu_seconds": None,
            }
        future.release()
        if cache is not None:
            cache.put(record)
        records[h] = record
        remaining -= 1
        progress.advance(
            ok=record["status"] in ("optimal", "feasible"), count=weight[h], running=min(remaining, threads)
        )
    return records
