"""The cheapest way to route one order of a wave when every resource it draws on has a price:
the pricing step of the wave's column generation, and with no prices the order's best route
alone, as if no other order competed for the pools.

    priced cost = plan cost + sum_r price_r x usage_r           (millicents, integers)

Solved exactly by dynamic programming over the order's nodes. The state is the units still to
place per line; a node may take one package t <= state that its rules, stock, capacity and rate
bands allow, at
    handling_order + band price(weight of t) + per_kg x weight + handling_unit x |t|
    + split + price(packages, n) + sum_l t_l (price(units, n) + price(stock, n, sku_l))
and what is left after the last node is unfilled, at the order's rate per unit; one split
penalty is given back when anything ships. A ship-complete order's only package is all of it.
An order too large for the table, or with ring-fence caps, is priced by CP-SAT on the
single-order model (wave_exact); its proven bound then stands in for the exact value.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass

from optimization.routing.model import servable_nodes
from optimization.routing.problem import RouteNode, RouteOrder, why_not
from optimization.routing.wave_exact import cheapest_by_cp_sat
from optimization.routing.wave_problem import Resource, RoutePlan, plan_of

TABLE_STATES = 256  # ways to leave units unplaced beyond which CP-SAT prices the order
TABLE_STEPS = 50_000  # or moves through the table beyond


@dataclass(frozen=True)
class Package:
    units: tuple[int, ...]  # per line, in the order's line order
    cost: int  # millicents before prices, one split penalty included
    count: int  # units in all


@dataclass(frozen=True)
class Priced:
    plan: RoutePlan
    value: int  # its priced cost
    bound: int  # a proven lower bound on the least priced cost (= value when exact)


class OrderPricer:
    """One order's packages per node and the table's moves, enumerated once and priced again
    at every call. A state is the units still to place per line, numbered in mixed radix (the
    last line counting fastest), so a package t moves state s + t to state s."""

    def __init__(self, view: RouteOrder, unfilled_rate: int, time_limit: float = 2.0) -> None:
        self.view, self.rate, self.time_limit = view, unfilled_rate, time_limit
        self.full = tuple(line.qty for line in view.lines)
        self.nodes = servable_nodes(view)
        self.packages: dict[str, list[Package]] = {}
        self.moves: dict[str, list[tuple[int, int, int]]] = {}  # (from, to, package)
        self.exact = view.caps is None and self._enumerate()
        self.resources = sorted(
            {
                resource
                for node in self.nodes
                for line in view.lines
                if why_not(view, line, node) is None
                for resource in _draws(node.code, line.sku)
            }
        )
        self._last: tuple[tuple[int, ...], Priced] | None = None

    def _enumerate(self) -> bool:
        """Packages and moves, or False when the table would be too large."""
        states = math.prod(q + 1 for q in self.full)
        if not self.view.ship_complete and states > TABLE_STATES:
            return False
        index = {
            state: n
            for n, state in enumerate(itertools.product(*(range(q + 1) for q in self.full)))
        }
        steps = 0
        for node in self.nodes:
            packages = self.packages[node.code] = _packages(self.view, node)
            if self.view.ship_complete:
                continue
            moves = self.moves[node.code] = []
            for k, package in enumerate(packages):
                shift = index[package.units]
                room = (range(q - u + 1) for q, u in zip(self.full, package.units, strict=True))
                moves.extend(
                    (index[rest] + shift, index[rest], k) for rest in itertools.product(*room)
                )
            steps += len(moves)
            if steps > TABLE_STEPS:
                return False
        self.left = [sum(state) for state in index]
        return True

    def best(self, prices: Mapping[Resource, int]) -> Priced:
        """The least priced plan; computed again only when a price it could pay has changed."""
        key = tuple(prices.get(r, 0) for r in self.resources)
        if self._last is None or self._last[0] != key:
            if not self.exact:
                found = self._by_cp_sat(prices)
            else:
                found = self._whole(prices) if self.view.ship_complete else self._table(prices)
            self._last = (key, found)
        return self._last[1]

    def _whole(self, prices: Mapping[Resource, int]) -> Priced:
        """A ship-complete order: the cheapest node that ships all of it, or nothing."""
        wait = plan_of(self.view, {}, self.rate)
        split = self.view.split_penalty_cents * 1000
        offers = [
            (price - split, code)
            for code in self.packages
            for _, price in self._priced(code, prices)
        ]
        value, code = min(offers, default=(wait.cost, ""))
        if value >= wait.cost:
            return Priced(wait, wait.cost, wait.cost)
        assignment = {(line.line, code): line.qty for line in self.view.lines}
        return Priced(plan_of(self.view, assignment, self.rate), value, value)

    def _table(self, prices: Mapping[Resource, int]) -> Priced:
        start = len(self.left) - 1
        table = [math.inf] * len(self.left)
        table[start] = 0
        steps = []
        for node in self.nodes:
            price = [p for _, p in self._priced(node.code, prices)]
            after, came = table[:], {}
            for state, rest, k in self.moves[node.code]:
                cost = table[state] + price[k]
                if cost < after[rest]:
                    after[rest], came[rest] = cost, (state, k)
            steps.append((node.code, came))
            table = after
        split = self.view.split_penalty_cents * 1000
        value, left = min(
            (cost + self.rate * self.left[rest] - (split if rest != start else 0), rest)
            for rest, cost in enumerate(table)
        )
        assignment: dict[tuple[int, str], int] = {}
        for code, came in reversed(steps):
            if left in came:
                left, k = came[left]
                units = self.packages[code][k].units
                for line, u in zip(self.view.lines, units, strict=True):
                    if u:
                        assignment[line.line, code] = u
        return Priced(plan_of(self.view, assignment, self.rate), int(value), int(value))

    def _priced(self, code: str, prices: Mapping[Resource, int]) -> list[tuple[Package, int]]:
        base = prices.get(("packages", code, ""), 0)
        unit = prices.get(("units", code, ""), 0)
        stock = [prices.get(("stock", code, line.sku), 0) for line in self.view.lines]
        if not any(stock):
            return [(p, p.cost + base + unit * p.count) for p in self.packages[code]]
        return [
            (
                p,
                p.cost
                + base
                + unit * p.count
                + sum(u * c for u, c in zip(p.units, stock, strict=True)),
            )
            for p in self.packages[code]
        ]

    def _by_cp_sat(self, prices: Mapping[Resource, int]) -> Priced:
        found = cheapest_by_cp_sat(self.view, self.rate, prices, self.time_limit)
        if found is None:
            nothing = plan_of(self.view, {}, self.rate)
            return Priced(nothing, nothing.cost, 0)
        plan, bound = found
        value = plan.cost + sum(prices.get(r, 0) * used for r, used in plan.usage.items())
        return Priced(plan, value, min(value, bound))


def _draws(code: str, sku: str) -> tuple[Resource, ...]:
    return ("packages", code, ""), ("units", code, ""), ("stock", code, sku)


def _packages(view: RouteOrder, node: RouteNode) -> list[Package]:
    """Every package the node could ship for the order, alone: rules, stock, the units it can
    still ship and its rate bands allowing."""
    most = [
        0 if why_not(view, line, node) else min(line.qty, node.stock.get(line.sku, 0))
        for line in view.lines
    ]
    if view.ship_complete:
        if most != [line.qty for line in view.lines]:
            return []
        choices: itertools.product[tuple[int, ...]] | list[tuple[int, ...]] = [tuple(most)]
    else:
        choices = itertools.product(*(range(m + 1) for m in most))
    found = []
    for units in choices:
        package = _package_cost(view, node, units)
        if package is not None:
            found.append(Package(units, package, sum(units)))
    return found


def _package_cost(view: RouteOrder, node: RouteNode, units: tuple[int, ...]) -> int | None:
    count = sum(units)
    if not count or (node.units_left is not None and count > node.units_left):
        return None
    per_sku: dict[str, int] = {}
    for line, u in zip(view.lines, units, strict=True):
        per_sku[line.sku] = per_sku.get(line.sku, 0) + u
    if any(u > node.stock.get(sku, 0) for sku, u in per_sku.items()):
        return None
    weight = sum(u * line.unit_weight_g for line, u in zip(view.lines, units, strict=True))
    shipping = node.shipping_millicents(weight)
    if shipping is None:
        return None
    handling = node.handling_order_cents + count * node.handling_unit_cents
    return shipping + (handling + view.split_penalty_cents) * 1000
