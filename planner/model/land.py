"""Land: racks and CDUs fit in halls, halls fit on the parcel, mining keeps its buildings.

  hall_floor       sum_r a_r occupied[s,r,t] + sum_c a_c cdus[s,c,t] <= sum_h A_h halls[s,h,t]
  land_buildings   sum_{h conversion} A_h (halls[s,h,t] - existing) <= building area_s
  land_buildable   sum_{h new build} A_h (halls[s,h,t] - existing) <= buildable - building area_s
  mining_housing   mining[s,t] + rho_s sum_{h conversion} A_h (halls[s,h,t] - existing) <= housed MW_s
where a_r is racks' floor area per MW (with their aisle share), A_h a hall module's footprint, and
rho_s = housed mining MW / building area the density of the site's mining buildings.
"""

from __future__ import annotations

from planner.model.core import LE, Model, lin


def define_land(m: Model) -> None:
    ins = m.inputs
    cdus, halls, mining = m.v["cdus"], m.v["halls"], m.v["mining_mw"]
    conv = ins.hall_conversion
    existing = ins.existing_halls
    for s in range(ins.S):
        built_conv = float((ins.hall_m2[conv] * existing[s, conv]).sum())
        built_new = float((ins.hall_m2[~conv] * existing[s, ~conv]).sum())
        for tt in range(ins.T):
            m.add("hall_floor", lin(*m.it_terms(s, tt, ins.rack_m2_per_mw), (cdus[s, :, tt], ins.cdu_m2), (halls[s, :, tt], -ins.hall_m2)),
                  LE, 0.0, "hall floor area (m2)", site=s, period=tt)
            m.add("land_buildings", lin((halls[s, conv, tt], ins.hall_m2[conv])), LE,
                  ins.building_area_m2[s] + built_conv, "mining buildings (m2)", site=s, period=tt)
            m.add("land_buildable", lin((halls[s, ~conv, tt], ins.hall_m2[~conv])), LE,
                  ins.free_area_m2[s] + built_new, "buildable land (m2)", site=s, period=tt)
            m.add("mining_housing", lin((mining[s, tt], 1.0), (halls[s, conv, tt], ins.mining_mw_per_m2[s] * ins.hall_m2[conv])),
                  LE, ins.housed_mining_mw[s] + ins.mining_mw_per_m2[s] * built_conv, "mining buildings (MW)",
                  site=s, period=tt)
