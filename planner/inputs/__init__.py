"""Stage 2, inputs: every coefficient of the model as arrays over named dimensions, prepared once.

:func:`prepare` turns a validated portfolio into :class:`Inputs`: one group of arrays per concern
(time, operators, sites, contracts, upgrades, racks, CDUs, halls, counterparties, tenants and
their contract paths, markets), the discount factors by risk class, the values after the
horizon, and the operating scalars. Each group declares the dimensions of its arrays
(planner.inputs.arrays); :meth:`Inputs.select_sites` keeps a subset of sites in one call.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from planner.describe.loading import Portfolio
from planner.inputs.arrays import renumber, select
from planner.inputs.catalog import Cdus, Halls, Racks, prepare_cdus, prepare_halls, prepare_racks
from planner.inputs.contract_cash import PathCash, path_cash
from planner.inputs.finance import FinanceArrays, prepare_finance
from planner.inputs.market import hashprice_path
from planner.inputs.markets import Markets, prepare_markets
from planner.inputs.paths import ContractPaths, contract_paths
from planner.inputs.power import Contracts, Upgrades, prepare_contracts, prepare_upgrades, site_price
from planner.inputs.sites import Operators, Sites, prepare_operators, prepare_sites
from planner.inputs.tenants import Counterparties, Tenants, prepare_counterparties, prepare_tenants
from planner.inputs.terminal import Relet, SiteCosts, market_values, relet_terms, tenant_values
from planner.inputs.time import Time, lag_count, period_label, prepare_time, segments_of


@dataclass(frozen=True)
class Operating:
    """Operating costs and factors (per period), scenario multipliers and finance settings."""

    mining_opex_usd_per_mw_period: np.ndarray  # [T]
    hpc_opex_usd_per_mw_period: np.ndarray  # [T]
    cloud_opex_usd_per_mw_period: np.ndarray  # [T]
    cloud_opex_share: float  # of cloud revenue
    hpc_load_factor: float
    cloud_utilisation: float
    mining_uptime: float
    capex_multiplier: float
    grid_residual_share: np.ndarray  # [T] of interconnect upgrades and site conversion works in service from t
    residual_value: bool  # book value at the horizon end (finance.terminal_value "book")
    budget_usd_per_period: float | None
    concentration_cap: float | None
    cloud_max_it_mw: np.ndarray | None  # [T] most self-operated IT MW sold per period, all operators


@dataclass(frozen=True)
class Terminal:
    """Contracted value after the horizon per MW (planner.inputs.terminal)."""

    tenant: np.ndarray  # [K, S, J, R] per MW of block along each path
    market: np.ndarray  # [M, S, T] per MW of a market lease signed in t
    relet: Relet  # per site: a free MW re-leased to its market (market mode)
    exit: np.ndarray  # [S] value per MW of hall IT idle at the end (market mode)


@dataclass(frozen=True)
class Inputs:
    """Everything the model, the validator and the cash flows read, from one portfolio."""

    portfolio: Portfolio
    time: Time
    fin: FinanceArrays
    operator: Operators
    site: Sites
    contract: Contracts
    upgrade: Upgrades
    rack: Racks
    cdu: Cdus
    hall: Halls
    counterparty: Counterparties
    tenant: Tenants
    paths: ContractPaths
    cash: PathCash
    market: Markets
    terminal: Terminal
    costs: SiteCosts
    op: Operating

    def __post_init__(self) -> None:
        sizes = self.sizes
        for group in (
            self.time,
            self.operator,
            self.site,
            self.contract,
            self.upgrade,
            self.rack,
            self.cdu,
            self.hall,
            self.counterparty,
            self.tenant,
            self.market,
        ):
            group.check(sizes)

    @property
    def sizes(self) -> dict[str, int]:
        """Size of every dimension."""
        return {
            "period": self.time.T,
            "operator": len(self.operator.ids),
            "site": len(self.site.ids),
            "contract": len(self.contract.ids),
            "upgrade": len(self.upgrade.ids),
            "rack": len(self.rack.ids),
            "cdu": len(self.cdu.ids),
            "hall": len(self.hall.ids),
            "counterparty": len(self.counterparty.ids),
            "tenant": len(self.tenant.ids),
            "tranche": self.tenant.tranche_mw.shape[1],
            "market": len(self.market.ids),
            "lag": self.hall.draws.shape[1],
            "start": len(self.paths.periods),
            "option": self.paths.ok.shape[2],
        }

    @property
    def T(self) -> int:
        """Number of periods."""
        return self.time.T

    @property
    def S(self) -> int:
        """Number of sites."""
        return len(self.site.ids)

    def book(self, share: np.ndarray) -> np.ndarray:
        """A residual share (planner.inputs.time.Time.residual_share) counted at the horizon end:
        itself when finance.terminal_value is "book", else zeros."""
        return share if self.op.residual_value else np.zeros(np.shape(share))

    def select_sites(self, index: np.ndarray) -> Inputs:
        """These inputs restricted to the sites `index` (their contracts, upgrades, tenant and market
        eligibility with them)."""
        index = np.asarray(index, dtype=int)
        tv = self.terminal
        terminal = Terminal(
            np.take(tv.tenant, index, axis=1),
            np.take(tv.market, index, axis=1),
            select(tv.relet, "site", index),
            tv.exit[index],
        )
        costs = dataclasses.replace(self.costs, energy_usd_per_mw_month=self.costs.energy_usd_per_mw_month[index])
        return dataclasses.replace(
            self,
            site=select(self.site, "site", index),
            tenant=select(self.tenant, "site", index),
            market=select(self.market, "site", index),
            terminal=terminal,
            costs=costs,
            contract=renumber(self.contract, "site", index),
            upgrade=renumber(self.upgrade, "site", index),
        )

    def with_tenants(self, tenants: Tenants) -> Inputs:
        """These inputs with other tenant offers (their paths, path cash and values after the
        horizon recomputed)."""
        paths = contract_paths(tenants, self.time)
        terminal = dataclasses.replace(
            self.terminal, tenant=tenant_values(tenants, paths, self.time, self.fin, self.costs, self.terminal.relet)
        )
        return dataclasses.replace(
            self, tenant=tenants, paths=paths, cash=path_cash(tenants, paths, self.time), terminal=terminal
        )


def _operating(portfolio: Portfolio, time: Time) -> Operating:
    spec, op = portfolio.spec, portfolio.catalog.operating
    sc, fin = spec.scenario, spec.finance
    year = time.year_fraction
    return Operating(
        mining_opex_usd_per_mw_period=op.mining_opex_usd_per_mw_year * year,
        hpc_opex_usd_per_mw_period=op.hpc_opex_usd_per_mw_year * year,
        cloud_opex_usd_per_mw_period=op.cloud_opex_usd_per_mw_year * year,
        cloud_opex_share=op.cloud_opex_share_of_revenue,
        hpc_load_factor=op.hpc_load_factor,
        cloud_utilisation=op.cloud_utilisation,
        mining_uptime=op.mining_uptime,
        capex_multiplier=sc.capex_multiplier,
        grid_residual_share=time.residual_share(op.grid_asset_life_years),
        residual_value=fin.terminal_value == "book",
        budget_usd_per_period=fin.capex_budget_usd_per_period,
        concentration_cap=fin.concentration_cap,
        cloud_max_it_mw=None if sc.cloud_max_it_mw is None else np.full(time.T, float(sc.cloud_max_it_mw)),
    )


def _site_costs(portfolio: Portfolio, sites: Sites) -> SiteCosts:
    """A leased MW's costs to the landlord after the horizon (planner.inputs.terminal)."""
    op, sc = portfolio.catalog.operating, portfolio.spec.scenario
    energy = op.hpc_load_factor * sites.pue_hpc * 8760.0 / 12.0 * sites.price[:, -1:]
    return SiteCosts(
        op.hpc_opex_usd_per_mw_year / 12.0,
        op.cloud_opex_usd_per_mw_year / 12.0,
        op.cloud_opex_share_of_revenue,
        energy,
        sc.power_price_escalation_per_year,
    )


def prepare(portfolio: Portfolio) -> Inputs:
    """All coefficients of the model, from a validated portfolio."""
    spec, cat = portfolio.spec, portfolio.catalog
    sc, fin = spec.scenario, spec.finance
    segments = segments_of(
        spec.horizon.period, spec.horizon.periods, spec.horizon.segment_list() if spec.horizon.segments else None
    )
    time = prepare_time(spec.horizon.start, segments, fin.discount_rate_per_year)
    leads = [h.lead_time_months for h in cat.hall_modules] + [
        u.lead_time_months for s in portfolio.sites for u in s.interconnect.upgrades
    ]
    lags = lag_count(time, np.array(leads, dtype=float))
    racks, cdus = prepare_racks(cat, sc, time), prepare_cdus(cat, sc, time)
    halls = prepare_halls(cat, sc, time, fin.capex_draw, lags)
    contracts = prepare_contracts(portfolio.sites, sc, time)
    sites = prepare_sites(
        portfolio,
        time,
        hashprice_path(sc.hashprice, time),
        racks.liquid,
        halls.ids,
        cdus.ids,
        site_price(contracts, len(portfolio.sites)),
    )
    finance = prepare_finance(fin, time)
    cps = prepare_counterparties(spec.counterparties, spec.tenants)
    hall_opex = cat.operating.hpc_opex_usd_per_mw_year
    tenants = prepare_tenants(spec.tenants, cps, sites.ids, racks.ids, sc, time, hall_opex)
    paths = contract_paths(tenants, time)
    markets = prepare_markets(
        spec.markets, [s.grid for s in portfolio.sites], racks.ids, sc.lease_rate_multiplier, time, hall_opex
    )
    costs = _site_costs(portfolio, sites)
    relet = relet_terms(markets, fin.exit_market, time, finance, costs)
    terminal = Terminal(
        tenant_values(tenants, paths, time, finance, costs, relet),
        market_values(markets, time, finance, costs, relet),
        relet,
        relet.value(time.end_month),
    )
    return Inputs(
        portfolio=portfolio,
        time=time,
        fin=finance,
        operator=prepare_operators(portfolio),
        site=sites,
        contract=contracts,
        upgrade=prepare_upgrades(portfolio.sites, sc, time, fin.capex_draw, lags),
        rack=racks,
        cdu=cdus,
        hall=halls,
        counterparty=cps,
        tenant=tenants,
        paths=paths,
        cash=path_cash(tenants, paths, time),
        market=markets,
        terminal=terminal,
        costs=costs,
        op=_operating(portfolio, time),
    )


__all__ = ["Inputs", "Operating", "Terminal", "period_label", "prepare"]
