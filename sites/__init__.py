"""The bundled portfolios, site files and parcels, installed as the package ``planner.bundled``.

pyproject.toml maps this folder to ``planner.bundled`` (``package-dir``), so the data ship in
the wheel and :mod:`planner.describe.bundled` finds them after any install, editable or not.
"""
