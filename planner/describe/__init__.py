"""Stage 1, descriptors: what a planning engineer writes (YAML + geo files), validated.

:mod:`~planner.describe.descriptors` holds the pydantic models, :mod:`~planner.describe.loading`
reads files into a :class:`~planner.describe.loading.Portfolio`, :mod:`~planner.describe.geometry`
resolves land, and :mod:`~planner.describe.errors` carries every problem as file, field, value
and reason.
"""
