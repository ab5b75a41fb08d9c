"""What a diagnosis reports: shortfalls grouped by resource, site and tenant over periods."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

MAX_NAMES = 5


@dataclass
class Shortfall:
    """One resource short somewhere, by up to an amount, over some periods."""

    family: str
    resource: str
    site: str | None
    tenant: str | None
    periods: list[str]
    max_amount: float
    unit: str
    hints: list[str] = field(default_factory=list)
    tenants: list[str] = field(default_factory=list)
    """committed tenants that need what is short (served there and then in the elastic plan)."""
    operator: str | None = None
    """the operator whose funding is short (funding families)."""

    def text(self) -> str:
        """One line, and the hints indented below it."""
        parts = (
            f"operator {self.operator}" if self.operator else None,
            f"tenant {self.tenant}" if self.tenant else None,
            f"at {self.site}" if self.site else None,
        )
        where = " ".join(x for x in parts if x)
        place = ", ".join(x for x in (where, span(self.periods)) if x)
        line = f"- {self.resource}{' ' + place if place else ''}: short by up to {self.max_amount:,.1f} {self.unit}"
        return "\n".join([line, *[f"    {h}" for h in self.hints]])


@dataclass
class Diagnosis:
    """Why a portfolio has no feasible plan (no shortfall: it has one)."""

    portfolio: str
    shortfalls: list[Shortfall]
    status: str

    def text(self) -> str:
        """The diagnosis for a person: the shortfalls and their hints."""
        if not self.shortfalls:
            return f"{self.portfolio}: a feasible plan exists (no shortfall found)."
        head = (
            f"{self.portfolio}: no feasible plan. The smallest shortfalls that would make one "
            f"(resolve any one family of them, or add the capacity named):"
        )
        return "\n".join([head, *[s.text() for s in self.shortfalls]])

    def to_dict(self) -> dict:
        """The diagnosis as JSON-able data (diagnosis.json)."""
        return {
            "portfolio": self.portfolio,
            "status": self.status,
            "feasible": not self.shortfalls,
            "shortfalls": [asdict(s) for s in self.shortfalls],
            "text": self.text(),
        }


def span(periods: list[str]) -> str:
    """ "2026Q1" or "2026Q1-2027Q4 (8 periods)"."""
    if not periods:
        return ""
    return periods[0] if len(periods) == 1 else f"{periods[0]}-{periods[-1]} ({len(periods)} periods)"


def names(items: list[str]) -> str:
    """At most MAX_NAMES items, then how many more."""
    more = len(items) - MAX_NAMES
    return ", ".join(items[:MAX_NAMES]) + (f" and {more} more" if more > 0 else "")
