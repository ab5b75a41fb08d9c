"""The model under construction: columns, constraint rows by family, and the finished arrays.

:meth:`ModelBuilder.var` adds a family of variables over named dimensions;
:meth:`ModelBuilder.constrain` adds the rows of one constraint family, built whole from a
:class:`~planner.model.algebra.LinExpr` (every cell with a term is a row; an empty cell that
could not hold is kept, so that the solver says infeasible rather than the builder hiding
it). Every family must be in the registry (planner.model.registry) with the dimensions it is
built over; rows are named ``family[site=...,period=...]`` with every dimension. In an
elastic model (diagnosis), the rows of the families given get penalised slack columns.
:meth:`ModelBuilder.problem` returns the :class:`~solvers.problem.MatrixProblem`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from planner.model.algebra import Dims, LinExpr, Param, Var, as_expr, canonical
from planner.model.registry import FAMILIES
from solvers.problem import MatrixProblem, csr

SENSES = ("<=", ">=", "==")


@dataclass(frozen=True)
class RowBlock:
    """The rows of one family: which cells of its grid became rows, from row `first` on."""

    family: str
    dims: Dims
    shape: tuple[int, ...]
    cells: np.ndarray
    first: int

    def coords(self, i: int) -> dict[str, int]:
        """Cell coordinates of the block's i-th row."""
        return dict(zip(self.dims, (int(c) for c in np.unravel_index(self.cells[i], self.shape)))) if self.dims else {}


@dataclass
class Slacks:
    """Slack columns of an elastic model: for each, its row and penalty per unit."""

    column: list[np.ndarray] = field(default_factory=list)
    row: list[np.ndarray] = field(default_factory=list)
    penalty: list[np.ndarray] = field(default_factory=list)
    scale: list[np.ndarray] = field(default_factory=list)


class ModelBuilder:
    """Columns and rows of one model over the dimensions `sizes` labelled by `labels`."""

    def __init__(
        self,
        name: str,
        sizes: dict[str, int],
        labels: dict[str, list[str]],
        elastic: dict[str, float] | None = None,
        slack_scale: dict[str, float] | None = None,
    ) -> None:
        self.name = name
        self.sizes = sizes
        self.labels = labels
        self.elastic = elastic
        self.slack_scale = slack_scale or {}
        self.vars: list[Var] = []
        self.blocks: list[RowBlock] = []
        self.slacks = Slacks()
        self._lower: list[np.ndarray] = []
        self._upper: list[np.ndarray] = []
        self._integer: list[np.ndarray] = []
        self._entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._row_lower: list[np.ndarray] = []
        self._row_upper: list[np.ndarray] = []
        self.num_cols = 0
        self.num_rows = 0

    # ------------------------------------------------------------------ columns
    def var(
        self,
        name: str,
        dims: str,
        lower: Param | float = 0.0,
        upper: Param | float | None = None,
        integer: bool = False,
        where: Param | np.ndarray | None = None,
    ) -> Var:
        """A family of variables over `dims` with bounds (broadcast), existing where `where` holds."""
        names = canonical(tuple(dims.split()))
        shape = tuple(self.sizes[d] for d in names)
        exists = (
            np.ones(shape, dtype=bool) if where is None else np.broadcast_to(_dense(where, names, shape) != 0, shape)
        )
        n = int(exists.sum())
        index = np.full(shape, -1, dtype=np.int64)
        index[exists] = np.arange(self.num_cols, self.num_cols + n)
        lo = np.broadcast_to(_dense(lower, names, shape), shape)[exists]
        up = np.full(n, np.inf) if upper is None else np.broadcast_to(_dense(upper, names, shape), shape)[exists]
        self._lower.append(lo.astype(float))
        self._upper.append(np.maximum(up, lo).astype(float))
        self._integer.append(np.full(n, integer))
        self.num_cols += n
        v = Var(name, names, index)
        self.vars.append(v)
        return v

    # ------------------------------------------------------------------ rows
    def constrain(
        self,
        family: str,
        lhs: LinExpr | Var,
        sense: str,
        rhs: LinExpr | Param | float = 0.0,
        where: Param | np.ndarray | None = None,
    ) -> RowBlock:
        """Rows `lhs sense rhs` of a registered family, one per cell of its grid (see the module docstring)."""
        info = FAMILIES.get(family)
        if info is None:
            raise KeyError(f"constraint family {family!r} is not in the registry")
        if sense not in SENSES:
            raise ValueError(f"sense must be one of {SENSES}, not {sense!r}")
        expr = as_expr(lhs) - as_expr(rhs)
        expr = expr.broadcast(info.dims, self.sizes)
        if expr.dims != info.dims:
            raise ValueError(f"family {family}: built over {expr.dims}, registered over {info.dims}")
        bound = -expr.dense_const().ravel()
        size = bound.size
        has_term = np.zeros(size, dtype=bool)
        has_term[expr.row] = True
        lower = bound if sense in (">=", "==") else np.full(size, -np.inf)
        upper = bound if sense in ("<=", "==") else np.full(size, np.inf)
        emit = has_term | ~((lower <= 0) & (0 <= upper))
        if where is not None:
            emit &= np.broadcast_to(_dense(where, expr.dims, expr.shape) != 0, expr.shape).ravel()
        cells = np.flatnonzero(emit)
        row_of = np.full(size, -1, dtype=np.int64)
        row_of[cells] = np.arange(self.num_rows, self.num_rows + len(cells))
        keep = row_of[expr.row] >= 0
        self._entries.append((row_of[expr.row[keep]], expr.var[keep], expr.coef[keep]))
        self._row_lower.append(lower[cells].astype(float))
        self._row_upper.append(upper[cells].astype(float))
        block = RowBlock(family, expr.dims, expr.shape, cells, self.num_rows)
        self.blocks.append(block)
        self.num_rows += len(cells)
        if self.elastic is not None and family in self.elastic:
            self._add_slack(family, sense, row_of[cells])
        return block

    def _add_slack(self, family: str, sense: str, rows: np.ndarray) -> None:
        """Penalised slack on `rows`: -k s for <=, +k s for >=, +k (s+ - s-) for ==, with k the
        family's slack scale (units of the row per unit of slack) and penalty w k per slack unit."""
        weight = self.elastic[family]  # type: ignore[index]
        scale = self.slack_scale.get(family, 1.0)
        signs = {"<=": (-1.0,), ">=": (1.0,), "==": (1.0, -1.0)}[sense]
        for sign in signs:
            n = len(rows)
            cols = np.arange(self.num_cols, self.num_cols + n)
            self._lower.append(np.zeros(n))
            self._upper.append(np.full(n, np.inf))
            self._integer.append(np.zeros(n, dtype=bool))
            self.num_cols += n
            self._entries.append((rows, cols, np.full(n, sign * scale)))
            self.slacks.column.append(cols)
            self.slacks.row.append(rows)
            self.slacks.penalty.append(np.full(n, weight * scale))
            self.slacks.scale.append(np.full(n, scale))

    # ------------------------------------------------------------------ the arrays
    def cost_vector(self, objective: LinExpr) -> tuple[np.ndarray, float]:
        """(c, offset) of a scalar objective expression."""
        e = objective.sum()
        c = np.bincount(e.var, weights=e.coef, minlength=self.num_cols) if len(e.var) else np.zeros(self.num_cols)
        return c, float(e.dense_const())

    def problem(self, objective: LinExpr, maximize: bool = True) -> MatrixProblem:
        """The finished MILP."""
        cost, offset = self.cost_vector(objective)
        if self.elastic is not None:  # diagnosis: minimise the penalised slack instead
            cost = np.zeros(self.num_cols)
            if self.slacks.column:
                cost[np.concatenate(self.slacks.column)] = -np.concatenate(self.slacks.penalty)
            offset = 0.0
        rows, cols, vals = (
            (np.concatenate(x) if self._entries else np.zeros(0) for x in zip(*self._entries))
            if self._entries
            else (np.zeros(0, dtype=np.int64),) * 2 + (np.zeros(0),)
        )
        starts, index, value = csr(rows.astype(np.int64), cols.astype(np.int64), vals.astype(float), self.num_rows)
        cat = lambda parts, empty: np.concatenate(parts) if parts else empty  # noqa: E731
        return MatrixProblem(
            name=self.name,
            maximize=maximize,
            cost=cost,
            offset=offset,
            col_lower=cat(self._lower, np.zeros(0)),
            col_upper=cat(self._upper, np.zeros(0)),
            integer=cat(self._integer, np.zeros(0, dtype=bool)),
            row_lower=cat(self._row_lower, np.zeros(0)),
            row_upper=cat(self._row_upper, np.zeros(0)),
            starts=starts,
            index=index,
            value=value,
            col_names=self.column_names,
            row_names=self.row_names,
        )

    # ------------------------------------------------------------------ names
    def _cell_name(self, dims: Dims, shape: tuple[int, ...], cells: np.ndarray) -> list[str]:
        if not dims:
            return [""] * len(cells)
        coords = np.unravel_index(cells, shape)
        parts = [[f"{d}={self.labels[d][i]}" for i in c] for d, c in zip(dims, coords)]
        return ["[" + ",".join(p) + "]" for p in zip(*parts)]

    def column_names(self) -> list[str]:
        """A name per column: ``family[dim=label,...]`` (slacks: ``slack_<row>``)."""
        names = [""] * self.num_cols
        for v in self.vars:
            flat = v.index.ravel()
            cells = np.flatnonzero(flat >= 0)
            for j, label in zip(flat[cells], self._cell_name(v.dims, v.shape, cells)):
                names[j] = v.name + label
        for cols, rows in zip(self.slacks.column, self.slacks.row):
            for j, r in zip(cols, rows):
                names[j] = f"slack_{j}_row{r}"
        return names

    def row_names(self) -> list[str]:
        """A name per row: ``family[dim=label,...]`` with every dimension of the family."""
        out: list[str] = []
        for b in self.blocks:
            out += [b.family + label for label in self._cell_name(b.dims, b.shape, b.cells)]
        return out

    def block_of(self, row: int) -> tuple[RowBlock, int]:
        """The family block holding `row`, and the row's position in it."""
        firsts = [b.first for b in self.blocks]
        b = self.blocks[int(np.searchsorted(firsts, row, side="right")) - 1]
        return b, row - b.first


def _dense(value: Param | np.ndarray | float, dims: Dims, shape: tuple[int, ...]) -> np.ndarray:
    """A bound, mask or parameter as an array broadcastable to the grid `dims`."""
    if isinstance(value, Param):
        order = [value.dims.index(d) for d in dims if d in value.dims]
        arr = np.transpose(value.values, order) if value.dims else value.values
        return np.reshape(arr, [shape[i] if d in value.dims else 1 for i, d in enumerate(dims)])
    return np.asarray(value)
