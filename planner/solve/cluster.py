"""A Dask client on the loopback or at an address: for sweeps (planner.sweep), progressive hedging
and the decomposition's Lagrangian blocks alike. An embedded ``LocalCluster`` binds 127.0.0.1 only
(one single-threaded worker process per core by default); a scheduler at an address must answer
as a Dask scheduler with at least one worker running this dcplan version."""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator

from distributed import Client, LocalCluster

import planner
from planner.describe.errors import InputError, Problem

CONNECT_TIMEOUT_S = 10.0
"""How long to try to reach a scheduler (and to wait for its first worker) before giving up."""
SCHEDULER_FIELD = "--scheduler"


@contextlib.contextmanager
def dask_client(
    workers: int | None = None,
    scheduler: str | None = None,
    timeout_s: float = CONNECT_TIMEOUT_S,
    warm: str = "planner.solve.planning",
) -> Iterator[Client]:
    """A Dask client: of the scheduler at `scheduler`, or of an embedded LocalCluster of
    `workers` single-threaded processes (default: one per core) on 127.0.0.1. Raises
    InputError when the scheduler cannot be reached, or has no worker, within `timeout_s`.
    The workers import the module `warm` before the client is handed out, so that the first
    tasks' times are not import times."""
    if scheduler is None:
        n = workers or os.cpu_count() or 1
        # every server on the loopback: without an address, the scheduler's HTTP server binds 0.0.0.0:8787
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0"
        )
        with cluster, Client(cluster) as client:
            client.run(warm_up, warm)
            yield client
        return
    client = _connect(scheduler, timeout_s)
    try:
        versions = client.run(warm_up, warm)
        other = {w: v for w, v in versions.items() if v != planner.__version__}
        if other:
            worker, version = next(iter(other.items()))
            raise InputError(
                [
                    Problem(
                        SCHEDULER_FIELD,
                        "address",
                        scheduler,
                        f"worker {worker} runs dcplan {version}, not {planner.__version__}",
                    )
                ]
            )
        yield client
    finally:
        client.close()


def _connect(scheduler: str, timeout_s: float) -> Client:
    """A client of the scheduler at `scheduler` with at least one worker, or InputError."""

    def problem(reason: str) -> InputError:
        return InputError([Problem(SCHEDULER_FIELD, "address", scheduler, reason)])

    try:
        client = Client(scheduler, timeout=timeout_s)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:  # refused, timed out, a bad address
        raise problem(f"cannot reach a Dask scheduler within {timeout_s:g} s: {exc}") from None
    except Exception as exc:  # something answered, but not as a Dask scheduler does
        raise problem(f"the server there does not answer as a Dask scheduler ({type(exc).__name__})") from None
    try:
        client.wait_for_workers(1, timeout=timeout_s)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise problem(f"the scheduler has no worker after {timeout_s:g} s: {exc}") from None
    return client


def warm_up(module: str) -> str:
    """Import `module` (what a task needs; run on each worker); returns the worker's dcplan version."""
    importlib.import_module(module)
    return str(planner.__version__)
