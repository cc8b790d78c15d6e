"""Large single orders: a hard one cut short by the time limit still answers with its best
complete route, its status and a bound; an ordinary 20-line order over 50 locations is proved
optimal when given the time."""

from __future__ import annotations

import math
import random

from optimization.routing.problem import RateBand, RouteLine, RouteNode, RouteOrder
from optimization.routing.single_order import route_order
from tests.property.test_routing_rules import broken_rules

BANDS_G = (1_000, 5_000, 10_000, None)
BAND_FACTORS = (1.0, 1.4, 1.95, 3.0)
HANDLING = ((120, 15), (210, 28), (380, 55))  # per package / per unit: DC, 3PL, store
# The solver's presolve alone takes ~0.07 s on these models and its first route comes after
# ~0.1 s (more on a busy machine); below that the answer is "unknown", with no route at all.
HARD_LIMIT_S = 1.0
GENEROUS_LIMIT_S = 60.0


def network_order(
    seed: int,
    stock_share: float,
    qty: tuple[int, int],
    units_left: tuple[int, int] | None = None,
    split_penalty_cents: int = 250,
) -> RouteOrder:
    """20 lines over 50 nodes from 20 to 1,500 km away: band prices grow with distance and
    weight, transit by 500 km a day, each node stocks a share of the SKUs."""
    rng = random.Random(seed)
    lines = tuple(
        RouteLine(n + 1, f"SKU-{n}", rng.randint(*qty), int(rng.lognormvariate(math.log(450), 0.8)))
        for n in range(20)
    )
    nodes = []
    for n in range(50):
        km = rng.uniform(20, 1_500)
        base = 350 + 0.3 * km
        per_order, per_unit = rng.choice(HANDLING)
        stock = {line.sku: rng.randint(1, 6) for line in lines if rng.random() < stock_share}
        bands = tuple(
            RateBand(grams, round(base * factor), 0 if grams else 12)
            for grams, factor in zip(BANDS_G, BAND_FACTORS, strict=True)
        )
        nodes.append(
            RouteNode(
                f"N{n:02d}",
                stock,
                handling_order_cents=per_order,
                handling_unit_cents=per_unit,
                bands=bands,
                transit_days=1 + int(km // 500),
                units_left=None if units_left is None else rng.randint(*units_left),
            )
        )
    return RouteOrder(lines, tuple(nodes), split_penalty_cents=split_penalty_cents)


def test_a_hard_order_cut_short_by_the_limit_answers_its_best_complete_route_and_bound() -> None:
    # Tight capacities force a dozen or more packages, and each costs a big split penalty:
    # far from provable in a second (the bound stays at a fraction of the cost).
    order = network_order(
        0, stock_share=0.4, qty=(2, 5), units_left=(3, 8), split_penalty_cents=3_000
    )
    route = route_order(order, HARD_LIMIT_S)
    assert route.status in ("feasible", "optimal")
    assert broken_rules(order, route.assignment) == []
    for line in order.lines:
        shipped = sum(units for (n, _), units in route.assignment.items() if n == line.line)
        assert shipped == line.qty, f"line {line.line} ships whole"
    assert route.cost_cents is not None and route.bound_cents is not None
    assert route.bound_cents <= route.cost_cents + 0.5
    # A generous margin, not a timing test: the answer comes when the limit says, not later.
    assert route.wall_time < HARD_LIMIT_S + 1.0


def test_a_20_line_order_over_50_locations_is_proved_optimal_given_the_time() -> None:
    # About a second here; other seeds of the same shape take 1 to 7 s, and one in five is not
    # proved in 6 s: "exact up to 20 x 50" holds given seconds, not milliseconds.
    order = network_order(29, stock_share=0.25, qty=(1, 3))
    route = route_order(order, GENEROUS_LIMIT_S)
    assert route.status == "optimal"
    assert broken_rules(order, route.assignment) == []
    assert sum(route.assignment.values()) == sum(line.qty for line in order.lines)
    assert route.bound_cents is not None and route.cost_cents is not None
    assert abs(route.cost_cents - route.bound_cents) <= 0.5 + 1e-6


def test_a_limit_too_short_for_the_search_still_answers_with_the_rule_route() -> None:
    # Capacity loose enough for the rule to find a route, too big to search in 5 ms.
    order = network_order(
        0, stock_share=0.4, qty=(2, 5), units_left=None, split_penalty_cents=3_000
    )
    route = route_order(order, 0.005)
    assert route.status == "feasible" and route.bound_cents is None
    assert route.reasons == ["the time limit ran out: this is the greedy rule's route"]
    assert broken_rules(order, route.assignment) == []
