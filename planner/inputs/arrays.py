"""Typed groups of arrays with named dimensions.

Each group is a frozen dataclass whose array fields declare their dimensions with
:func:`dims` (``fleet_mw: np.ndarray = dims("site")``). The declaration is checked when a
group is made (every array has the declared number of axes, and every axis of a named
dimension has that dimension's size), and it is what selection reads: selecting sites is
one call, :func:`select`, that slices every array along every ``site`` axis, and re-indexes
the groups whose rows belong to a site (contracts, upgrades: a :func:`ref` field), so a new
field can never be missed.

Dimensions: site, period, rack, hall, cdu, contract, upgrade, tenant, start (a tenant's
candidate start period, see planner.inputs.tenants).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import numpy as np

G = TypeVar("G", bound="ArrayGroup")


def dims(*names: str, doc: str = "") -> Any:
    """A dataclass field holding an array over the named dimensions (in this order)."""
    return field(metadata={"dims": names, "doc": doc})


def ref(dim: str, doc: str = "") -> Any:
    """An int array over this group's own dimension giving, per row, an index into `dim`
    (e.g. the site of each contract); selecting along `dim` keeps and re-numbers rows."""
    return field(metadata={"ref": dim, "dims": None, "doc": doc})


@dataclass(frozen=True)
class ArrayGroup:
    """Base of the input groups: labels along its own dimension `DIM` plus declared arrays."""

    DIM: ClassVar[str | None] = None

    def array_fields(self) -> list[tuple[str, tuple[str, ...]]]:
        """(name, dims) of every array field declared with dims()."""
        return [(f.name, f.metadata["dims"]) for f in dataclasses.fields(self) if f.metadata.get("dims")]

    def ref_fields(self) -> list[tuple[str, str]]:
        """(name, referenced dimension) of every ref() field."""
        return [(f.name, f.metadata["ref"]) for f in dataclasses.fields(self) if "ref" in f.metadata]

    def check(self, sizes: dict[str, int]) -> None:
        """Every declared array has the declared axes and the sizes of its dimensions."""
        for name, names in self.array_fields():
            arr = getattr(self, name)
            if arr is None:
                continue
            want = tuple(sizes[d] for d in names)
            if np.shape(arr) != want:
                raise ValueError(f"{type(self).__name__}.{name}: shape {np.shape(arr)}, dims {names} need {want}")


def select(group: G, dim: str, index: np.ndarray) -> G:
    """`group` with every array sliced along every axis named `dim` by `index`; when `dim` is
    the group's own dimension, its id lists too."""
    changes: dict[str, Any] = {}
    for name, names in group.array_fields():
        arr = getattr(group, name)
        if arr is None or dim not in names:
            continue
        for axis, d in enumerate(names):
            if d == dim:
                arr = np.take(arr, index, axis=axis)
        changes[name] = arr
    if group.DIM == dim:
        for f in dataclasses.fields(group):
            if f.metadata.get("labels"):
                changes[f.name] = [getattr(group, f.name)[i] for i in index]
        for name, _ in group.ref_fields():
            changes[name] = np.take(getattr(group, name), index)
    return dataclasses.replace(group, **changes)


def renumber(group: G, dim: str, index: np.ndarray) -> G:
    """Rows of `group` whose ref into `dim` is in `index`, refs re-numbered to positions in it."""
    ((name, _),) = [(n, d) for n, d in group.ref_fields() if d == dim]
    refs = getattr(group, name)
    new_of = np.full(max(int(refs.max(initial=-1)), int(np.max(index, initial=-1))) + 1, -1)
    new_of[index] = np.arange(len(index))
    rows = np.flatnonzero(new_of[refs] >= 0) if len(refs) else np.zeros(0, dtype=int)
    assert group.DIM is not None, f"{type(group).__name__} has no dimension of its own"
    out = select(group, group.DIM, rows)
    return dataclasses.replace(out, **{name: new_of[refs[rows]]})


def labels(doc: str = "") -> Any:
    """A list of ids along the group's own dimension."""
    return field(metadata={"labels": True, "doc": doc})
