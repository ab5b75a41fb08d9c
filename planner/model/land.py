"""Land: racks and CDUs fit in halls, halls fit on the parcel, mining keeps its buildings.

  hall_floor       sum_r a_r it[s,r,t] + sum_c a_c cdus[s,c,t] <= sum_h A_h halls[s,h,t]
  land_buildings   sum_{h conversion} A_h halls[s,h,t] <= building area_s + A of converted halls existing
  land_buildable   sum_{h new build} A_h halls[s,h,t] <= free area_s + A of new-build halls existing
  mining_housing   mining[s,t] + rho_s sum_{h conversion} A_h (halls[s,h,t] - existing) <= housed MW_s
where a_r is racks' floor area per MW (with their aisle share), A_h a hall module's footprint and
rho_s = housed mining MW / building area the density of the site's mining buildings.
"""

from __future__ import annotations

import numpy as np

from planner.inputs import Inputs
from planner.model.algebra import LinExpr, P, Var
from planner.model.builder import ModelBuilder


def define_land(m: ModelBuilder, ins: Inputs, it: LinExpr, cdus: Var, halls: Var, mining: Var) -> None:
    """hall_floor, land_buildings, land_buildable and mining_housing (module docstring)."""
    hall, site = ins.hall, ins.site
    conv = hall.conversion
    existing = site.existing_halls
    built_conv = (hall.m2[conv] * existing[:, conv]).sum(axis=1)
    built_new = (hall.m2[~conv] * existing[:, ~conv]).sum(axis=1)
    floor = (it * P(ins.rack.m2_per_mw, "rack")).sum("rack") + (cdus * P(ins.cdu.m2, "cdu")).sum("cdu")
    m.constrain("hall_floor", floor - (halls * P(hall.m2, "hall")).sum("hall"), "<=", 0.0)
    converted = (halls * P(np.where(conv, hall.m2, 0.0), "hall")).sum("hall")
    m.constrain("land_buildings", converted, "<=", P(site.building_area_m2 + built_conv, "site"))
    m.constrain(
        "land_buildable",
        (halls * P(np.where(conv, 0.0, hall.m2), "hall")).sum("hall"),
        "<=",
        P(site.free_area_m2 + built_new, "site"),
    )
    rho = site.mining_mw_per_m2
    m.constrain(
        "mining_housing", mining + converted * P(rho, "site"), "<=", P(site.housed_mining_mw + rho * built_conv, "site")
    )
