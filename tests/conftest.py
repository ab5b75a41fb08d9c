"""Hypothesis profiles for the property-based tests.

- ``ci`` (the default): few examples per property, so that tests/test_properties.py runs
  in a few minutes on two cores; derandomized, so every CI run tries the same cases and a
  failure reproduces; no example database.
- ``dev``: 100 random examples per property, for a quick local hunt.
- ``thorough``: thousands of examples per property, random (not derandomized) and with the
  example database, for a long hunt: ``HYPOTHESIS_PROFILE=thorough pytest tests/test_properties.py``.

Both print the ``@reproduce_failure`` blob of a failing example; the property tests also
print the shrunk case as a portfolio YAML that ``dcplan plan`` runs (hypothesis ``note``).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

_SLOW_DRAWS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile(
    "ci",
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=_SLOW_DRAWS,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)
settings.register_profile(
    "dev",
    max_examples=100,
    deadline=None,
    print_blob=True,
    suppress_health_check=_SLOW_DRAWS,
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    print_blob=True,
    suppress_health_check=_SLOW_DRAWS,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
