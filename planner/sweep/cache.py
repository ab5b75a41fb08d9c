"""Scenario hashes and the result cache of a sweep's output folder.

A scenario's hash is ``sha256`` of the canonical JSON (sorted keys, no spaces, shortest
round-trip floats) of: the portfolio (its spec, catalog, site descriptors and each site's
land areas, rounded to 1e-3 m2 so that geometry libraries' last bits do not matter), the
factor values, the planning options (solver, gap, time limit) and the dcplan version.
Equal hashes mean the same plan would be computed, so a result found under its hash in
``<out>/cache/<hash>.json`` is not computed again: an interrupted sweep resumes where it stopped.

Each result is one small JSON file written atomically (a temporary file in the same folder,
flushed, then renamed over the target), so a sweep killed at any moment leaves only whole
results; a file that cannot be read is recomputed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner.describe.loading import Portfolio

logger = logging.getLogger(__name__)

CACHE_DIR = "cache"
AREA_DECIMALS = 3
CACHED_STATUSES = ("optimal", "feasible", "infeasible", "no_solution", "invalid")
"""Outcomes that a re-run would repeat; an `error` (a crash, a lost worker) is computed again."""


def canonical_json(data: Any) -> str:
    """JSON with sorted keys and no spaces: equal data, equal text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def portfolio_document(portfolio: Portfolio) -> dict[str, Any]:
    """What identifies a portfolio's plan: spec, catalog, site descriptors and land areas."""
    land = {
        sid: [
            round(g.parcel_area_m2, AREA_DECIMALS),
            round(g.buildable_area_m2, AREA_DECIMALS),
            round(g.building_area_m2, AREA_DECIMALS),
        ]
        for sid, g in portfolio.land.items()
    }
    return {
        "spec": portfolio.spec.model_dump(mode="json"),
        "catalog": portfolio.catalog.model_dump(mode="json"),
        "sites": [s.model_dump(mode="json") for s in portfolio.sites],
        "land_areas_m2": land,
    }


def portfolio_digest(portfolio: Portfolio) -> str:
    """sha256 (hex) of the portfolio's canonical JSON."""
    return hashlib.sha256(canonical_json(portfolio_document(portfolio)).encode()).hexdigest()


def scenario_hash(digest: str, values: Mapping[str, float], options: Mapping[str, Any], version: str) -> str:
    """sha256 (hex) of a portfolio digest, factor values, planning options and dcplan version."""
    doc = {"portfolio": digest, "factors": dict(values), "options": dict(options), "dcplan": version}
    return hashlib.sha256(canonical_json(doc).encode()).hexdigest()


class ResultCache:
    """One JSON file per scenario result, by hash, in ``<out>/cache``."""

    def __init__(self, out_dir: str | Path) -> None:
        self.folder = Path(out_dir) / CACHE_DIR

    def path(self, scenario_hash: str) -> Path:
        """The result file of a scenario hash."""
        return self.folder / f"{scenario_hash}.json"

    def get(self, scenario_hash: str) -> dict[str, Any] | None:
        """The cached result of a scenario, or None (absent, unreadable or not a repeatable outcome)."""
        path = self.path(scenario_hash)
        try:
            record = json.loads(path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            logger.warning("ignoring unreadable cached result %s (%s): computing it again", path, exc)
            return None
        if not isinstance(record, dict) or record.get("hash") != scenario_hash:
            logger.warning("ignoring cached result %s: not the result of this scenario", path)
            return None
        return record if record.get("status") in CACHED_STATUSES else None

    def put(self, record: Mapping[str, Any]) -> None:
        """Write a result atomically (skipped for outcomes a re-run would not repeat)."""
        if record.get("status") not in CACHED_STATUSES:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(record, sort_keys=True, indent=1, allow_nan=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path(str(record["hash"])))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def hashes(self) -> set[str]:
        """Hashes of the result files present (whether readable or not)."""
        if not self.folder.is_dir():
            return set()
        return {p.stem for p in self.folder.glob("*.json") if not p.name.startswith(".")}
