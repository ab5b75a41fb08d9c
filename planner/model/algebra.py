"""Linear expressions over named dimensions, built whole from arrays.

A family of variables is a :class:`Var`: an int array of column indices over named
dimensions (-1 where a variable does not exist). A :class:`LinExpr` holds, for every cell of
its grid of dimensions, sum_i coef_i x_{var_i} + const, stored sparsely as three flat arrays
(row = the cell's flat index, var, coef) and a constant array. Every operation works on
those arrays at once (no Python loop over cells):

    a + b, a - b, -a      terms concatenated over the union of the dimensions (broadcast)
    a * P(c, "site rack")  each term scaled by c at its cell (broadcast)
    a.sum("rack")         cells merged along a dimension
    a.shift("period", k)  the value at t is a's at t - k (lag; nothing before the start)
    a.move("period", P)   each cell moved to the index P gives it (summed where several meet)
    a.group("tenant", "rack", labels)  cells re-indexed into another dimension (sum by label)
    a.where(mask)         terms and constant kept where the mask holds

Dimensions always appear in the canonical order DIM_ORDER, so alignment by name is a matter
of inserting axes. Parameters are :class:`Param` (values and their dimensions), made with
:func:`P`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DIM_ORDER = (
    "scenario",
    "operator",
    "facility",
    "counterparty",
    "market",
    "tenant",
    "site",
    "contract",
    "upgrade",
    "hall",
    "rack",
    "cdu",
    "start",
    "option",
    "cohort",
    "period",
)
Dims = tuple[str, ...]


def canonical(names: set[str] | Dims) -> Dims:
    """Dimensions in canonical order."""
    unknown = set(names) - set(DIM_ORDER)
    if unknown:
        raise ValueError(f"unknown dimension(s) {sorted(unknown)}")
    return tuple(d for d in DIM_ORDER if d in names)


@dataclass(frozen=True)
class Param:
    """A coefficient array over named dimensions (canonical order)."""

    values: np.ndarray
    dims: Dims

    def __post_init__(self) -> None:
        if canonical(self.dims) != self.dims:
            raise ValueError(f"dimensions {self.dims} are not in canonical order {canonical(self.dims)}")
        if np.ndim(self.values) != len(self.dims):
            raise ValueError(f"array of shape {np.shape(self.values)} for dimensions {self.dims}")

    def sizes(self) -> dict[str, int]:
        """Size of each dimension."""
        return dict(zip(self.dims, np.shape(self.values)))


def P(values: np.ndarray | float, dims: str = "") -> Param:
    """A parameter: `values` over the space-separated `dims` (in canonical order)."""
    return Param(np.asarray(values, dtype=float), tuple(dims.split()))


def _grid(dims: Dims, sizes: dict[str, int]) -> tuple[int, ...]:
    return tuple(sizes[d] for d in dims)


def _expand(values: np.ndarray, dims: Dims, to: Dims) -> np.ndarray:
    """`values` over `dims` with size-1 axes inserted for the dimensions of `to` it lacks."""
    shape = [np.shape(values)[dims.index(d)] if d in dims else 1 for d in to]
    order = [dims.index(d) for d in to if d in dims]
    return np.transpose(values, order).reshape(shape) if len(dims) else np.reshape(values, shape)


@dataclass(frozen=True)
class LinExpr:
    """sum of coef x var + const in every cell of a grid (see the module docstring).

    `const` has one axis per dimension, each of the grid's size or 1 (broadcast)."""

    dims: Dims
    shape: tuple[int, ...]
    row: np.ndarray
    var: np.ndarray
    coef: np.ndarray
    const: np.ndarray

    # ------------------------------------------------------------------ construction
    @staticmethod
    def constant(value: Param | float, sizes: dict[str, int] | None = None) -> LinExpr:
        """An expression without variables."""
        p = value if isinstance(value, Param) else P(value)
        shape = np.shape(p.values)
        empty = np.zeros(0, dtype=np.int64)
        return LinExpr(p.dims, tuple(shape), empty, empty, np.zeros(0), np.asarray(p.values, dtype=float))

    @property
    def sizes(self) -> dict[str, int]:
        """Size of each dimension of the grid."""
        return dict(zip(self.dims, self.shape))

    def coords(self) -> dict[str, np.ndarray]:
        """The cell coordinates of every term, by dimension."""
        if not self.dims:
            return {}
        return dict(zip(self.dims, np.unravel_index(self.row, self.shape)))

    def _with(
        self,
        dims: Dims,
        shape: tuple[int, ...],
        coords: dict[str, np.ndarray],
        keep: np.ndarray | None,
        const: np.ndarray,
        coef: np.ndarray | None = None,
    ) -> LinExpr:
        var, c = self.var, self.coef if coef is None else coef
        if keep is not None:
            var, c = var[keep], c[keep]
            coords = {d: x[keep] for d, x in coords.items()}
        row = (
            np.ravel_multi_index(tuple(coords[d] for d in dims), shape) if dims else np.zeros(len(var), dtype=np.int64)
        )
        return LinExpr(dims, shape, row.astype(np.int64), var, c, const)

    # ------------------------------------------------------------------ broadcasting
    def broadcast(self, dims: Dims, sizes: dict[str, int]) -> LinExpr:
        """This expression over the (larger) grid `dims`: terms repeated along the new dimensions."""
        dims = canonical(set(dims) | set(self.dims))
        if dims == self.dims:
            return self
        for d, n in self.sizes.items():
            if sizes[d] != n:
                raise ValueError(f"dimension {d}: size {n} against {sizes[d]}")
        shape = _grid(dims, sizes)
        added = [d for d in dims if d not in self.dims]
        m = int(np.prod([sizes[d] for d in added]))
        n = len(self.var)
        rep = np.repeat(np.arange(n), m)
        extra = dict(zip(added, np.unravel_index(np.tile(np.arange(m), n), [sizes[d] for d in added])))
        old = self.coords()
        coords = {d: (old[d][rep] if d in old else extra[d]) for d in dims}
        const = _expand(self.const, self.dims, dims)
        return LinExpr(dims, shape, np.zeros(0, dtype=np.int64), self.var[rep], self.coef[rep], const)._reindex(coords)

    def _reindex(self, coords: dict[str, np.ndarray]) -> LinExpr:
        row = (
            np.ravel_multi_index(tuple(coords[d] for d in self.dims), self.shape)
            if self.dims
            else np.zeros(len(self.var), dtype=np.int64)
        )
        return LinExpr(self.dims, self.shape, row.astype(np.int64), self.var, self.coef, self.const)

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other: LinExpr | Var | Param | float) -> LinExpr:
        other = as_expr(other)
        sizes = {**other.sizes, **self.sizes}
        dims = canonical(set(self.dims) | set(other.dims))
        a, b = self.broadcast(dims, sizes), other.broadcast(dims, sizes)
        const = _expand(a.const, dims, dims) + _expand(b.const, dims, dims)
        return LinExpr(
            dims,
            a.shape,
            np.concatenate([a.row, b.row]),
            np.concatenate([a.var, b.var]),
            np.concatenate([a.coef, b.coef]),
            const,
        )

    __radd__ = __add__

    def __neg__(self) -> LinExpr:
        return LinExpr(self.dims, self.shape, self.row, self.var, -self.coef, -self.const)

    def __sub__(self, other: LinExpr | Var | Param | float) -> LinExpr:
        return self + (-as_expr(other))

    def __rsub__(self, other: Param | float) -> LinExpr:
        return as_expr(other) - self

    def __mul__(self, other: Param | float) -> LinExpr:
        p = other if isinstance(other, Param) else P(other)
        dims = canonical(set(self.dims) | set(p.dims))
        e = self.broadcast(dims, {**p.sizes(), **self.sizes})
        coords = e.coords()
        factor = p.values[tuple(coords[d] for d in p.dims)] if p.dims else np.full(len(e.var), float(p.values))
        keep = factor != 0.0
        coef = e.coef * factor
        const = e.const * _expand(p.values, p.dims, dims)
        return LinExpr(dims, e.shape, e.row[keep], e.var[keep], coef[keep], const)

    __rmul__ = __mul__

    # ------------------------------------------------------------------ reshaping
    def sum(self, *dims: str) -> LinExpr:
        """Cells merged along `dims` (all dimensions when none is given)."""
        gone = set(dims or self.dims)
        keep = tuple(d for d in self.dims if d not in gone)
        shape = tuple(n for d, n in zip(self.dims, self.shape) if d in keep)
        const = self.const
        for axis in sorted((self.dims.index(d) for d in gone), reverse=True):
            n = self.shape[axis]
            const = const.sum(axis=axis) if const.shape[axis] == n else const.squeeze(axis) * n
        return self._with(keep, shape, self.coords(), None, np.asarray(const, dtype=float))

    def shift(self, dim: str, k: int) -> LinExpr:
        """The value at index i along `dim` is this expression's at i - k (0 where i - k is outside)."""
        n = self.sizes[dim]
        return self.move(dim, P(np.arange(n) + k, dim))

    def move(self, dim: str, to: Param) -> LinExpr:
        """Each cell moved along `dim` to index to[cell] (a Param over `dim` and maybe other
        dimensions); cells moved outside the grid are dropped, cells moved onto one index summed."""
        e = self.broadcast(to.dims, to.sizes())
        coords = e.coords()
        target = to.values[tuple(coords[d] for d in to.dims)].astype(int)
        coords[dim] = target
        keep = (target >= 0) & (target < e.sizes[dim])
        const = e.const
        if np.any(const != 0):
            const = _move_dense(np.broadcast_to(const, e.shape), e.dims, dim, to)
        return e._with(e.dims, e.shape, coords, keep, const)

    def group(self, dim: str, to: str, labels: np.ndarray, size: int) -> LinExpr:
        """Cells re-indexed from `dim` into `to` by labels[i] in [0, size) (cells summed per label;
        labels < 0 dropped)."""
        if to in self.dims:
            raise ValueError(f"group: {to} is already a dimension of the expression")
        if np.any(self.const != 0):
            raise ValueError("group: an expression with a constant")
        coords = self.coords()
        coords[to] = np.asarray(labels)[coords.pop(dim)]
        dims = canonical((set(self.dims) - {dim}) | {to})
        sizes = {**self.sizes, to: size}
        keep = coords[to] >= 0
        return self._with(dims, _grid(dims, sizes), coords, keep, np.zeros([1] * len(dims)))

    def where(self, mask: Param) -> LinExpr:
        """Terms and constant kept only in the cells where `mask` holds."""
        dims = canonical(set(self.dims) | set(mask.dims))
        e = self.broadcast(dims, {**mask.sizes(), **self.sizes})
        coords = e.coords()
        ok = (
            mask.values[tuple(coords[d] for d in mask.dims)] != 0
            if mask.dims
            else np.full(len(e.var), bool(mask.values))
        )
        const = e.const * (_expand(mask.values, mask.dims, dims) != 0)
        return LinExpr(dims, e.shape, e.row[ok], e.var[ok], e.coef[ok], const)

    # ------------------------------------------------------------------ values
    def dense_const(self) -> np.ndarray:
        """The constant in every cell."""
        return np.broadcast_to(self.const, self.shape).astype(float)

    def evaluate(self, x: np.ndarray) -> np.ndarray:
        """Value in every cell at the column values x."""
        size = int(np.prod(self.shape)) if self.dims else 1
        out = np.bincount(self.row, weights=self.coef * x[self.var], minlength=size)
        return out.reshape(self.shape) + self.dense_const()


def _move_dense(values: np.ndarray, dims: Dims, dim: str, to: Param) -> np.ndarray:
    """A dense array moved along `dim` as LinExpr.move moves cells."""
    axis = dims.index(dim)
    target = np.broadcast_to(_expand(to.values, to.dims, dims), values.shape).astype(int)
    out = np.zeros(values.shape)
    idx: list[np.ndarray] = list(np.indices(values.shape))
    idx[axis] = target
    ok = (target >= 0) & (target < values.shape[axis])
    np.add.at(out, tuple(i[ok] for i in idx), values[ok])
    return out


@dataclass(frozen=True)
class Var:
    """A family of variables: column indices over named dimensions (-1: no variable)."""

    name: str
    dims: Dims
    index: np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the grid of variables."""
        return tuple(self.index.shape)

    @property
    def exists(self) -> np.ndarray:
        """Where a variable exists."""
        return self.index >= 0

    def expr(self) -> LinExpr:
        """The variables as an expression (coefficient 1, no constant)."""
        flat = self.index.ravel()
        cells = np.flatnonzero(flat >= 0)
        return LinExpr(
            self.dims,
            self.shape,
            cells.astype(np.int64),
            flat[cells].astype(np.int64),
            np.ones(len(cells)),
            np.zeros([1] * len(self.dims)),
        )

    def value(self, x: np.ndarray) -> np.ndarray:
        """Values at the column values x (0 where no variable)."""
        return np.where(self.index >= 0, x[np.maximum(self.index, 0)], 0.0) if len(x) else np.zeros(self.shape)

    def columns(self) -> np.ndarray:
        """Column indices of the variables that exist."""
        return self.index[self.index >= 0]

    def __add__(self, other: LinExpr | Var | Param | float) -> LinExpr:
        return self.expr() + other

    __radd__ = __add__

    def __sub__(self, other: LinExpr | Var | Param | float) -> LinExpr:
        return self.expr() - other

    def __rsub__(self, other: Param | float) -> LinExpr:
        return as_expr(other) - self.expr()

    def __neg__(self) -> LinExpr:
        return -self.expr()

    def __mul__(self, other: Param | float) -> LinExpr:
        return self.expr() * other

    __rmul__ = __mul__

    def sum(self, *dims: str) -> LinExpr:
        """The variables summed along `dims` (all when none is given)."""
        return self.expr().sum(*dims)

    def shift(self, dim: str, k: int) -> LinExpr:
        """The variables lagged by k along `dim` (see LinExpr.shift)."""
        return self.expr().shift(dim, k)


def as_expr(x: LinExpr | Var | Param | float) -> LinExpr:
    """Any operand as an expression."""
    if isinstance(x, LinExpr):
        return x
    if isinstance(x, Var):
        return x.expr()
    return LinExpr.constant(x)
