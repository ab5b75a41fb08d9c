"""Stage 3, model: the planning MILP, assembled from one module per concern.

Each ``define_*`` adds its variables and constraint families to one
:class:`~planner.model.builder.ModelBuilder` and returns what the next concerns need (its
variables, the IT it provides or the capacity it bounds, its cash flows): the hand-offs are
return values, so the build order is the data flow written out in :func:`build_model`.
The maths of each family is in its module's docstring; every family is registered in
planner.model.registry.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from planner.inputs import Inputs
from planner.inputs.financing import prepare_financing
from planner.model.algebra import LinExpr
from planner.model.builder import ModelBuilder
from planner.model.cloud import Cloud, define_cloud
from planner.model.cooling import Cooling, define_cooling
from planner.model.exit_value import define_exit_value
from planner.model.finance import Flows, collect_flows, define_budget, define_concentration
from planner.model.funding import Funding, cash_of, define_funding, has_financing, objective
from planner.model.halls import Halls, define_hall_it, define_halls, define_hosts_power
from planner.model.land import define_land
from planner.model.markets import MarketLeases, define_markets
from planner.model.mining import Mining, define_mining
from planner.model.power import Power, define_power
from planner.model.tenants import Leases, define_hpc_site_link, define_leases, it_in_use
from solvers.problem import MatrixProblem

logger = logging.getLogger(__name__)

MODES = ("plan", "bau")


@dataclass
class Model:
    """The MILP as arrays, the variables of every concern, and the NPV's cash flows by stream."""

    inputs: Inputs
    mode: str
    builder: ModelBuilder
    problem: MatrixProblem
    mining: Mining
    halls: Halls
    cloud: Cloud
    leases: Leases
    markets: MarketLeases
    power: Power
    cooling: Cooling
    flows: Flows
    build_seconds: float
    funding: Funding | None = None

    @property
    def bau(self) -> bool:
        """Whether this is the business-as-usual model."""
        return self.mode == "bau"


def labels(ins: Inputs) -> dict[str, list[str]]:
    """Labels of every dimension, for row and column names."""
    return {
        "site": ins.site.ids,
        "period": ins.time.labels,
        "rack": ins.rack.ids,
        "hall": ins.hall.ids,
        "cdu": ins.cdu.ids,
        "contract": ins.contract.ids,
        "upgrade": ins.upgrade.ids,
        "tenant": ins.tenant.ids,
        "start": [ins.time.label(t) for t in ins.paths.periods],
        "market": ins.market.ids,
        "operator": ins.operator.ids,
        "counterparty": ins.counterparty.ids,
        "option": [str(r) for r in range(ins.paths.ok.shape[2])],
    }


def build_model(
    ins: Inputs,
    mode: str = "plan",
    elastic: dict[str, float] | None = None,
    integer_racks: bool = False,
    slack_scale: dict[str, float] | None = None,
) -> Model:
    """The MILP. mode "plan": every option open; "bau": business as usual, every site keeps mining
    with no new HPC (halls fixed at what exists, no tenants, no GPUs). `elastic` (family -> penalty
    per unit) relaxes those families with penalised slack (diagnosis), `slack_scale` (family ->
    units per slack unit) keeps that slack well scaled; `integer_racks` makes self-operated rack
    purchases integer (the whole-rack step)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    start = time.perf_counter()
    sizes = ins.sizes
    m = ModelBuilder(f"dcplan_{ins.portfolio.name}_{mode}", sizes, labels(ins), elastic, slack_scale)
    mining = define_mining(m, ins)
    halls = define_halls(m, ins, mode)
    cloud = define_cloud(m, ins, halls.site_it_ub, mode, integer_racks)
    leases = define_leases(m, ins, mode)
    markets = define_markets(m, ins, halls.site_it_ub, mode)
    define_hpc_site_link(m, ins, leases, halls.hosts)
    it, installed, it_pt = it_in_use(ins, cloud.running, cloud.mw, leases, markets.mw)
    define_hall_it(m, halls, installed)
    define_hosts_power(m, ins, halls.hosts, it)
    power = define_power(m, ins, mining.mw, it, it_pt)
    cooling = define_cooling(m, ins, halls.site_it_ub, it, mode)
    define_land(m, ins, installed, cooling.cdus, halls.modules, mining.mw)
    define_budget(m, ins, halls.spend + cloud.spend + power.spend + cooling.spend + _path_capex(leases, markets))
    define_concentration(m, ins, leases.revenue, markets.revenue, cloud.revenue, mode)
    exit_flows = define_exit_value(m, ins, halls, installed, power, markets.mw)
    flows = collect_flows(
        mining.flows, halls.flows, cloud.flows, leases.flows, markets.flows, power.flows, cooling.flows, exit_flows
    )
    fin = prepare_financing(ins) if has_financing(ins, mode) else None
    funding = None if fin is None else define_funding(m, ins, fin, cash_of(ins, flows, leases.revenue))
    problem = m.problem(objective(ins, flows, funding))
    seconds = time.perf_counter() - start
    logger.info(
        "built %s model: %d variables, %d constraints, %d nonzeros in %.2f s",
        mode,
        problem.num_cols,
        problem.num_rows,
        problem.num_nonzeros,
        seconds,
    )
    return Model(ins, mode, m, problem, mining, halls, cloud, leases, markets, power, cooling, flows, seconds, funding)


def _path_capex(leases: Leases, markets: MarketLeases) -> LinExpr:
    """[site, period] capex spent on contracts: GPUs of GPU-service contracts, market re-fits."""
    return -(leases.flows[("capex", "base")] + markets.flows[("capex", "base")])


__all__ = ["MODES", "Model", "build_model"]
