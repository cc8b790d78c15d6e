"""The projected stock path a plan line's picture draws."""

from __future__ import annotations

import numpy as np
import pytest

from optimization.projection import project_inventory


def test_stock_falls_by_demand_and_rises_on_the_arrival_day() -> None:
    path = project_inventory(net_stock=20, daily_demand=4, arrivals=[(3, 30)], days=6)
    assert path.net_stock.tolist() == [20, 16, 12, 38, 34, 30, 26]
    assert path.on_order.tolist() == [30, 30, 30, 0, 0, 0, 0]
    assert np.array_equal(path.position, path.net_stock + path.on_order)


def test_arrivals_beyond_the_window_stay_on_order_and_late_ones_land_at_once() -> None:
    path = project_inventory(net_stock=-5, daily_demand=0, arrivals=[(-2, 5), (40, 7)], days=3)
    assert path.net_stock.tolist() == [0, 0, 0, 0]
    assert path.on_order.tolist() == [7, 7, 7, 7]


def test_a_projection_needs_a_day() -> None:
    with pytest.raises(ValueError):
        project_inventory(0, 1, [], days=0)
