"""The default routing rule, before the optimiser replaces it."""

from __future__ import annotations

from decimal import Decimal

from erp_core.domain.routing import (
    Assignment,
    HandlingCostRouter,
    RouteLine,
    RouteRequest,
    StockOption,
)


def option(location: int, free: int, per_order: str = "1", per_unit: str = "0.1") -> StockOption:
    return StockOption(location, free, Decimal(per_order), Decimal(per_unit))


def request(lines: list[RouteLine], options: dict[int, list[StockOption]]) -> RouteRequest:
    return RouteRequest(lines, options, {"country": "DE"}, "WEB")


def test_the_cheapest_location_that_can_ship_everything_ships_everything() -> None:
    lines = [RouteLine(1, 10, 2), RouteLine(2, 20, 1)]
    options = {
        10: [option(1, 5, "2.00"), option(2, 5, "1.00"), option(3, 9, "0.50")],
        20: [option(1, 1, "2.00"), option(2, 1, "1.00")],
    }
    assert HandlingCostRouter().route(request(lines, options)) == [
        Assignment(1, 2, 2),
        Assignment(2, 2, 1),
    ]


def test_without_a_single_location_lines_split_by_most_stock_and_the_rest_waits() -> None:
    lines = [RouteLine(1, 10, 8), RouteLine(2, 20, 3)]
    options = {10: [option(1, 5), option(2, 2)], 20: [option(2, 1)]}
    assert HandlingCostRouter().route(request(lines, options)) == [
        Assignment(1, 1, 5),
        Assignment(1, 2, 2),
        Assignment(2, 2, 1),
    ]


def test_two_lines_of_one_item_never_take_more_than_a_location_holds() -> None:
    lines = [RouteLine(1, 10, 3), RouteLine(2, 10, 3)]
    options = {10: [option(1, 4), option(2, 1)]}
    plan = HandlingCostRouter().route(request(lines, options))
    assert sum(a.qty for a in plan if a.location_id == 1) <= 4
    assert sum(a.qty for a in plan) == 5
