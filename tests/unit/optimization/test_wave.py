"""Routing a wave: one order alone costs what the single-order router finds, tiny waves match
brute force, pools and rules are never broken, the greedy baseline is never better, scarce
stock goes to the order that matters most, and a time limit still returns a valid answer."""

from __future__ import annotations

import itertools
import random

import pytest

from optimization.routing import wave_pricing
from optimization.routing.problem import RateBand, RouteLine, RouteNode, RouteOrder, why_not
from optimization.routing.single_order import route_order
from optimization.routing.wave import (
    Wave,
    WaveOrder,
    WaveResult,
    WaveRoute,
    greedy_wave,
    route_wave,
    unfilled_weight,
)
from optimization.routing.wave_pricing import OrderPricer
from optimization.routing.wave_problem import plan_of, pool, pooled, unfilled_millicents

SKUS = ("A", "B", "C")


def _bands(rng: random.Random) -> tuple[RateBand, ...]:
    first = RateBand(rng.choice([1000, 2000]), rng.randint(100, 600))
    last = RateBand(rng.choice([None, 6000]), first.price_cents + rng.randint(0, 400), 20)
    return (first, last)


def _node_view(rng: random.Random, code: str) -> RouteNode:
    """A node as one order's ship-to sees it; its stock and capacity are the wave's."""
    return RouteNode(
        code,
        {},
        handling_order_cents=rng.randint(0, 300),
        handling_unit_cents=rng.randint(0, 50),
        bands=_bands(rng),
        transit_days=rng.randint(1, 4),
        ships_restricted=rng.random() < 0.6,
        channel_allowed=rng.random() < 0.9,
    )


def _random_wave(
    rng: random.Random, orders: int, nodes: int, lines: int = 2, qty: int = 2, most: int = 3
) -> Wave:
    codes = [f"N{n}" for n in range(nodes)]
    wave_orders = []
    for index in range(orders):
        skus = rng.sample(SKUS, rng.randint(1, lines))
        order_lines = tuple(
            RouteLine(
                number + 1,
                sku,
                rng.randint(1, qty),
                rng.choice([0, 400, 900, 2500]),
                restricted=rng.random() < 0.2,
                vendor="N1" if rng.random() < 0.1 else None,
            )
            for number, sku in enumerate(skus)
        )
        order = RouteOrder(
            order_lines,
            tuple(_node_view(rng, code) for code in codes),
            split_penalty_cents=rng.randint(0, 300),
            ship_complete=rng.random() < 0.2,
            due_in_days=rng.choice([None, 2, 3]),
        )
        wave_orders.append(WaveOrder(f"SO-{index}", order, rng.choice([50, 100, 150])))
    return Wave(
        tuple(wave_orders),
        {(code, sku): rng.randint(0, most) for code in codes for sku in SKUS},
        {code: rng.choice([None, rng.randint(0, orders)]) for code in codes},
        {code: rng.choice([None, rng.randint(0, 2 * orders)]) for code in codes},
        unfilled_cents=rng.choice([300, 2000, 5000]),
    )


def _order_plans(wave: Wave, order: WaveOrder) -> list:
    """Every plan of one order that keeps its own rules, with the whole pools to itself."""
    view = pooled(order.order, wave.stock, wave.orders_left, wave.units_left)
    rate = unfilled_millicents(wave, order)
    splits = []
    for line in view.lines:
        options = []
        for units in itertools.product(range(line.qty + 1), repeat=len(view.nodes)):
            pairs = [(node, u) for node, u in zip(view.nodes, units, strict=True) if u]
            if sum(units) <= line.qty and all(why_not(view, line, n) is None for n, _ in pairs):
                options.append({(line.line, n.code): u for n, u in pairs})
        splits.append(options)
    plans = []
    for combo in itertools.product(*splits):
        assignment = {k: u for part in combo for k, u in part.items()}
        used = {code for _, code in assignment}
        if view.ship_complete and assignment:
            whole = sum(assignment.values()) == sum(line.qty for line in view.lines)
            if len(used) > 1 or not whole:
                continue
        try:
            plans.append(plan_of(view, assignment, rate))
        except ValueError:  # no rate band carries the package
            continue
    return plans


def _fits(wave: Wave, plans: tuple) -> bool:
    used: dict = {}
    for plan in plans:
        for resource, units in plan.usage.items():
            used[resource] = used.get(resource, 0) + units
    return all((held := pool(wave, r)) is None or units <= held for r, units in used.items())


def _brute_force(wave: Wave) -> int:
    """The least objective, in millicents, over every joint choice of plans."""
    per_order = [_order_plans(wave, order) for order in wave.orders]
    return min(
        sum(p.cost for p in plans) for plans in itertools.product(*per_order) if _fits(wave, plans)
    )


def _assert_keeps_pools_and_rules(wave: Wave, routes: tuple[WaveRoute, ...]) -> None:
    stock: dict = {}
    units: dict = {}
    packages: dict = {}
    for order, route in zip(wave.orders, routes, strict=True):
        assert route.key == order.key
        view = pooled(order.order, wave.stock, wave.orders_left, wave.units_left)
        lines = {line.line: line for line in view.lines}
        nodes = {node.code: node for node in view.nodes}
        for (number, code), qty in route.assignment.items():
            assert qty > 0 and why_not(view, lines[number], nodes[code]) is None
            stock[code, lines[number].sku] = stock.get((code, lines[number].sku), 0) + qty
            units[code] = units.get(code, 0) + qty
        for code in {code for _, code in route.assignment}:
            packages[code] = packages.get(code, 0) + 1
        for number, line in lines.items():
            shipped = sum(q for (n, _), q in route.assignment.items() if n == number)
            assert shipped + route.unfilled.get(number, 0) == line.qty
        if view.ship_complete and route.assignment:
            assert not route.unfilled
            assert len({code for _, code in route.assignment}) == 1
        assert route.cost_cents == round(plan_of(view, route.assignment, 0).routing / 1000)
    assert all(qty <= wave.stock.get(key, 0) for key, qty in stock.items())
    for used, limits in ((units, wave.units_left), (packages, wave.orders_left)):
        assert all(limits.get(code) is None or n <= (limits[code] or 0) for code, n in used.items())


def _assert_consistent(result: WaveResult) -> None:
    assert result.bound_cents <= result.objective_cents + 1e-6
    assert result.objective_cents == pytest.approx(result.routing_cents + result.penalty_cents)
    assert result.saving_cents == pytest.approx(
        result.greedy_objective_cents - result.objective_cents
    )
    assert 0.0 <= result.gap <= 1.0


def test_a_wave_of_one_order_costs_what_the_single_order_router_finds() -> None:
    rng = random.Random(3)
    compared = 0
    for _ in range(60):
        wave = _random_wave(rng, orders=1, nodes=3, lines=3, qty=3, most=6)
        order = wave.orders[0].order
        alone = RouteOrder(
            order.lines,
            tuple(pooled(order, wave.stock, wave.orders_left, wave.units_left).nodes),
            order.split_penalty_cents,
            order.ship_complete,
            order.due_in_days,
        )
        wave = Wave(wave.orders, wave.stock, wave.orders_left, wave.units_left, 10**7)
        single = route_order(alone)
        result = route_wave(wave, time_limit=5)
        if single.status == "infeasible":
            assert result.unfilled_units > 0
            continue
        compared += 1
        assert result.status == "optimal" and result.unfilled_units == 0
        assert result.routes[0].cost_cents == single.cost_cents
    assert compared >= 20, "enough orders must ship whole to mean something"


def test_tiny_waves_match_brute_force_and_the_bound_holds() -> None:
    rng = random.Random(7)
    for _ in range(40):
        wave = _random_wave(rng, orders=3, nodes=2, lines=3)
        best = _brute_force(wave)
        result = route_wave(wave, time_limit=5)
        assert result.status == "optimal"
        assert round(result.objective_cents * 1000) == best
        assert result.bound_cents <= best / 1000 + 1e-9
        _assert_consistent(result)


def test_pools_capacity_and_rules_are_never_broken_and_greedy_is_never_better() -> None:
    rng = random.Random(11)
    for _ in range(25):
        wave = _random_wave(rng, orders=rng.randint(5, 25), nodes=4, lines=3, qty=3)
        result = route_wave(wave, time_limit=5)
        greedy_objective, greedy_routes = greedy_wave(wave)
        _assert_keeps_pools_and_rules(wave, result.routes)
        _assert_keeps_pools_and_rules(wave, greedy_routes)
        _assert_consistent(result)
        assert greedy_objective == pytest.approx(result.greedy_objective_cents)
        assert result.objective_cents <= greedy_objective + 1e-6


def _two_orders_one_unit(first: WaveOrder, second: WaveOrder) -> Wave:
    return Wave((first, second), {("DC", "A"): 1}, {"DC": None}, {"DC": None})


def _one_unit_order(due_in_days: int | None) -> RouteOrder:
    dc = RouteNode("DC", {}, bands=(RateBand(None, 500),), transit_days=1)
    return RouteOrder((RouteLine(1, "A", 1),), (dc,), due_in_days=due_in_days)


def test_scarce_stock_goes_to_the_more_important_then_the_more_urgent_order() -> None:
    late = WaveOrder("web", _one_unit_order(3), priority=100)
    marketplace = WaveOrder("marketplace", _one_unit_order(3), priority=50)
    result = route_wave(_two_orders_one_unit(late, marketplace), time_limit=5)
    assert [r.key for r in result.routes if r.assignment] == ["marketplace"]
    urgent = WaveOrder("urgent", _one_unit_order(1), priority=100)
    result = route_wave(_two_orders_one_unit(late, urgent), time_limit=5)
    assert [r.key for r in result.routes if r.assignment] == ["urgent"]
    assert result.status == "optimal" and result.unfilled_units == 1


def test_a_tiny_time_limit_still_returns_a_valid_answer() -> None:
    wave = _random_wave(random.Random(5), orders=400, nodes=8, lines=3, qty=3)
    result = route_wave(wave, time_limit=0.01)
    assert result.status in ("optimal", "feasible")
    _assert_keeps_pools_and_rules(wave, result.routes)
    _assert_consistent(result)
    assert result.objective_cents <= result.greedy_objective_cents


def test_the_table_and_cp_sat_price_an_order_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(13)
    for _ in range(40):
        wave = _random_wave(rng, orders=1, nodes=3, lines=3, qty=3)
        order = wave.orders[0]
        view = pooled(order.order, wave.stock, wave.orders_left, wave.units_left)
        rate = unfilled_millicents(wave, order)
        prices = {r: rng.choice([0, 0, 50_000, 400_000]) for r in OrderPricer(view, rate).resources}
        by_table = OrderPricer(view, rate).best(prices)
        monkeypatch.setattr(wave_pricing, "TABLE_STATES", 0)
        by_cp_sat = OrderPricer(view, rate).best(prices)
        monkeypatch.undo()
        assert by_table.value == by_cp_sat.value == by_cp_sat.bound


def test_the_unfilled_weight_follows_priority_and_the_promised_date() -> None:
    assert unfilled_weight(100, None) == 1.0
    assert unfilled_weight(0, None) == 2.0
    assert unfilled_weight(200, None) == 0.5
    assert unfilled_weight(100, 0) == 3.0
    assert unfilled_weight(100, 1) == 2.0
    assert unfilled_weight(100, -2) == 3.0
    assert unfilled_weight(50, 1) > unfilled_weight(100, 1) > unfilled_weight(100, 5)


def test_a_bad_wave_is_refused_with_a_clear_message() -> None:
    order = WaveOrder("SO-1", _one_unit_order(None))
    with pytest.raises(ValueError, match="unique.*SO-1"):
        route_wave(Wave((order, order), {}, {}, {}))
    with pytest.raises(ValueError, match="stock of A at DC"):
        route_wave(Wave((order,), {("DC", "A"): -1}, {}, {}))
    with pytest.raises(ValueError, match="units_left of DC"):
        greedy_wave(Wave((order,), {}, {}, {"DC": -3}))
    with pytest.raises(ValueError, match="orders_left of DC"):
        route_wave(Wave((order,), {}, {"DC": -1}, {}))
