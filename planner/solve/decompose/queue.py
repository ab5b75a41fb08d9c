"""Step 3 of the decomposition: every site solved as its own MILP, tenants re-offered on the way.

A whole tenant its site declines (optional) or cannot serve (committed) is offered to its next
eligible site (by LP block, else by merit order) until one signs it or none is left; a site
re-solved with an offer added can only gain (declining is its previous plan). Where a site
cannot serve the pieces of an optional split tenant, that tenant is dropped everywhere and the
sites that held it are solved again. A site whose LP integer decisions are integral and which
hosts no tenant keeps them without a solve.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable

import numpy as np

from planner.model import Model
from planner.solve.decompose import guide
from planner.solve.decompose.combine import DecompositionError
from planner.solve.decompose.pieces import Piece
from planner.solve.decompose.sites import site_integers, solve_site
from solvers import SolveOptions

logger = logging.getLogger(__name__)

SITE_MIN_S = 5.0
"""Least time limit of a site's MILP (the 1,000-site rung gave some 1 s, too short for a
site serving a committed tenant to find its first plan)."""


class SiteQueue:
    """The sites still to solve, the tenant pieces each serves, and the plans found."""

    def __init__(
        self,
        model: Model,
        pieces: list[list[Piece]],
        lp: np.ndarray | None,
        cloud: np.ndarray | None,
        run,
        options: Callable[[float, float], SolveOptions],
    ) -> None:
        ins = model.inputs
        self.model, self.pieces, self.lp, self.cloud, self.run, self.options = model, pieces, lp, cloud, run, options
        self.plans: dict[int, dict[int, float]] = {}  # site -> whole-model column -> value
        self.signed: dict[int, tuple[int, int] | None] = {}  # tenant -> (start, renewals) its site chose
        count = np.bincount([p.k for ps in pieces for p in ps], minlength=ins.tenant.K)
        self.offers = {
            p.k: deque(int(j) for j in ins.tenant.sites(p.k)[guide.site_rank(model, p.k, lp)] if j != s)
            for s, ps in enumerate(pieces)
            for p in ps
            if count[p.k] == 1
        }  # whole tenants' next sites
        self.leased = np.zeros(ins.S, dtype=bool)
        if lp is not None:
            self.leased = (model.leases.lease.value(lp).max(axis=2, initial=0.0) > 1e-9).any(axis=0)
        self.queue = deque(range(ins.S))
        self.solved, self.version = 0, "unknown"

    def run_all(self) -> dict[int, float]:
        """Solve every site; the union of the sites' plans (whole-model column -> value)."""
        while self.queue:
            s = self.queue.popleft()
            if self._keeps_lp(s):
                continue
            self.solved += 1
            cap = None if self.cloud is None else self.cloud[s]
            site = solve_site(
                self.model,
                s,
                self.pieces[s],
                cap,
                self.run,
                self.options(1.0 / max(1, len(self.queue) + 1), SITE_MIN_S),
            )
            if site is None:
                self._cannot_serve(s)
                continue
            self.plans[s], starts, self.version = site
            self.signed.update(starts)
            for p in [p for p in self.pieces[s] if not p.committed and starts[p.k] is None and self.offers.get(p.k)]:
                self._move(p, s, self.offers[p.k].popleft())
        return {j: v for plan in self.plans.values() for j, v in plan.items()}

    def _keeps_lp(self, s: int) -> bool:
        """A site without tenants whose LP integers are integral keeps them."""
        if self.lp is None or self.pieces[s] or self.leased[s]:
            return False
        cols = site_integers(self.model, s)
        values = self.lp[cols]
        if not np.allclose(values, np.rint(values), atol=1e-6):
            return False
        self.plans[s] = dict(zip(cols.tolist(), np.rint(values).tolist()))
        return True

    def _cannot_serve(self, s: int) -> None:
        """Site s has no plan: re-offer its committed whole tenants, or drop optional split ones."""
        ins = self.model.inputs
        moved = [p for p in self.pieces[s] if p.committed and self.offers.get(p.k)]
        for p in moved:
            self._move(p, s, self.offers[p.k].popleft())
        if moved:
            logger.info(
                "decomposition: site %s cannot serve %s: offered to the next eligible site",
                ins.site.ids[s],
                ", ".join(ins.tenant.ids[p.k] for p in moved),
            )
            self.queue.appendleft(s)
            return
        drop = {p.k for p in self.pieces[s] if p.committed and not ins.tenant.committed[p.k]}
        if not drop:
            who = ", ".join(f"{ins.tenant.ids[p.k]} ({p.mw:g} MW)" for p in self.pieces[s]) or "no tenant"
            raise DecompositionError(f"site {ins.site.ids[s]}: no plan serving {who}")
        logger.info(
            "decomposition: site %s cannot serve %s: dropped",
            ins.site.ids[s],
            ", ".join(ins.tenant.ids[k] for k in drop),
        )
        again = {j for j, ps in enumerate(self.pieces) for p in ps if p.k in drop and j != s}
        for j in range(ins.S):
            self.pieces[j] = [p for p in self.pieces[j] if p.k not in drop]
        self.signed.update(dict.fromkeys(drop))
        self.queue.extendleft(sorted(again - set(self.queue), reverse=True))
        self.queue.appendleft(s)

    def _move(self, p: Piece, s: int, to: int) -> None:
        """Offer whole tenant piece p to site `to` instead of site s (queued for a solve)."""
        self.pieces[s].remove(p)
        self.pieces[to].append(p)
        if to not in self.queue:
            self.queue.append(to)
