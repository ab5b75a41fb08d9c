"""Stage 4, solve: turn a model into a plan.

:mod:`~planner.solve.planning` plans a portfolio as one MILP (with the exact whole-rack step of
:mod:`~planner.solve.whole_racks`), :mod:`~planner.solve.decompose` by site for large portfolios;
:mod:`~planner.solve.run` runs the solver adapters of the top-level ``solvers`` package.
"""
