"""Testing helpers for dcplan users and its own test suite.

:mod:`planner.testing.strategies` holds hypothesis strategies that generate valid portfolio
descriptors (plain dicts, with land as inline GeoJSON), and the descriptor transformations
the property-based tests apply to them (scale a site's power or land, reproject a parcel,
rename ids...). Importing it needs the ``test`` extra (hypothesis).
"""
