"""Candidate lines, the limits they draw on, and the arithmetic the plan cut is judged by.

Every limit is a capacity drawn on at a fixed rate per unit ordered: the budget by a line's unit
cost in cents, a location's space by the line's unit space, a supplier's capacity by one per
unit. Their names in results are "budget", "space:<location>" and "supplier:<supplier>".
Usage grows with the quantity ordered, which `constraints.cut_to_limits` relies on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from numbers import Integral

Key = tuple[str, str]
BUDGET = "budget"


@dataclass(frozen=True)
class Candidate:
    """One (sku, location) line with its (qty, loss) options; the largest is the suggestion."""

    key: Key
    supplier: str
    location: str
    unit_cost_cents: int
    unit_space: int
    options: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        _require_whole(f"{self.key}: unit_cost_cents", self.unit_cost_cents)
        _require_whole(f"{self.key}: unit_space", self.unit_space)
        if not self.options:
            raise ValueError(f"{self.key}: a candidate needs at least one (qty, loss) option")
        for qty, loss in self.options:
            _require_whole(f"{self.key}: option qty", qty)
            _require_whole(f"{self.key}: option loss", loss)
        if len({qty for qty, _ in self.options}) != len(self.options):
            raise ValueError(f"{self.key}: two options share the same quantity")

    @property
    def suggested(self) -> int:
        return max(qty for qty, _ in self.options)

    @property
    def smallest(self) -> int:
        return min(qty for qty, _ in self.options)

    def loss(self, qty: int) -> int:
        return next(loss for option_qty, loss in self.options if option_qty == qty)


@dataclass(frozen=True)
class Limits:
    """A missing budget, location or supplier is unlimited."""

    budget_cents: int | None = None
    space_by_location: dict[str, int] = field(default_factory=dict)
    units_by_supplier: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.budget_cents is not None:
            _require_whole("budget_cents", self.budget_cents)
        for location, space in self.space_by_location.items():
            _require_whole(f"space at {location}", space)
        for supplier, units in self.units_by_supplier.items():
            _require_whole(f"capacity of supplier {supplier}", units)

    def capacities(self) -> dict[str, int]:
        named = {BUDGET: self.budget_cents} if self.budget_cents is not None else {}
        named |= {f"space:{loc}": cap for loc, cap in self.space_by_location.items()}
        return named | {f"supplier:{sup}": cap for sup, cap in self.units_by_supplier.items()}

    def draw_rates(self, line: Candidate) -> list[tuple[str, int]]:
        """The limits this line draws on and how much per unit ordered."""
        rates = [(BUDGET, line.unit_cost_cents)] if self.budget_cents is not None else []
        if line.location in self.space_by_location:
            rates.append((f"space:{line.location}", line.unit_space))
        if line.supplier in self.units_by_supplier:
            rates.append((f"supplier:{line.supplier}", 1))
        return rates


def usage(lines: Sequence[Candidate], chosen: dict[Key, int], limits: Limits) -> dict[str, int]:
    used = dict.fromkeys(limits.capacities(), 0)
    for line in lines:
        for name, rate in limits.draw_rates(line):
            used[name] += rate * chosen[line.key]
    return used


def over_limits(lines: Sequence[Candidate], chosen: dict[Key, int], limits: Limits) -> list[str]:
    """Names of the limits these quantities exceed, sorted."""
    used = usage(lines, chosen, limits)
    return sorted(name for name, cap in limits.capacities().items() if used[name] > cap)


def top_up(lines: Sequence[Candidate], chosen: dict[Key, int], limits: Limits) -> dict[Key, int]:
    """Raise each line, in input order, to its largest option that still fits and loses no more.

    The solver is indifferent between options of equal loss; the planner is not: what was
    suggested should be bought while the limits allow. Total loss never rises.
    """
    raised, used, caps = dict(chosen), usage(lines, chosen, limits), limits.capacities()
    for line in lines:
        current = raised[line.key]
        for qty, loss in sorted(line.options, reverse=True):
            if qty <= current or loss > line.loss(current):
                continue
            step = [(name, rate * (qty - current)) for name, rate in limits.draw_rates(line)]
            if all(used[name] + extra <= caps[name] for name, extra in step):
                for name, extra in step:
                    used[name] += extra
                raised[line.key] = qty
                break
    return raised


def cut_lines(
    lines: Sequence[Candidate], chosen: dict[Key, int], limits: Limits
) -> tuple[dict[Key, tuple[int, int]], dict[Key, tuple[str, ...]]]:
    """Lines bought below their suggestion, as key -> (suggested, chosen), and for each the
    limits that bind it: those its next larger option would exceed, everything else unchanged.

    A limit binds the plan when it binds at least one cut line; relaxing it would let that line
    grow. A cut line bound by no limit was cut because its smaller option loses less.
    """
    used, caps = usage(lines, chosen, limits), limits.capacities()
    cut: dict[Key, tuple[int, int]] = {}
    cut_by: dict[Key, tuple[str, ...]] = {}
    for line in lines:
        qty = chosen[line.key]
        if qty == line.suggested:
            continue
        step = min(q for q, _ in line.options if q > qty) - qty
        cut[line.key] = (line.suggested, qty)
        cut_by[line.key] = tuple(
            name for name, rate in limits.draw_rates(line) if used[name] + rate * step > caps[name]
        )
    return cut, cut_by


def _require_whole(what: str, value: object) -> None:
    if not isinstance(value, Integral) or isinstance(value, bool):
        raise ValueError(f"{what} must be a whole number, got {value!r}")
    if value < 0:
        raise ValueError(f"{what} cannot be negative, got {value}")
