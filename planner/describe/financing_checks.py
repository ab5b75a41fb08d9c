"""Checks of the financing section that need the sites, the tenants and the horizon together.

Each appends :class:`~planner.describe.errors.Problem` s (file, field path, value, reason) and
never raises. The rules:

- a facility's operator is some site's operator, its sites are that operator's sites, its
  backing tenants are tenant offers eligible at one of them, and no offer backs two facilities
  (each covenant tests its own pledged rent);
- a facility lends in the horizon: its draw window opens before the horizon ends, and closes
  after the horizon starts unless principal is outstanding then; its maturity is after the
  horizon start and at most :data:`~planner.describe.financing.TENOR_MONTHS_MAX` months after
  the draw start;
- an equity entry names some site's operator, once, and each of its dates is inside the horizon.
"""

from __future__ import annotations

from planner.describe.checks import horizon_end
from planner.describe.descriptors import PortfolioSpec, Site
from planner.describe.errors import Problem
from planner.describe.financing import TENOR_MONTHS_MAX, Facility


def check_financing(spec: PortfolioSpec, sites: list[Site], file: str, problems: list[Problem]) -> None:
    """Every rule of the module docstring, on `spec.financing` (nothing when there is none)."""
    fin = spec.financing
    if fin is None:
        return
    operators = {s.operator for s in sites}
    pledged: dict[str, str] = {}
    for i, f in enumerate(fin.facilities):
        where = f"financing.facilities[{i}]"
        if f.operator not in operators:
            problems.append(
                Problem(file, f"{where}.operator", f.operator, f"no site has this operator ({_listed(operators)})")
            )
            continue
        _references(spec, sites, f, where, file, problems, pledged)
        _dates(spec, f, where, file, problems)
    start, end = spec.horizon.start, horizon_end(spec)
    for i, e in enumerate(fin.equity):
        where = f"financing.equity[{i}]"
        if e.operator not in operators:
            problems.append(
                Problem(file, f"{where}.operator", e.operator, f"no site has this operator ({_listed(operators)})")
            )
        for day in e.from_dates_usd:
            if not start <= day < end:
                problems.append(
                    Problem(
                        file,
                        f"{where}.from_dates_usd.{day.isoformat()}",
                        day.isoformat(),
                        f"outside the horizon ({start} to {end})",
                    )
                )


def _references(
    spec: PortfolioSpec,
    sites: list[Site],
    f: Facility,
    where: str,
    file: str,
    problems: list[Problem],
    pledged: dict[str, str],
) -> None:
    """Sites and backing tenants of a facility whose operator exists."""
    own = {s.id for s in sites if s.operator == f.operator}
    for j, sid in enumerate(f.sites):
        if sid not in own:
            problems.append(Problem(file, f"{where}.sites[{j}]", sid, f"not a site of {f.operator} ({_listed(own)})"))
    offers = {t.id: t for t in spec.tenants}
    for j, tid in enumerate(f.backing_tenants):
        field = f"{where}.backing_tenants[{j}]"
        if tid not in offers:
            problems.append(Problem(file, field, tid, f"unknown tenant offer ({_listed(set(offers)) or 'none'})"))
        elif not own & set(offers[tid].eligible_sites):
            problems.append(Problem(file, field, tid, f"not eligible at any site of {f.operator}"))
        elif tid in pledged:
            problems.append(
                Problem(file, field, tid, f"already backs facility {pledged[tid]}: an offer backs one facility")
            )
        else:
            pledged[tid] = f.id


def _dates(spec: PortfolioSpec, f: Facility, where: str, file: str, problems: list[Problem]) -> None:
    """A facility's draw window and maturity against the horizon and the tenor limit."""
    start, end = spec.horizon.start, horizon_end(spec)
    first = f.draw_start or start
    if first >= end:
        problems.append(
            Problem(
                file,
                f"{where}.draw_start",
                first.isoformat(),
                f"not before the horizon end {end}: the facility lends nothing in the plan",
            )
        )
    if f.draw_end <= start and f.outstanding_usd == 0:
        problems.append(
            Problem(
                file,
                f"{where}.draw_end",
                f.draw_end.isoformat(),
                f"not after the horizon start {start} and nothing outstanding: the facility lends nothing in the plan",
            )
        )
    if f.maturity <= start:
        problems.append(
            Problem(
                file,
                f"{where}.maturity",
                f.maturity.isoformat(),
                f"not after the horizon start {start}: the debt is repaid already",
            )
        )
    months = (f.maturity.year - first.year) * 12 + f.maturity.month - first.month
    if months > TENOR_MONTHS_MAX:
        problems.append(
            Problem(
                file,
                f"{where}.maturity",
                f.maturity.isoformat(),
                f"{months} months after the draw start {first}, more than {TENOR_MONTHS_MAX} (project "
                "and secured debt runs 5-30 years)",
            )
        )


def _listed(ids: set[str]) -> str:
    return ", ".join(sorted(ids))
