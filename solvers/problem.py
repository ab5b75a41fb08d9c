"""A mixed-integer linear program as arrays: what every adapter solves.

    max (or min)  c'x + offset
    s.t.          row_lower <= A x <= row_upper
                  col_lower <= x <= col_upper,   x_j integer for j in `integer`

A is kept row-wise (CSR: ``starts[i]:starts[i+1]`` are row i's entries in ``index`` and
``value``), as dcplan's constraint families produce it. HiGHS takes these arrays in one
``passModel`` call; CBC, LP export and users who want PuLP get a ``pulp.LpProblem`` built
from the same arrays (:func:`to_pulp`); a PuLP problem made by hand comes in through
:func:`from_pulp`. Names are produced only when asked for (an LP file, PuLP, a warm start
by name): the 1,000-site portfolio has 780k columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pulp

INF = np.inf
NameList = Callable[[], list[str]]


@dataclass
class MatrixProblem:
    """A MILP in CSR form (see the module docstring); `col_names` / `row_names` are lazy."""

    name: str
    maximize: bool
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    starts: np.ndarray
    index: np.ndarray
    value: np.ndarray
    offset: float = 0.0
    col_names: NameList = field(default=lambda: [], repr=False)
    row_names: NameList = field(default=lambda: [], repr=False)

    def __post_init__(self) -> None:
        n, m = len(self.cost), len(self.row_lower)
        for label, arr, size in (
            ("col_lower", self.col_lower, n),
            ("col_upper", self.col_upper, n),
            ("integer", self.integer, n),
            ("row_upper", self.row_upper, m),
            ("starts", self.starts, m + 1),
        ):
            if len(arr) != size:
                raise ValueError(f"{self.name}: {label} has {len(arr)} entries, expected {size}")
        if len(self.index) != len(self.value) or (m and self.starts[-1] != len(self.index)):
            raise ValueError(f"{self.name}: CSR arrays disagree ({len(self.index)} indices, {len(self.value)} values)")

    @property
    def num_cols(self) -> int:
        """Number of columns (variables)."""
        return len(self.cost)

    @property
    def num_rows(self) -> int:
        """Number of rows (constraints)."""
        return len(self.row_lower)

    @property
    def num_nonzeros(self) -> int:
        """Number of nonzeros of A."""
        return len(self.index)

    @property
    def is_mip(self) -> bool:
        """Whether some column is integer."""
        return bool(self.integer.any())

    def objective_at(self, x: np.ndarray) -> float:
        """c'x + offset."""
        return float(self.cost @ x + self.offset)

    def activity(self, x: np.ndarray) -> np.ndarray:
        """A x, row by row."""
        rows = np.repeat(np.arange(self.num_rows), np.diff(self.starts))
        return np.bincount(rows, weights=self.value * x[self.index], minlength=self.num_rows)

    def relaxed(self) -> MatrixProblem:
        """The same problem with every integrality dropped (the LP relaxation)."""
        return _replace(self, integer=np.zeros(self.num_cols, dtype=bool))

    def with_integer(self, columns: np.ndarray) -> MatrixProblem:
        """The same problem with `columns` integer as well (a relaxation made exact)."""
        integer = self.integer.copy()
        integer[np.asarray(columns, dtype=int)] = True
        return _replace(self, integer=integer)

    def restricted(self, free: np.ndarray, x: np.ndarray) -> MatrixProblem:
        """The problem in the columns `free` alone, every other column held at its value in x:
        the rows that touch a free column, their bounds less the held columns' activity, and
        the objective of the free columns plus that of the held ones as its constant."""
        free = np.asarray(free, dtype=int)
        is_free = np.zeros(self.num_cols, dtype=bool)
        is_free[free] = True
        rows = np.repeat(np.arange(self.num_rows), np.diff(self.starts))
        held_x = np.where(is_free, 0.0, x)
        held = np.bincount(rows, weights=self.value * held_x[self.index], minlength=self.num_rows)
        keep = np.zeros(self.num_rows, dtype=bool)
        keep[rows[is_free[self.index]]] = True
        new_col = np.full(self.num_cols, -1)
        new_col[free] = np.arange(len(free))
        nz = keep[rows] & is_free[self.index]
        new_row = np.cumsum(keep) - 1
        starts, index, value = csr(new_row[rows[nz]], new_col[self.index[nz]], self.value[nz], int(keep.sum()))
        return MatrixProblem(
            name=f"{self.name}_restricted",
            maximize=self.maximize,
            cost=self.cost[free],
            col_lower=self.col_lower[free],
            col_upper=self.col_upper[free],
            integer=self.integer[free],
            row_lower=self.row_lower[keep] - held[keep],
            row_upper=self.row_upper[keep] - held[keep],
            starts=starts,
            index=index,
            value=value,
            offset=self.offset + float(self.cost @ held_x),
        )

    def with_bounds(self, lower: np.ndarray, upper: np.ndarray) -> MatrixProblem:
        """The same problem with other column bounds (e.g. integers fixed)."""
        return _replace(self, col_lower=lower, col_upper=upper)


def _replace(p: MatrixProblem, **changes) -> MatrixProblem:
    fields = {k: getattr(p, k) for k in p.__dataclass_fields__}
    fields.update(changes)
    return MatrixProblem(**fields)


def csr(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, num_rows: int) -> tuple[np.ndarray, ...]:
    """(starts, index, value) of a row-wise matrix from COO triplets; duplicates summed,
    explicit zeros dropped, columns sorted within each row."""
    order = np.lexsort((cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    if len(rows):
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        groups = np.flatnonzero(first)
        vals = np.add.reduceat(vals, groups)
        rows, cols = rows[groups], cols[groups]
        keep = vals != 0.0
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
    starts = np.zeros(num_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=num_rows), out=starts[1:])
    return starts, cols.astype(np.int32), vals.astype(np.float64)


# --------------------------------------------------------------------------- PuLP


def from_pulp(prob: pulp.LpProblem) -> tuple[MatrixProblem, list[pulp.LpVariable], list[pulp.LpConstraint]]:
    """A PuLP problem as arrays, with its columns (the variables a solver sees) and rows."""
    prob.checkDuplicateVars()  # values are keyed by name
    exported = getattr(prob, "exported_variables", None)  # PuLP 4: variables() lists unused ones too
    cols = list(exported() if exported is not None else prob.variables())
    rows = list(prob.constraints.values()) if isinstance(prob.constraints, dict) else list(prob.constraints())
    key = _var_key(cols)
    col_of = {key(v): j for j, v in enumerate(cols)}
    cost = np.zeros(len(cols))
    objective = prob.objective
    if objective is not None:
        for v, a in objective.items():
            cost[col_of[key(v)]] += a
    r_idx, c_idx, vals = [], [], []
    for i, c in enumerate(rows):
        for v, a in c.items():
            r_idx.append(i)
            c_idx.append(col_of[key(v)])
            vals.append(a)
    starts, index, value = csr(
        np.array(r_idx, dtype=np.int64), np.array(c_idx, dtype=np.int64), np.array(vals, dtype=float), len(rows)
    )
    lower_row, upper_row = (
        (np.array(b, dtype=float) for b in zip(*map(_row_bounds, rows))) if rows else (np.zeros(0), np.zeros(0))
    )
    matrix = MatrixProblem(
        name=str(prob.name),
        maximize=prob.sense == pulp.LpMaximize,
        cost=cost,
        col_lower=np.array([-INF if v.lowBound is None else v.lowBound for v in cols], dtype=float),
        col_upper=np.array([INF if v.upBound is None else v.upBound for v in cols], dtype=float),
        integer=np.array([v.cat == pulp.LpInteger for v in cols], dtype=bool),
        row_lower=lower_row,
        row_upper=upper_row,
        starts=starts,
        index=index,
        value=value,
        offset=float(objective.constant) if objective is not None else 0.0,
        col_names=lambda: [v.name for v in cols],
        row_names=lambda: [c.name or f"r{i}" for i, c in enumerate(rows)],
    )
    return matrix, cols, rows


def _row_bounds(c) -> tuple[float, float]:
    """(lower, upper) of a PuLP constraint; PuLP keeps the right-hand side as ``-constant``."""
    rhs = -c.constant
    return (-INF if c.sense == pulp.LpConstraintLE else rhs), (INF if c.sense == pulp.LpConstraintGE else rhs)


def _var_key(cols):
    """Cheapest identity of a variable: PuLP 4 wraps its Rust variables afresh on every
    access (stable ``.id``); PuLP 3 hands out the same Python objects (``id()``)."""
    return (lambda v: v.id) if cols and hasattr(type(cols[0]), "id") else id


def to_pulp(p: MatrixProblem) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    """The problem as a ``pulp.LpProblem`` (for CBC, LP files, users), its variables in column order."""
    prob = pulp.LpProblem(_safe(p.name), pulp.LpMaximize if p.maximize else pulp.LpMinimize)
    names = p.col_names() or [f"x{j}" for j in range(p.num_cols)]
    variables = []
    for j, name in enumerate(names):
        lo, up = p.col_lower[j], p.col_upper[j]
        variables.append(
            prob.add_variable(
                _safe(name),
                None if lo == -INF else float(lo),
                None if up == INF else float(up),
                cat=pulp.LpInteger if p.integer[j] else pulp.LpContinuous,
            )
        )
    prob.setObjective(_affine([(variables[j], float(p.cost[j])) for j in np.flatnonzero(p.cost)]) + p.offset)
    row_names = p.row_names() or [f"r{i}" for i in range(p.num_rows)]
    for i, name in enumerate(row_names):
        a, b = p.starts[i], p.starts[i + 1]
        expr = _affine([(variables[j], float(v)) for j, v in zip(p.index[a:b], p.value[a:b])])
        lo, up = p.row_lower[i], p.row_upper[i]
        if lo == up:
            prob.addConstraint(expr == float(lo), _safe(name))
        elif lo > -INF and up < INF:
            prob.addConstraint(expr >= float(lo), _safe(name) + "_lo")
            prob.addConstraint(expr <= float(up), _safe(name) + "_up")
        elif up < INF:
            prob.addConstraint(expr <= float(up), _safe(name))
        elif lo > -INF:
            prob.addConstraint(expr >= float(lo), _safe(name))
    return prob, variables


_BATCH = getattr(pulp, "lpSum_vars_coefs", None)  # PuLP >= 4 (Rust core)


def _affine(terms: list[tuple[pulp.LpVariable, float]]) -> pulp.LpAffineExpression:
    """An expression from (variable, coefficient) pairs: PuLP 4's batch constructor, or PuLP 3's dict one."""
    if _BATCH is not None:
        return _BATCH(terms)
    return pulp.LpAffineExpression(dict(terms))


_UNSAFE = str.maketrans("-+[] >/:=,", "_" * 10)


def _safe(text: str) -> str:
    """A name PuLP and LP files accept (no spaces or operators)."""
    return str(text).translate(_UNSAFE)
