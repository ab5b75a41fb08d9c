"""Stage 2, inputs: every coefficient of the model as arrays over named dimensions, prepared once.

:func:`prepare` turns a validated portfolio into :class:`Inputs`: one group of arrays per
concern (time, sites, contracts, upgrades, racks, CDUs, halls, tenants) and the operating and
finance scalars. Each group declares the dimensions of its arrays (planner.inputs.arrays);
:meth:`Inputs.select_sites` keeps a subset of sites in one call (the site decomposition).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from planner.describe.loading import Portfolio
from planner.inputs.arrays import renumber, select
from planner.inputs.catalog import Cdus, Halls, Racks, prepare_cdus, prepare_halls, prepare_racks
from planner.inputs.market import hashprice_path
from planner.inputs.power import Contracts, Upgrades, prepare_contracts, prepare_upgrades, site_price
from planner.inputs.sites import Operators, Sites, prepare_operators, prepare_sites
from planner.inputs.tenants import StartGrid, Tenants, prepare_tenants, start_grid
from planner.inputs.time import Time, period_label, prepare_time, segments_of


@dataclass(frozen=True)
class Operating:
    """Operating costs and factors (per period), scenario multipliers and finance settings."""

    mining_opex_usd_per_mw_period: np.ndarray  # [T]
    hpc_opex_usd_per_mw_period: np.ndarray  # [T]
    cloud_opex_usd_per_mw_period: np.ndarray  # [T]
    hpc_load_factor: float
    cloud_utilisation: float
    mining_uptime: float
    capex_multiplier: float
    grid_residual_share: np.ndarray  # [T] of interconnect upgrades and site conversion works in service from t
    residual_value: bool
    budget_usd_per_period: float | None
    concentration_cap: float | None
    cloud_max_it_mw: np.ndarray | None  # [T] most self-operated IT MW sold per period


@dataclass(frozen=True)
class Inputs:
    """Everything the model, the validator and the cash flows read, from one portfolio."""

    portfolio: Portfolio
    time: Time
    operator: Operators
    site: Sites
    contract: Contracts
    upgrade: Upgrades
    rack: Racks
    cdu: Cdus
    hall: Halls
    tenant: Tenants
    op: Operating

    def __post_init__(self) -> None:
        sizes = self.sizes
        for group in (self.time, self.operator, self.site, self.contract, self.upgrade, self.rack, self.cdu, self.hall, self.tenant):
            group.check(sizes)

    @property
    def sizes(self) -> dict[str, int]:
        """Size of every dimension."""
        return {"period": self.time.T, "operator": len(self.operator.ids), "site": len(self.site.ids), "contract": len(self.contract.ids),
                "upgrade": len(self.upgrade.ids), "rack": len(self.rack.ids), "cdu": len(self.cdu.ids),
                "hall": len(self.hall.ids), "tenant": len(self.tenant.ids)}

    @property
    def T(self) -> int:
        """Number of periods."""
        return self.time.T

    @property
    def S(self) -> int:
        """Number of sites."""
        return len(self.site.ids)

    @property
    def starts(self) -> StartGrid:
        """The tenants' candidate starts on one grid of periods."""
        return start_grid(self.tenant, self.time)

    def book(self, share: np.ndarray) -> np.ndarray:
        """A residual share (planner.inputs.time.Time.residual_share) counted at the horizon end:
        itself when finance.residual_value, else zeros."""
        return share if self.op.residual_value else np.zeros(np.shape(share))

    def select_sites(self, index: np.ndarray) -> Inputs:
        """These inputs restricted to the sites `index` (their contracts, upgrades and tenant
        eligibility with them)."""
        index = np.asarray(index, dtype=int)
        return dataclasses.replace(
            self, site=select(self.site, "site", index), tenant=select(self.tenant, "site", index),
            contract=renumber(self.contract, "site", index), upgrade=renumber(self.upgrade, "site", index))


def prepare(portfolio: Portfolio) -> Inputs:
    """All coefficients of the model, from a validated portfolio."""
    spec, cat = portfolio.spec, portfolio.catalog
    sc, op, fin = spec.scenario, cat.operating, spec.finance
    time = prepare_time(spec.horizon.start, segments_of(spec.horizon.period, spec.horizon.periods,
                                                        spec.horizon.segments and spec.horizon.segment_list()),
                        fin.discount_rate_per_year)
    racks, cdus, halls = prepare_racks(cat, sc, time), prepare_cdus(cat, sc, time), prepare_halls(cat, sc, time)
    contracts = prepare_contracts(portfolio.sites, sc, time)
    S = len(portfolio.sites)
    sites = prepare_sites(portfolio, time, hashprice_path(sc.hashprice, time), racks.liquid, halls.ids, cdus.ids,
                          site_price(contracts, S))
    year = time.year_fraction
    operating = Operating(
        mining_opex_usd_per_mw_period=op.mining_opex_usd_per_mw_year * year,
        hpc_opex_usd_per_mw_period=op.hpc_opex_usd_per_mw_year * year,
        cloud_opex_usd_per_mw_period=op.cloud_opex_usd_per_mw_year * year,
        hpc_load_factor=op.hpc_load_factor, cloud_utilisation=op.cloud_utilisation, mining_uptime=op.mining_uptime,
        capex_multiplier=sc.capex_multiplier,
        grid_residual_share=time.residual_share(op.grid_asset_life_years),
        residual_value=fin.terminal_value == "book", budget_usd_per_period=fin.capex_budget_usd_per_period,
        concentration_cap=fin.concentration_cap,
        cloud_max_it_mw=None if sc.cloud_max_it_mw is None else np.full(time.T, float(sc.cloud_max_it_mw)))
    return Inputs(portfolio=portfolio, time=time, operator=prepare_operators(portfolio), site=sites, contract=contracts,
                  upgrade=prepare_upgrades(portfolio.sites, sc, time), rack=racks, cdu=cdus, hall=halls,
                  tenant=prepare_tenants(spec.tenants, sites.ids, racks.ids, sc, time), op=operating)


__all__ = ["Inputs", "Operating", "period_label", "prepare"]
