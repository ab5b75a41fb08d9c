"""Stage 1, descriptors: what a planning engineer writes (YAML + geo files), validated.

:mod:`~planner.describe.descriptors` holds the pydantic models, :mod:`~planner.describe.loading`
reads files into a :class:`~planner.describe.portfolio.Portfolio` (YAML first with
:mod:`~planner.describe.yaml_reader`, then :mod:`~planner.describe.assembly` validates and
:mod:`~planner.describe.land_loading` reads each site's land), :mod:`~planner.describe.geometry`
resolves land, and :mod:`~planner.describe.errors` carries every problem as file, field, value
and reason.
"""
