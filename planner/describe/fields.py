"""Building blocks of the descriptor models: the base model and the annotated quantity types.

:class:`Strict` forbids unknown keys and numbers that are not finite; each quantity type pairs
its lower bound with its ceiling from :data:`planner.describe.bounds.CEILINGS`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from planner.describe.bounds import CEILINGS as C

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Source = Annotated[str, Field(min_length=1, description="where the figure comes from, or 'estimate'")]
POSITIVE = Field(gt=0)
NON_NEGATIVE = Field(ge=0)
SiteMW = Annotated[float, POSITIVE, C["site_mw"]]
SiteMWOrZero = Annotated[float, NON_NEGATIVE, C["site_mw"]]
ItemUSD = Annotated[float, NON_NEGATIVE, C["item_usd"]]
ProjectUSD = Annotated[float, NON_NEGATIVE, C["project_usd"]]
LifeYears = Annotated[float, POSITIVE, C["life_years"]]
LeadTimeMonths = Annotated[int, NON_NEGATIVE, C["lead_time_months"]]
Pue = Annotated[float, Field(ge=1.0), C["pue"]]
Multiplier = Annotated[float, POSITIVE, C["multiplier"]]
OpexUSDPerMWYear = Annotated[float, NON_NEGATIVE, C["opex_usd_per_mw_year"]]
LeaseRate = Annotated[float, NON_NEGATIVE, C["lease_usd_per_kw_month"]]


class Strict(BaseModel):
    """Base: unknown keys rejected, assignments validated, every number finite."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False, allow_inf_nan=False)


def check_unique(ids: list[str], what: str) -> None:
    """ValueError naming the ids listed more than once in `what`."""
    seen: set[str] = set()
    dups = sorted({i for i in ids if i in seen or seen.add(i)})  # type: ignore[func-returns-value]
    if dups:
        raise ValueError(f"duplicate ids in {what}: {', '.join(dups)}")
