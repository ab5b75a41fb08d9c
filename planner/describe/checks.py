"""Checks that need more than one descriptor: cross-references and dates against the horizon.

Each check appends :class:`~planner.describe.errors.Problem` s (file, field path, value, reason)
and never raises. The date rules, decided one event at a time:

- a hashprice halving before the horizon start is refused, even the default one (2028-04-15)
  for a later horizon: it has happened, so it is already in ``usd_per_ph_day``, and counting it
  would halve the stated hashprice from the first period on; so is one listed twice; one after
  the horizon end is allowed (no effect);
- a power contract whose ``end`` is on or before the horizon start is refused: it supplies
  nothing; its ``start`` may be any past date (in force since then), or after the horizon end;
- a tenant offer whose lease, started as late as allowed, ends before the horizon start is
  refused, and so is one whose start window opens after the horizon end: neither can be served;
  a window that opened before the horizon start is fine (a lease already running);
- a tranche starting after the horizon end is refused (it could never be delivered in the plan);
- work in progress enters service after the horizon start and before its end;
- the horizon itself starts on the first of a month (checked in the model).

Cross-references: catalog ids (ASICs, halls, CDUs, racks), tenants' sites, counterparties named
by offers and credit support, operators matching some site's operator, markets' grids and rack
types, work in progress naming a hall, CDU or upgrade that exists.
"""

from __future__ import annotations

import datetime as dt

from planner.describe.descriptors import Catalog, PortfolioSpec, Site
from planner.describe.errors import Problem

MONTHS_PER_PERIOD = {"month": 1, "quarter": 3, "year": 12}


def check_references(
    spec: PortfolioSpec,
    catalog: Catalog,
    sites: list[Site],
    site_files: dict[str, str],
    file: str,
    problems: list[Problem],
    failed: set[str] | None,
) -> None:
    """Catalog ids named by sites and tenants, and tenants' sites, exist (`failed`: ids of site
    files that did not validate, not reported again; None when some could not be read: then
    tenants' sites are not checked)."""
    asics = {a.id for a in catalog.asics}
    halls = {h.id for h in catalog.hall_modules}
    cdus = {c.id for c in catalog.cooling_units}
    for s in sites:
        sf = site_files[s.id]
        if s.mining is not None and s.mining.asic not in asics:
            problems.append(
                Problem(sf, "mining.asic", s.mining.asic, f"unknown ASIC model (catalog has {_listed(asics)})")
            )
        problems.extend(
            Problem(sf, f"existing_halls.{k}", k, "unknown hall module") for k in s.existing_halls if k not in halls
        )
        problems.extend(
            Problem(sf, f"existing_cdus.{k}", k, "unknown cooling unit") for k in s.existing_cdus if k not in cdus
        )
    racks = {r.id for r in catalog.racks}
    seen = {s.id for s in sites}
    tenant_ids: set[str] = set()
    for i, t in enumerate(spec.tenants):
        where = f"tenants[{i}]"
        if t.id in tenant_ids:
            problems.append(Problem(file, f"{where}.id", t.id, "duplicate tenant id"))
        tenant_ids.add(t.id)
        if t.rack_type not in racks:
            problems.append(
                Problem(file, f"{where}.rack_type", t.rack_type, f"unknown rack type (catalog has {_listed(racks)})")
            )
        for j, sid in enumerate(t.eligible_sites):
            if sid not in seen and failed is not None and sid not in failed:
                problems.append(Problem(file, f"{where}.eligible_sites[{j}]", sid, "unknown site"))
        for sid in t.site_rates_usd_per_kw_month:
            if sid not in t.eligible_sites:
                problems.append(
                    Problem(
                        file, f"{where}.site_rates_usd_per_kw_month.{sid}", sid, "not an eligible site of this tenant"
                    )
                )
        _check_counterparties(t, {c.id for c in spec.counterparties}, file, where, problems)
        if t.max_sites > len(t.eligible_sites):
            problems.append(
                Problem(
                    file,
                    f"{where}.max_sites",
                    str(t.max_sites),
                    f"more than the {len(t.eligible_sites)} eligible sites",
                )
            )


def _check_counterparties(t, known: set[str], file: str, where: str, problems: list[Problem]) -> None:
    """A tenant's counterparty and credit support name described counterparties."""
    if t.counterparty is not None and t.counterparty not in known:
        problems.append(
            Problem(
                file,
                f"{where}.counterparty",
                t.counterparty,
                f"counterparty not described in counterparties ({_listed(known) or 'none'})",
            )
        )
    if t.credit_support is not None and t.credit_support.by not in known:
        problems.append(
            Problem(
                file,
                f"{where}.credit_support.by",
                t.credit_support.by,
                f"counterparty not described in counterparties ({_listed(known) or 'none'})",
            )
        )


def check_portfolio_parts(
    spec: PortfolioSpec,
    catalog: Catalog,
    sites: list[Site],
    site_files: dict[str, str],
    file: str,
    problems: list[Problem],
) -> None:
    """Operators, markets, the exit market and work in progress name things that exist."""
    operators, grids = {s.operator for s in sites}, {s.grid for s in sites}
    for i, o in enumerate(spec.operators):
        if o.id not in operators:
            problems.append(
                Problem(file, f"operators[{i}].id", o.id, f"no site has this operator ({_listed(operators)})")
            )
    racks = {r.id for r in catalog.racks}
    for i, mk in enumerate(spec.markets):
        if mk.rack_type not in racks:
            problems.append(
                Problem(
                    file, f"markets[{i}].rack_type", mk.rack_type, f"unknown rack type (catalog has {_listed(racks)})"
                )
            )
        for j, g in enumerate(mk.grids):
            if g not in grids:
                problems.append(
                    Problem(file, f"markets[{i}].grids[{j}]", g, f"no site in this grid ({_listed(grids)})")
                )
    exit_market, markets = spec.finance.exit_market, {mk.id for mk in spec.markets}
    if exit_market is not None and exit_market not in markets:
        problems.append(
            Problem(file, "finance.exit_market", exit_market, f"no market of this id ({_listed(markets) or 'none'})")
        )
    known = {"hall": {h.id for h in catalog.hall_modules}, "cdu": {c.id for c in catalog.cooling_units}}
    for s in sites:
        known["upgrade"] = {u.id for u in s.interconnect.upgrades}
        for i, w in enumerate(s.work_in_progress):
            if w.id not in known[w.kind]:
                problems.append(
                    Problem(
                        site_files[s.id],
                        f"work_in_progress[{i}].id",
                        w.id,
                        f"no {w.kind} of this id ({_listed(known[w.kind]) or 'none'})",
                    )
                )


def check_dates(
    spec: PortfolioSpec, sites: list[Site], site_files: dict[str, str], file: str, problems: list[Problem]
) -> None:
    """Events against the horizon, by the rules of the module docstring."""
    start, end = spec.horizon.start, horizon_end(spec)
    _check_halvings(spec, file, start, problems)
    _check_tenant_dates(spec, file, start, end, problems)
    for s in sites:
        _check_site_dates(s, site_files[s.id], start, end, problems)


def _check_halvings(spec: PortfolioSpec, file: str, start: dt.date, problems: list[Problem]) -> None:
    """Halvings listed once, none before the horizon start."""
    halvings = spec.scenario.hashprice.halvings
    default = "" if "halvings" in spec.scenario.hashprice.model_fields_set else " (the default: give halvings)"
    for i, day in enumerate(halvings):
        field = f"scenario.hashprice.halvings[{i}]"
        if day in halvings[:i]:
            problems.append(Problem(file, field, day.isoformat(), "listed twice: the subsidy would halve twice"))
        if day < start:
            reason = f"before the horizon start {start}: a past halving is already in usd_per_ph_day{default}"
            problems.append(Problem(file, field, day.isoformat(), reason))


def _check_tenant_dates(spec: PortfolioSpec, file: str, start: dt.date, end: dt.date, problems: list[Problem]) -> None:
    """Each lease overlaps the horizon, and each tranche can start inside it."""
    for i, t in enumerate(spec.tenants):
        where = f"tenants[{i}]"
        if t.start_latest < months_after(start, -t.term_months):
            problems.append(
                Problem(file, f"{where}.start_latest", str(t.start_latest), "the lease ends before the horizon starts")
            )
        if t.start_earliest >= end:
            problems.append(
                Problem(file, f"{where}.start_earliest", str(t.start_earliest), "after the end of the horizon")
            )
        for j, tr in enumerate(t.tranches):
            if months_after(t.start_earliest, tr.after_months) >= end:
                reason = f"starts after the end of the horizon ({end}) even from start_earliest"
                problems.append(Problem(file, f"{where}.tranches[{j}].after_months", str(tr.after_months), reason))


def _check_site_dates(s: Site, file: str, start: dt.date, end: dt.date, problems: list[Problem]) -> None:
    """Power contracts still in force at the start; work in progress entering service inside the horizon."""
    for i, c in enumerate(s.power_contracts):
        if c.end is not None and c.end <= start:
            reason = f"not after the horizon start {start}: the contract has ended and supplies nothing"
            problems.append(Problem(file, f"power_contracts[{i}].end", c.end.isoformat(), reason))
    for i, w in enumerate(s.work_in_progress):
        if not start < w.in_service < end:
            reason = (
                f"not inside the horizon ({start} to {end}): work in progress enters service after the start "
                "(already in service: existing_halls) and before the end"
            )
            problems.append(Problem(file, f"work_in_progress[{i}].in_service", w.in_service.isoformat(), reason))


def months_after(date: dt.date, months: int) -> dt.date:
    """The first of the month `months` after `date`'s month (before, when negative)."""
    y, m = divmod(date.year * 12 + date.month - 1 + months, 12)
    return dt.date(y, m + 1, 1)


def horizon_end(spec: PortfolioSpec) -> dt.date:
    """The first day after the horizon."""
    months = sum(MONTHS_PER_PERIOD[p] * n for p, n in spec.horizon.segment_list())
    return months_after(spec.horizon.start, months)


def _listed(ids: set[str]) -> str:
    return ", ".join(sorted(ids))
