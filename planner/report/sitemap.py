"""A parcel map per site: parcel, setback, exclusions, buildings and the plan's new hall modules.

The halls drawn are those the plan adds by the end of the horizon (the procurement frame's
``hall`` rows), placed by :mod:`planner.report.layout`; halls in service at the start are
not in the land file (the model does not count them against the mining buildings) and are
only counted in the caption, as are halls that do not fit as rectangles.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from planner.report.figures import caption
from planner.report.layout import HallRequest, SiteLayout, place_halls
from planner.report.svg import MapLayer, legend_html, parcel_map

STYLE = {  # layer -> (fill colour, outline colour, hatched)
    "parcel": ("#EEF3E6", "#5B7F3A", False),
    "setback": ("#B9C7A6", "none", True),
    "exclusion": ("#D9544F", "#A93226", True),
    "building": ("#B0B0B0", "#6E6E6E", False),
    "conversion": ("#0072B2", "#FFFFFF", False),
    "new_build": ("#E67E22", "#FFFFFF", False),
}
LABELS = {
    "parcel": "parcel",
    "setback": "setback",
    "setback+exclusions": "setback and exclusions (not buildable)",
    "exclusion": "exclusion zone",
    "building": "mining building",
    "conversion": "hall module, conversion (in a mining building)",
    "new_build": "hall module, new build",
}


def hall_requests(procurement: pd.DataFrame, site_id: str, modules: dict[str, Any]) -> tuple[list[HallRequest], int]:
    """Halls the plan adds at ``site_id`` by catalog module, and how many rows name a module
    the catalog lacks (not drawn)."""
    need = {"kind", "item", "site_id", "quantity"}
    if not need <= set(procurement.columns):
        return [], 0
    rows = procurement[(procurement["kind"] == "hall") & (procurement["site_id"].astype(str) == site_id)]
    counts = rows.groupby(rows["item"].astype(str))["quantity"].sum()
    out, unknown = [], 0
    for hall_id, qty in counts.items():
        module = modules.get(str(hall_id))
        if module is None:
            unknown += int(round(qty))
            continue
        out.append(HallRequest(str(hall_id), str(module.kind), float(module.footprint_m2), int(round(qty))))
    out.sort(key=lambda r: (r.kind != "conversion", r.hall_id))
    return out, unknown


def map_layers(land: Any, layout: SiteLayout) -> list[MapLayer]:
    """Layers in drawing order; the setback is parcel - buildable - exclusions."""
    exclusions = tuple(getattr(land, "exclusions", ()) or ())
    zone = land.parcel.difference(land.buildable)
    setback_key = "setback+exclusions"
    if exclusions:
        zone, setback_key = zone.difference(shapely.union_all(list(exclusions))), "setback"
    layers = [
        ("parcel", LABELS["parcel"], [land.parcel]),
        ("setback", LABELS[setback_key], [zone]),
        ("exclusion", LABELS["exclusion"], list(exclusions)),
        ("building", LABELS["building"], list(land.buildings)),
    ]
    for kind in ("conversion", "new_build"):
        layers.append((kind, LABELS[kind], [h.polygon for h in layout.placed if h.kind == kind]))
    out = []
    for style, label, geoms in layers:
        fill, stroke, hatched = STYLE[style]
        out.append(MapLayer(label, [g for g in geoms if not g.is_empty], fill, stroke, hatched))
    return out


def map_caption(site: Any, land: Any, layout: SiteLayout, unknown: int) -> str:
    """What the map shows, in numbers, and what it could not draw and why."""
    ha = lambda m2: f"{m2 / 1e4:,.1f} ha"  # noqa: E731
    parts = [
        f"Parcel {ha(land.parcel_area_m2)}, buildable {ha(land.buildable_area_m2)} "
        f"(setback {site.land.setback_m:g} m), mining buildings {ha(land.building_area_m2)}."
    ]
    for req in layout.requests:
        where = "in the mining buildings" if req.kind == "conversion" else "on buildable land outside the buildings"
        parts.append(
            f"{layout.placed_count(req.hall_id)} of the {req.count} {req.hall_id} hall module(s) the plan adds "
            f"({req.footprint_m2:,.0f} m² each) drawn {where}."
        )
    for hall_id, left in layout.unplaced().items():
        parts.append(
            f"{left} {hall_id} hall module(s) do not fit as whole rectangles and are not drawn: "
            "the plan counts land by area, not by shape."
        )
    if not layout.requests:
        parts.append("The plan adds no hall modules here.")
    existing = sum(site.existing_halls.values())
    if existing:
        parts.append(
            f"{existing} hall module(s) in service at the start are not located in the land file and are not drawn."
        )
    if unknown:
        parts.append(f"{unknown} hall(s) of a module not in the catalog are not drawn.")
    return " ".join(parts)


def _uid(site_id: str) -> str:
    return "map-" + re.sub(r"[^a-z0-9-]+", "-", site_id.lower())


def site_map_figure(site: Any, land: Any, procurement: pd.DataFrame, modules: dict[str, Any]) -> str:
    """A ``<figure>``: the site's parcel map, its legend and caption."""
    requests, unknown = hall_requests(procurement, site.id, modules)
    layout = place_halls(land.parcel, land.buildable, land.buildings, requests)
    layers = map_layers(land, layout)
    view: BaseGeometry = land.parcel
    svg = parcel_map(view, layers, _uid(site.id), f"parcel map of {site.name}")
    key = legend_html(
        (layer.label, layer.colour, "hatched" if layer.hatched else "") for layer in layers if layer.geoms
    )
    title = f"{site.name} ({site.id}), {site.operator}, {site.grid}"
    return (
        f'<figure class="map-fig" id="{_uid(site.id)}"><h3>{escape(title)}</h3>{svg}{key}'
        f"{caption(map_caption(site, land, layout, unknown))}</figure>"
    )
