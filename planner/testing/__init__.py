"""Testing helpers for dcplan users and its own test suite.

Generated descriptors are plain data (dicts), exactly what a planning engineer writes in YAML,
with land as inline GeoJSON:

- :mod:`planner.testing.strategies`: hypothesis strategies that generate valid portfolio
  descriptors (catalogs, horizons, sites, tenant offers, finances, scenarios, portfolios); it
  re-exports the names below, so ``from planner.testing import strategies as S`` reaches them all;
- :mod:`planner.testing.catalogs`: the small inline catalog and the bundled one as data;
- :mod:`planner.testing.land`: land shapes in local metres and their GeoJSON, both ways;
- :mod:`planner.testing.capacity`: the capacity bookkeeping that commits a tenant offer only
  when a site can host it on its own;
- :mod:`planner.testing.transforms`: descriptor transformations for metamorphic properties
  (scale a site's power or land, reproject a parcel, rename ids, permute...);
- :mod:`planner.testing.synthetic`: deterministic builders (a site, a tenant, a seeded random
  portfolio) for example-based tests and benchmarks.

Importing the strategies (and the modules they use) needs the ``test`` extra (hypothesis).
"""

from __future__ import annotations

from typing import Any

Descriptor = dict[str, Any]
"""A descriptor, or a section of one, as plain data (what ``yaml.safe_load`` returns)."""

FINITE: dict[str, Any] = {"allow_nan": False, "allow_infinity": False}
"""Keyword arguments of ``hypothesis.strategies.floats`` for finite floats only."""
