"""Routing one order: the solver's answer equals brute force on small instances, the greedy
rule is never cheaper, rules are never broken, and an order that cannot ship says why."""

from __future__ import annotations

import itertools
import random

import pytest

from optimization.routing.alternatives import alternatives
from optimization.routing.greedy import greedy_route
from optimization.routing.problem import RateBand, RouteLine, RouteNode, RouteOrder, why_not
from optimization.routing.single_order import costed, route_order


def _random_order(rng: random.Random) -> RouteOrder:
    skus = ["A", "B", "C"][: rng.randint(1, 3)]
    lines = tuple(
        RouteLine(
            i + 1,
            sku,
            rng.randint(1, 3),
            rng.randint(0, 3000),
            restricted=rng.random() < 0.2,
            vendor="N2" if rng.random() < 0.1 else None,
        )
        for i, sku in enumerate(skus + (["A"] if rng.random() < 0.25 else []))
    )
    nodes = tuple(
        RouteNode(
            f"N{n}",
            {sku: rng.randint(0, 4) for sku in skus},
            handling_order_cents=rng.randint(0, 300),
            handling_unit_cents=rng.randint(0, 50),
            bands=_random_bands(rng),
            transit_days=rng.randint(1, 5),
            units_left=rng.choice([None, None, rng.randint(0, 5)]),
            ships_restricted=rng.random() < 0.5,
            channel_allowed=rng.random() < 0.9,
        )
        for n in range(rng.randint(1, 3))
    )
    return RouteOrder(
        lines,
        nodes,
        split_penalty_cents=rng.randint(0, 500),
        ship_complete=rng.random() < 0.2,
        due_in_days=rng.choice([None, 3, 5]),
        caps=rng.choice([None, None, {skus[0]: rng.randint(0, 3)}]),
    )


def _random_bands(rng: random.Random) -> tuple[RateBand, ...]:
    """One to three weight bands, lightest first, the last one open-ended or not."""
    bounds = sorted(rng.sample(range(1000, 12000, 500), rng.randint(0, 2)))
    price = rng.randint(100, 900)
    bands = []
    for bound in bounds:
        bands.append(RateBand(bound, price, rng.choice([0, 0, rng.randint(0, 300)])))
        price += rng.randint(0, 400)
    last = rng.choice([None, None, max(bounds, default=1000) + 4000])
    return (*bands, RateBand(last, price, rng.randint(0, 400)))


def _brute_force(order: RouteOrder) -> int | None:
    """The least cost over every assignment of every unit that keeps every rule."""
    per_line = []
    for line in order.lines:
        choices = []
        for split in itertools.product(range(line.qty + 1), repeat=len(order.nodes)):
            if sum(split) != line.qty:
                continue
            pairs = list(zip(order.nodes, split, strict=True))
            if all(
                units == 0
                or (why_not(order, line, node) is None and units <= node.stock.get(line.sku, 0))
                for node, units in pairs
            ):
                choices.append({(line.line, n.code): u for n, u in pairs if u})
        per_line.append(choices)
    best = None
    for combo in itertools.product(*per_line):
        assignment = {k: v for part in combo for k, v in part.items()}
        if _keeps_capacity_and_completeness(order, assignment):
            cost = costed(order, assignment, "brute", None, 0.0).cost_cents
            best = cost if best is None or cost < best else best
    return best


def _keeps_capacity_and_completeness(order: RouteOrder, assignment: dict) -> bool:
    used = {code for _, code in assignment}
    if order.ship_complete and len(used) > 1:
        return False
    lines = {line.line: line for line in order.lines}
    for node in order.nodes:
        mine = {(n, c): u for (n, c), u in assignment.items() if c == node.code}
        if node.units_left is not None and sum(mine.values()) > node.units_left:
            return False
        weight = sum(u * lines[n].unit_weight_g for (n, _), u in mine.items())
        if mine and node.shipping_millicents(weight) is None:
            return False
        for sku in {lines[n].sku for n, _ in mine}:
            held = sum(u for (n, _), u in mine.items() if lines[n].sku == sku)
            if held > node.stock.get(sku, 0):
                return False
    for sku, cap in (order.caps or {}).items():
        if sum(u for (n, _), u in assignment.items() if lines[n].sku == sku) > cap:
            return False
    return True


def test_the_solver_equals_brute_force_and_greedy_is_never_cheaper() -> None:
    rng = random.Random(11)
    solved = 0
    for _ in range(200):
        order = _random_order(rng)
        best = _brute_force(order)
        route = route_order(order)
        if best is None:
            assert route.status == "infeasible" and route.reasons
            continue
        solved += 1
        assert route.status == "optimal" and route.cost_cents == best
        greedy = greedy_route(order)
        if greedy is not None and _keeps_capacity_and_completeness(order, greedy):
            assert costed(order, greedy, "greedy", None, 0.0).cost_cents >= best
    assert solved >= 40, "enough generated instances must be routable to mean something"


def test_no_route_breaks_a_channel_item_date_or_stock_rule() -> None:
    rng = random.Random(5)
    for _ in range(150):
        order = _random_order(rng)
        route = route_order(order)
        lines = {line.line: line for line in order.lines}
        nodes = {node.code: node for node in order.nodes}
        for (line_no, code), units in route.assignment.items():
            line, node = lines[line_no], nodes[code]
            assert why_not(order, line, node) is None
            assert units <= node.stock[line.sku]
        if route.assignment:
            assert _keeps_capacity_and_completeness(order, route.assignment)


def test_a_split_is_chosen_only_when_it_pays_and_the_cost_is_itemised() -> None:
    near = RouteNode("NEAR", {"A": 1, "B": 5}, bands=(RateBand(None, 500),), transit_days=1)
    far = RouteNode("FAR", {"A": 5, "B": 5}, bands=(RateBand(None, 700),), transit_days=3)
    lines = (RouteLine(1, "A", 2), RouteLine(2, "B", 2))
    cheap_split = route_order(RouteOrder(lines, (near, far), split_penalty_cents=100))
    assert cheap_split.assignment == {(1, "FAR"): 2, (2, "FAR"): 2}
    assert (cheap_split.cost_cents, cheap_split.shipping_cents) == (700, 700)
    assert cheap_split.split_penalty_cents == 0


def test_an_order_no_node_can_cover_says_which_line_and_why() -> None:
    node = RouteNode("DC", {"A": 1})
    route = route_order(RouteOrder((RouteLine(1, "A", 3), RouteLine(2, "Z", 1)), (node,)))
    assert route.status == "infeasible"
    assert route.reasons == [
        "line 1 (A): 1 of 3 units can ship from nodes that may serve it",
        "line 2 (Z): 0 of 1 units can ship from nodes that may serve it; elsewhere: no stock (1)",
    ]


def test_bad_orders_are_refused() -> None:
    node = RouteNode("DC", {"A": 1})
    with pytest.raises(ValueError):
        RouteOrder((), (node,))
    with pytest.raises(ValueError):
        RouteOrder((RouteLine(1, "A", 0),), (node,))
    with pytest.raises(ValueError):
        RouteOrder((RouteLine(1, "A", 1),), (RouteNode("DC", {}, handling_unit_cents=-1),))
    with pytest.raises(ValueError, match="rise in weight"):
        RouteOrder((RouteLine(1, "A", 1),), (RouteNode("DC", {}, bands=_bands(5000, 1000)),))
    with pytest.raises(ValueError, match="only the last"):
        bands = (RateBand(None, 100), RateBand(2000, 100))
        RouteOrder((RouteLine(1, "A", 1),), (RouteNode("DC", {}, bands=bands),))
    with pytest.raises(ValueError, match="negative"):
        RouteOrder((RouteLine(1, "A", 1),), (RouteNode("DC", {}, bands=(RateBand(None, -1),)),))


def _bands(*bounds: int) -> tuple[RateBand, ...]:
    return tuple(RateBand(bound, 100 * (i + 1)) for i, bound in enumerate(bounds))


def test_the_package_weight_picks_its_band_and_heavy_orders_split_when_it_pays() -> None:
    bands = (RateBand(2000, 400), RateBand(10000, 900), RateBand(None, 2000, 50))
    one = RouteNode("DC", {"A": 20}, bands=bands)
    line = RouteLine(1, "A", 1, unit_weight_g=1500)
    assert route_order(RouteOrder((line,), (one,))).shipping_cents == 400
    heavier = RouteLine(1, "A", 4, unit_weight_g=1500)
    assert route_order(RouteOrder((heavier,), (one,))).shipping_cents == 900
    # 24 kg: 2000 + 50 x 24 = 3200 in one package; the open band is the only one that holds it.
    bulky = RouteLine(1, "A", 16, unit_weight_g=1500)
    assert route_order(RouteOrder((bulky,), (one,))).shipping_cents == 3200
    capped = RouteNode("DC", {"A": 20}, bands=bands[:2])
    route = route_order(RouteOrder((bulky,), (capped,)))
    assert route.status == "infeasible", "no band of the only node carries 24 kg"


def test_ring_fences_cap_what_the_order_takes_and_a_short_order_says_what_is_left() -> None:
    node = RouteNode("DC", {"A": 10}, bands=(RateBand(None, 500),))
    lines = (RouteLine(1, "A", 4),)
    capped = RouteOrder(lines, (node,), caps={"A": 3})
    assert route_order(capped).status == "infeasible"
    short = RouteOrder(lines, (node,), caps={"A": 3}, short_penalty_cents=10_000)
    route = route_order(short)
    assert route.assignment == {(1, "DC"): 3} and route.short == {1: 1}
    assert route.short_penalty_cents == 10_000 and route.cost_cents == 10_500
    assert route.reasons == ["line 1 (A): 1 of 4 units left short"]


def test_alternatives_say_how_much_dearer_or_what_rules_them_out() -> None:
    near = RouteNode("NEAR", {"A": 1, "B": 5}, bands=(RateBand(None, 500),), ships_restricted=True)
    far = RouteNode("FAR", {"A": 5, "B": 5}, bands=(RateBand(None, 700),), ships_restricted=True)
    mid = RouteNode("MID", {"A": 5, "B": 5}, bands=(RateBand(None, 800),), ships_restricted=True)
    hazmat = RouteNode("HAZ", {"A": 9, "B": 9}, bands=(RateBand(None, 100),))
    lines = (RouteLine(1, "A", 2), RouteLine(2, "B", 2, restricted=True))
    order = RouteOrder(lines, (near, far, mid, hazmat), split_penalty_cents=300)
    route = route_order(order)
    assert route.assignment == {(1, "FAR"): 2, (2, "FAR"): 2} and route.cost_cents == 700
    found = {a.name: (a.cost_cents, a.why_lost) for a in alternatives(order, route)}
    assert "all from FAR" not in found
    assert found["all from MID"] == (800, "dearer by 1.00")
    assert found["all from NEAR"] == (None, "line 1 (A): only 1 in stock")
    assert found["all from HAZ"][1].startswith("line 2 (B): restricted item")
