"""Site decomposition: plans for portfolios too large to solve as one MILP.

Sites are coupled only through tenant offers (a tenant's MW spread over its eligible
sites), the GPU-cloud market cap, the capex budget and the concentration cap. Without a
budget or concentration cap, given each tenant's sites and start and each site's share
of the cloud market, the MILP separates into one small MILP per site (a resource-directive
decomposition; pricing the market with the LP duals instead lost a third of the NPV on
the bundled portfolio: the duals are degenerate and every site answered all or nothing):

1. LP relaxation of the whole model (interior point: 100-141 s on the 300-site rung,
   where the simplex had not finished in 150 s): a bound B >= the optimal NPV, each
   site's cloud MW q_st (sum_s q_st <= the market cap) and fractional tenant decisions.
   The LP spreads the market thinly (a few MW at many sites, each of which would then pay
   a conversion and a whole hall for it; 0.75 G USD of capex more than the MILP's plan on
   the 100-site rung), so the shares are consolidated: in decreasing order of
   sum_t q_st, site s gets a_st = min(ceil(q_st / m) m, what is left of the cap in t),
   m the largest hall's IT MW. Above LP_MAX_VARIABLES the LP is not tried, and past
   LP_SHARE of the time limit it is abandoned: the plan then has no bound, the cloud
   market goes to the sites in merit order (merit_order) and each tenant to its
   cheapest site able to hold it (_site_rank; a committed tenant no one site can hold
   is split over its largest sites by IT capacity, starting at its latest start).
2. Tenant rounding: each tenant goes to its (at most max_sites) eligible sites of largest
   LP block b_kj (those under min_block_mw dropped unless none is left; its first
   eligible site when the LP leaves it unsigned). A tenant on one site stays whole, with
   its start window and its commitment, for that site's MILP to decide. A tenant split
   over several sites is signed (it is committed or the LP signs it with
   sum_tau start[k,tau] >= 1/2; otherwise it goes whole to its largest block), starts at
   its LP-heaviest period, and D_k is split in proportion: piece_kj = D_k b_kj / sum b_kj.
3. Per site s, the site's own model with its pieces as tenants and its cloud market
   capped at a_st. A whole tenant its site declines (optional) or cannot serve
   (committed) is offered to its next eligible site (by LP block, else by _site_rank)
   until one signs it or none is left; a site re-solved with an offer added can only
   gain (declining is its previous plan). Where a site cannot serve the pieces of an
   optional split tenant, that tenant is dropped everywhere and the sites that held it
   are solved again. A site whose LP integer decisions are integral and which hosts no
   tenant keeps them without a solve.
4. The sites' plans combine into a plan of the whole model: each serves its pieces
   (sum_j piece_kj = D_k) within its own limits and its cloud within a_st
   (sum_s a_st <= the cap). With the LP of step 1, the whole model is solved again as an
   LP (interior point) with every integer decision fixed at the sites' values, which
   re-optimises the tenants' split over their chosen sites and every continuous
   decision; without it (too large), the sites' plans are the plan.
5. With the LP of step 1, a time limit and at least IMPROVE_MIN_S seconds of it left: the
   whole MILP, started from step 4's plan, until the limit; the better plan and the
   lower of the two bounds are kept (an anytime plan: the decomposition's at once, the
   MILP's if better). Where step 1 did not try the LP (too large), the time left goes to
   it instead, for the bound alone.

The reported gap is (bound - NPV) / |NPV|, the bound being B or step 5's, if lower.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import deque

import numpy as np
import pulp

from planner.inputs import Inputs
from planner.model import Model, build_model, values
from planner.model.hpc import peak_it_mw
from solvers import SolveOptions, SolveResult, SolveStatus, get_solver
from solvers.base import make_result

logger = logging.getLogger(__name__)

DECOMPOSE_SITES = 60
"""`method="auto"` decomposes portfolios of more sites than this (estimate from the ladder:
the bundled 15 sites solve whole in under a minute; 100 sites stay 3.8% from the bound
after 300 s as one MILP)."""

LP_SHARE = 0.5
"""Share of the time limit the LP relaxation of step 1 may take; past it, the sites are
guided by merit order (merit_order) and the plan has no bound (estimate)."""

LP_MAX_VARIABLES = 400_000
"""Largest model whose LP relaxation step 1 tries (estimate from the ladder on 2 cores: the
300-site rung's 237k variables take 100-141 s by interior point; the 1,000-site rung's
779k had not finished in 297 s, half its time limit, which the sites then lacked)."""

SITE_MIN_S = 5.0
"""Least time limit of a site's MILP (the 1,000-site rung gave some 1 s, too short for a
site serving a committed tenant to find its first plan)."""

IMPROVE_MIN_S = 30.0
"""Least time left after step 4 worth a warm-started whole-MILP solve (estimate)."""

SITE_ROWS = ("mining_mw", "halls", "gpu_racks", "cloud_mw", "hosts", "cdus", "cdu_used")
"""Variable families indexed by site first."""

CONTRACT_ROWS = ("draw_mw", "paid_mw")
"""Variable families indexed by power contract first."""


@dataclasses.dataclass(frozen=True)
class Piece:
    """Tenant k's share of IT MW at one site, its candidate starts and whether it must sign
    (an optional tenant is offered whole to one site at a time, which may decline it)."""

    k: int
    mw: float
    starts: np.ndarray
    committed: bool


class DecompositionError(RuntimeError):
    """The decomposition found no plan (a site could not serve its tenant pieces)."""


def decomposable(ins: Inputs) -> str | None:
    """None when the decomposition applies, else why not."""
    if ins.budget_usd_per_period is not None:
        return "a portfolio capex budget couples the sites' investments"
    if ins.concentration_cap is not None:
        return "a tenant concentration cap couples the sites' revenues"
    return None


def solve_decomposed(m: Model, solver: str, rel_gap: float, deadline: float | None,
                     threads: int | None = None) -> SolveResult:
    """Steps 1-5 on model `m` (whose variables are left at their original bounds): the
    plan's values, its NPV as objective and the bound (None without an LP or a MILP bound).
    Raises DecompositionError when a site cannot serve its committed pieces or the sites'
    plans do not combine."""
    ins = m.inputs
    t0 = time.perf_counter()
    run = get_solver(solver)

    def options(share: float = 1.0, least: float = 1.0) -> SolveOptions:
        left = None if deadline is None else max(least, share * (deadline - time.perf_counter()))
        return SolveOptions(time_limit_s=left, rel_gap=rel_gap, threads=threads)

    lp, tried = None, m.prob.numVariables() <= LP_MAX_VARIABLES
    if tried:
        lp = _relaxation(m, run, dataclasses.replace(options(LP_SHARE), lp_method="ipm"))
        if lp.status is not SolveStatus.NO_SOLUTION and not lp.has_solution:
            return lp  # the relaxation is infeasible (or the solver failed): so is the MILP
    module_mw = float(ins.hall_it_mw.max())
    if lp is not None and lp.has_solution:
        logger.info("decomposition: LP bound %.6g in %.1f s", lp.objective, lp.solve_seconds)
        guide = lp.values
        shares = values(m.v["cloud_mw"], guide).sum(axis=1)
        cloud = None if ins.cloud_max_it_mw is None else consolidate(shares, ins.cloud_max_it_mw, module_mw)
    else:
        logger.warning("decomposition: %s: sites guided by merit order",
                       f"LP relaxation unfinished in {lp.solve_seconds:.0f} s" if lp is not None
                       else f"no LP relaxation above {LP_MAX_VARIABLES:,} variables")
        lp = None
        guide = {}
        cloud = None if ins.cloud_max_it_mw is None else merit_order(m, ins.cloud_max_it_mw, module_mw)
    pieces = round_tenants(m, guide)
    leased = np.zeros(ins.S, dtype=bool)
    for k, lease in enumerate(m.leases):
        leased[ins.tenant_sites[k]] |= values(lease, guide).max(axis=1, initial=0.0) > 1e-9

    plans: dict[int, dict[str, float]] = {}  # site -> its plan's values, keyed by the whole model's names
    signed: dict[int, int | None] = {}  # tenant -> start period chosen by its site (None: unsigned)
    count = np.bincount([p.k for ps in pieces for p in ps], minlength=len(ins.tenant_ids))
    offers = {p.k: deque(j for j in ins.tenant_sites[p.k][_site_rank(m, p.k, guide)] if j != s)
              for s, ps in enumerate(pieces) for p in ps if count[p.k] == 1}  # whole tenants' next sites
    queue = deque(range(ins.S))
    solved, version = 0, "unknown"
    while queue:
        s = queue.popleft()
        if guide and not pieces[s] and not leased[s]:
            names = _site_integers(m, s)
            lp_x = np.array([guide.get(n, 0.0) for n in names])
            if np.allclose(lp_x, np.rint(lp_x), atol=1e-6):
                plans[s] = dict(zip(names, np.rint(lp_x)))
                continue
        cap = None if cloud is None else cloud[s]
        solved += 1
        site = _solve_site(m, s, pieces[s], cap, run, options(1.0 / max(1, len(queue) + 1), SITE_MIN_S))
        if site is None:
            moved = [p for p in pieces[s] if p.committed and offers.get(p.k)]
            for p in moved:
                _move(p, s, int(offers[p.k].popleft()), pieces, queue)
            if moved:
                logger.info("decomposition: site %s cannot serve %s: offered to the next eligible site",
                            ins.site_ids[s], ", ".join(ins.tenant_ids[p.k] for p in moved))
                queue.appendleft(s)
                continue
            drop = {p.k for p in pieces[s] if p.committed and not ins.tenant_committed[p.k]}
            if not drop:
                who = ", ".join(f"{ins.tenant_ids[p.k]} ({p.mw:g} MW)" for p in pieces[s]) or "no tenant"
                raise DecompositionError(f"site {ins.site_ids[s]}: no plan serving {who}")
            logger.info("decomposition: site %s cannot serve %s: dropped", ins.site_ids[s],
                        ", ".join(ins.tenant_ids[k] for k in drop))
            again = {j for j, ps in enumerate(pieces) for p in ps if p.k in drop and j != s}
            for j in range(ins.S):
                pieces[j] = [p for p in pieces[j] if p.k not in drop]
            signed.update(dict.fromkeys(drop))
            queue.extendleft(sorted(again - set(queue), reverse=True))
            queue.appendleft(s)
            continue
        plans[s], starts_s, version = site
        signed.update(starts_s)
        for p in [p for p in pieces[s] if not p.committed and starts_s[p.k] is None and offers.get(p.k)]:
            _move(p, s, int(offers[p.k].popleft()), pieces, queue)
    x = {n: v for plan in plans.values() for n, v in plan.items()}
    x.update(_tenant_values(m, pieces, signed))
    logger.info("decomposition: %d site MILPs for %d sites in %.1f s", solved, ins.S, time.perf_counter() - t0)

    if lp is None:
        objective, plan_values, step4 = _assembled(m, x), x, "the sites' plans assembled"
    else:
        final = _fixed_integer_lp(m, run, x, dataclasses.replace(options(), lp_method="ipm"))
        if not final.has_solution:
            raise DecompositionError(f"the sites' plans do not combine into a plan ({final.message})")
        objective, plan_values, step4 = final.objective, final.values, "fixed-integer LP"
    message = f"site decomposition: {'merit order' if lp is None else 'LP-guided'}, {solved} site MILPs, {step4}"
    bound = None if lp is None else lp.objective
    if lp is not None and deadline is not None and deadline - time.perf_counter() >= IMPROVE_MIN_S:
        whole = run.solve(m.prob, dataclasses.replace(options(), warm_start=plan_values))
        logger.info("decomposition: whole MILP from its plan: %s, objective %s, bound %s", whole.status.value,
                    whole.objective, whole.bound)
        if whole.bound is not None:
            bound = whole.bound if bound is None else min(bound, whole.bound)
        if whole.has_solution and whole.objective > objective:
            objective, plan_values = whole.objective, whole.values
            message += "; improved by the whole MILP"
    if not tried and deadline is not None and deadline - time.perf_counter() >= IMPROVE_MIN_S:
        late = _relaxation(m, run, dataclasses.replace(options(), lp_method="ipm"))
        logger.info("decomposition: LP relaxation after the plan: %s in %.0f s", late.status.value, late.solve_seconds)
        if late.has_solution:
            bound = late.objective
            message += "; LP bound in the time left"
    if bound is None:
        message += "; no bound"
    proven = bound is not None and bound - objective <= rel_gap * abs(objective)
    return make_result(status=SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE, solver=solver,
                       solver_version=version, maximize=True, objective=objective, bound=bound,
                       rel_gap=rel_gap, solve_seconds=time.perf_counter() - t0, message=message, values=plan_values)


def _fixed_integer_lp(m: Model, run, x: dict[str, float], options: SolveOptions) -> SolveResult:
    """Step 4: the LP of `m` with its integer variables held at their values in `x`."""
    held = [(v, v.lowBound, v.upBound) for v in m.prob.variables() if v.cat != pulp.LpContinuous and v.name in x]
    try:
        for v, _, _ in held:
            v.lowBound = v.upBound = float(x[v.name])
        return _relaxation(m, run, options)
    finally:
        for v, low, up in held:
            v.lowBound, v.upBound = low, up


def _assembled(m: Model, x: dict[str, float]) -> float:
    """Step 4 without an LP: the sites' plans `x` completed with zero leases where a tenant
    has no piece, in place; returns the plan's objective. Each site's plan keeps its own
    limits, serves its pieces and its cloud within a_st, so together they keep the whole
    model's (the validator re-checks the plan)."""
    unset = [v.name for v in m.prob.variables() if v.name not in x]
    missing = [n for n in unset if not n.startswith("lease_")]
    if missing:
        raise DecompositionError(f"the sites' plans leave {len(missing)} variables unset (e.g. {missing[:3]})")
    x.update(dict.fromkeys(unset, 0.0))
    objective = m.prob.objective
    return float(objective.constant + sum(c * x[v.name] for v, c in objective.items()))


def _move(p: Piece, s: int, to: int, pieces: list[list[Piece]], queue: deque) -> None:
    """Offer whole tenant piece p to site `to` instead of site s (queued for a solve)."""
    pieces[s].remove(p)
    pieces[to].append(p)
    if to not in queue:
        queue.append(to)


def _relaxation(m: Model, run, options: SolveOptions) -> SolveResult:
    """The LP relaxation of `m` (integrality dropped for the solve, then restored)."""
    integer = [v for v in m.prob.variables() if v.cat != pulp.LpContinuous]
    for v in integer:
        v.cat = pulp.LpContinuous
    try:
        return run.solve(m.prob, options)
    finally:
        for v in integer:
            v.cat = pulp.LpInteger


def consolidate(shares: np.ndarray, cap: np.ndarray, module_mw: float) -> np.ndarray:
    """[S,T] cloud MW per site: in decreasing order of sum_t q_st, each site's share q_st
    [S,T] rounded up to whole modules of `module_mw` while the cap [T] lasts."""
    q = np.maximum(shares, 0.0)
    out = np.zeros_like(q)
    left = np.asarray(cap, dtype=float).copy()
    for s in np.argsort(-q.sum(axis=1), kind="stable"):
        want = np.ceil(q[s] / module_mw - 1e-9) * module_mw
        out[s] = np.minimum(want, left)
        left -= out[s]
    return out


def merit_order(m: Model, cap: np.ndarray, module_mw: float) -> np.ndarray:
    """[S,T] cloud MW per site without an LP: sites in increasing order of their HPC energy
    cost (capacity-weighted price x liquid PUE) get their hall capacity in whole modules
    of `module_mw` while the cap [T] lasts."""
    ins = m.inputs
    out = np.zeros((ins.S, ins.T))
    left = np.asarray(cap, dtype=float).copy()
    for s in np.argsort(_hpc_cost(ins), kind="stable"):
        out[s] = np.minimum(np.floor(m.site_it_ub[s] / module_mw + 1e-9) * module_mw, left)
        left -= out[s]
    return out


def round_tenants(m: Model, lp: dict[str, float]) -> list[list[Piece]]:
    """Per site, the tenant pieces of step 2 (`lp` empty: by merit order, see _site_rank;
    a committed tenant no one site can host is split over its largest sites by IT
    capacity, starting at its latest start)."""
    ins = m.inputs
    pieces: list[list[Piece]] = [[] for _ in range(ins.S)]
    for k, (start_vars, periods) in enumerate(m.starts):
        if not len(start_vars):
            continue
        sites, mw = ins.tenant_sites[k], float(ins.tenant_mw[k])
        if lp:
            weight = values(start_vars, lp)
            block = values(m.v[f"block_{k}"], lp) if len(sites) > 1 else np.ones(1)
            start, split = periods[int(np.argmax(weight))], ins.tenant_committed[k] or weight.sum() >= 0.5
            order = np.argsort(-block, kind="stable")
        else:
            start = periods[-1]
            block = it_capacity(m, sites, start)
            split = ins.tenant_committed[k] and block.max() < mw
            order = np.argsort(-block, kind="stable") if split else _site_rank(m, k, lp)
        order = order[: int(ins.tenant_max_sites[k])]
        keep = order[block[order] >= max(ins.tenant_min_block_mw[k], 1e-9)]
        if not lp:  # the fewest sites that hold it
            keep = keep[: int(np.searchsorted(np.cumsum(block[keep]), mw - 1e-9)) + 1]
        if len(keep) > 1 and not split:
            keep = keep[:1]
        keep = keep if len(keep) else order[:1]
        if len(keep) == 1:
            pieces[sites[keep[0]]].append(Piece(k, mw, periods, bool(ins.tenant_committed[k])))
            continue
        share = block[keep] / block[keep].sum()
        for j, w in zip(keep, share):
            pieces[sites[j]].append(Piece(k, mw * float(w), np.array([start]), True))
    return pieces


def it_capacity(m: Model, sites: np.ndarray, t: int) -> np.ndarray:
    """Most IT MW each of `sites` could hold in period t (a start before the horizon: its
    first period): its hall modules (site_it_ub) and its power (peak_it_mw), whichever is
    less."""
    return np.minimum(m.site_it_ub[sites, max(int(t), 0)], peak_it_mw(m.inputs)[sites])


def _site_rank(m: Model, k: int, lp: dict[str, float]) -> np.ndarray:
    """Tenant k's eligible sites (indices into tenant_sites[k]), best first: by LP block, or
    without an LP those that can hold its whole MW by its latest start (it_capacity)
    first, each group in merit order."""
    ins = m.inputs
    sites = ins.tenant_sites[k]
    if lp and len(sites) > 1:
        return np.argsort(-values(m.v[f"block_{k}"], lp), kind="stable")
    _, periods = m.starts[k]
    fits = it_capacity(m, sites, periods[-1]) >= ins.tenant_mw[k] - 1e-9 if len(periods) else np.ones(len(sites), bool)
    return np.lexsort((_hpc_cost(ins)[sites], ~fits))


def _hpc_cost(ins: Inputs) -> np.ndarray:
    """[S] merit order key: a site's mean contract price x its best liquid PUE (USD per IT MWh)."""
    return ins.site_price.mean(axis=1) * ins.pue_hpc.min(axis=1)


def _site_integers(m: Model, s: int) -> list[str]:
    """Names of the integer variables that belong to site s alone."""
    ups = np.nonzero(m.inputs.upgrade_site == s)[0]
    arrays = [m.v[f][s] for f in SITE_ROWS] + [m.v["upgrade"][ups]]
    return [v.name for a in arrays for v in a.ravel() if v is not None and v.cat != pulp.LpContinuous]


def site_inputs(ins: Inputs, s: int, pieces: list[Piece], cloud_mw: np.ndarray | None) -> Inputs:
    """Inputs of site s alone, with `pieces` as its tenants (one eligible site each) and
    its share `cloud_mw` [T] of the cloud market (None: uncapped)."""
    one = slice(s, s + 1)
    c = np.nonzero(ins.contract_site == s)[0]
    u = np.nonzero(ins.upgrade_site == s)[0]
    ks = [p.k for p in pieces]
    local = [int(np.nonzero(ins.tenant_sites[k] == s)[0][0]) for k in ks]
    return dataclasses.replace(
        ins,
        site_ids=ins.site_ids[one],
        **{f: getattr(ins, f)[one] for f in (
            "pue_mining", "pue_hpc", "interconnect_mw", "air_capacity_mw", "fleet_mw", "housed_mining_mw",
            "mining_mw_per_m2", "building_area_m2", "free_area_m2", "mining_rev_usd_per_mw", "conversion_cost_usd",
            "cp_usd_per_mw_period", "dr_usd_per_mw_period", "existing_halls", "existing_cdus", "site_price")},
        contract_site=np.zeros(len(c), dtype=int),
        contract_ids=[ins.contract_ids[i] for i in c],
        contract_mw=ins.contract_mw[c],
        contract_price=ins.contract_price[c],
        contract_top=ins.contract_top[c],
        upgrade_site=np.zeros(len(u), dtype=int),
        upgrade_ids=[ins.upgrade_ids[i] for i in u],
        upgrade_mw=ins.upgrade_mw[u],
        upgrade_capex_usd=ins.upgrade_capex_usd[u],
        upgrade_lead=ins.upgrade_lead[u],
        cloud_max_it_mw=cloud_mw,
        tenant_ids=[ins.tenant_ids[k] for k in ks],
        tenant_mw=np.array([p.mw for p in pieces], dtype=float),
        tenant_rack=ins.tenant_rack[ks],
        tenant_committed=np.array([p.committed for p in pieces], dtype=bool),
        tenant_pass_through=ins.tenant_pass_through[ks],
        tenant_max_sites=np.ones(len(ks), dtype=int),
        tenant_min_block_mw=np.zeros(len(ks)),
        tenant_sites=[np.zeros(1, dtype=int) for _ in ks],
        tenant_starts=[p.starts for p in pieces],
        tenant_term=ins.tenant_term[ks],
        lease_rev_usd_per_mw=[ins.lease_rev_usd_per_mw[k][j: j + 1] for k, j in zip(ks, local)],
        budget_usd_per_period=None,
        concentration_cap=None,
    )


def _solve_site(m: Model, s: int, pieces: list[Piece], cloud_mw: np.ndarray | None, run,
                options: SolveOptions) -> tuple[dict[str, float], dict[int, int | None], str] | None:
    """Step 3 for site s: its plan's values keyed by the whole model's names (integers
    rounded; its site, contract and upgrade rows and its pieces' leases), the start
    (None: unsigned) of each of its pieces and the solver's version; None when the site
    has no plan."""
    ins = m.inputs
    sub = build_model(site_inputs(ins, s, pieces, cloud_mw))
    result = run.solve(sub.prob, options)
    if not result.has_solution:
        logger.info("decomposition: site %s: %s (%s)", ins.site_ids[s], result.status.value, result.message)
        return None
    c = np.nonzero(ins.contract_site == s)[0]
    u = np.nonzero(ins.upgrade_site == s)[0]
    pairs = ([(m.v[f][s], sub.v[f][0]) for f in SITE_ROWS] + [(m.v[f][c], sub.v[f]) for f in CONTRACT_ROWS]
             + [(m.v["upgrade"][u], sub.v["upgrade"])]
             + [(m.leases[p.k][int(np.nonzero(ins.tenant_sites[p.k] == s)[0][0])], sub.leases[i][0])
                for i, p in enumerate(pieces)])
    out: dict[str, float] = {}
    for whole, part in pairs:
        for v, w in zip(whole.ravel(), part.ravel()):
            if v is None:
                continue
            x = result.values[w.name] if w is not None else (v.lowBound or 0.0)
            out[v.name] = float(round(x) if v.cat != pulp.LpContinuous else x)
    starts: dict[int, int | None] = {}
    for p, (start_vars, periods) in zip(pieces, sub.starts):
        chosen = values(start_vars, result.values)
        starts[p.k] = int(periods[int(np.argmax(chosen))]) if chosen.size and chosen.max() > 0.5 else None
    return out, starts, result.solver_version


def _tenant_values(m: Model, pieces: list[list[Piece]], signed: dict[int, int | None]) -> dict[str, float]:
    """The tenants' starts, site uses and blocks (a signed piece's MW at its site), as
    their sites chose them."""
    ins = m.inputs
    block_mw: dict[int, dict[int, float]] = {}
    for s, site_pieces in enumerate(pieces):
        for p in site_pieces:
            if signed.get(p.k) is not None:
                block_mw.setdefault(p.k, {})[s] = p.mw
    out: dict[str, float] = {}
    for k, (start_vars, periods) in enumerate(m.starts):
        for v, tau in zip(start_vars, periods):
            out[v.name] = float(signed.get(k) == tau)
        at = block_mw.get(k, {})
        for f, value in ((f"uses_{k}", lambda s: float(s in at)), (f"block_{k}", lambda s: at.get(s, 0.0))):
            for v, s in zip(m.v.get(f, ()), ins.tenant_sites[k]):
                out[v.name] = value(s)
    return out
