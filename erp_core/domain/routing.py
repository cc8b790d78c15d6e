"""Where each order line ships from. Release asks a Router; the OR-Tools optimiser of the
routing issue is a drop-in for the default rule below."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class StockOption:
    """Free stock of one item at one location, and what shipping from there costs."""

    location_id: int
    free_qty: int
    cost_per_order: Decimal
    cost_per_unit: Decimal


@dataclass(frozen=True)
class RouteLine:
    line_id: int
    item_id: int
    qty: int


@dataclass(frozen=True)
class RouteRequest:
    lines: Sequence[RouteLine]
    options: Mapping[int, Sequence[StockOption]]  # by item id
    ship_to: Mapping[str, str | None]
    channel: str


@dataclass(frozen=True)
class Assignment:
    line_id: int
    location_id: int
    qty: int


class Router(Protocol):
    def route(self, request: RouteRequest) -> list[Assignment]:
        """Assignments never exceed a line's qty nor an option's free stock; what is left of a
        line unassigned is backordered."""
        ...


class HandlingCostRouter:
    """The default rule: the one location that can ship the whole order at the lowest handling
    cost (per order + per unit); failing that, each line from the locations with the most
    free stock first."""

    def route(self, request: RouteRequest) -> list[Assignment]:
        whole = self._single_location(request)
        if whole is not None:
            return [Assignment(line.line_id, whole, line.qty) for line in request.lines]
        return self._split(request)

    def _single_location(self, request: RouteRequest) -> int | None:
        wanted: dict[int, int] = defaultdict(int)
        for line in request.lines:
            wanted[line.item_id] += line.qty
        units = sum(wanted.values())
        cost: dict[int, Decimal] = {}
        able_for_all: set[int] | None = None
        for item_id, qty in wanted.items():
            able = {o.location_id for o in request.options.get(item_id, ()) if o.free_qty >= qty}
            able_for_all = able if able_for_all is None else able_for_all & able
            for o in request.options.get(item_id, ()):
                cost[o.location_id] = o.cost_per_order + o.cost_per_unit * units
        if not able_for_all:
            return None
        return min(able_for_all, key=lambda loc: (cost[loc], loc))

    def _split(self, request: RouteRequest) -> list[Assignment]:
        left = {
            (item, o.location_id): o.free_qty
            for item, opts in request.options.items()
            for o in opts
        }
        plan: list[Assignment] = []
        for line in request.lines:
            need = line.qty
            by_stock = sorted(
                request.options.get(line.item_id, ()),
                key=lambda o: (-left[(line.item_id, o.location_id)], o.location_id),
            )
            for option in by_stock:
                take = min(need, left[(line.item_id, option.location_id)])
                if take > 0:
                    plan.append(Assignment(line.line_id, option.location_id, take))
                    left[(line.item_id, option.location_id)] -= take
                    need -= take
        return plan
