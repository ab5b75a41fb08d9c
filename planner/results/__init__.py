"""Stage 5, results: the decisions of a solved model and everything recomputed from them.

:mod:`~planner.results.decisions` reads decisions from a solution; :mod:`~planner.results.cashflows`,
:mod:`~planner.results.kpis` and :mod:`~planner.results.tables` recompute money and tables from
the decisions and inputs alone; :mod:`~planner.results.validator` re-checks every limit;
:class:`~planner.results.outcome.Plan` holds them together.
"""

from planner.results import funding_checks as _funding_checks  # noqa: F401 (registers the funding checks)
from planner.results.decisions import Decisions, extract, whole_racks
from planner.results.outcome import Plan
from planner.results.validator import Violation, validate

__all__ = ["Decisions", "Plan", "Violation", "extract", "validate", "whole_racks"]
