"""Moving-average cost: a receipt blends into what is on the shelf, and no value appears or
vanishes beyond rounding to the Money scale."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erp_core.domain.valuation import COST_STEP, current_cost, moving_average

costs = st.decimals(min_value=0, max_value=10_000, places=4)


def test_a_receipt_blends_with_the_units_on_the_shelf() -> None:
    assert moving_average(10, Decimal("5"), 10, Decimal("7")) == Decimal("6.0000")
    assert moving_average(1, Decimal("1"), 2, Decimal("2")) == Decimal("1.6667")


@pytest.mark.parametrize("on_hand", [0, -4])
def test_with_nothing_on_the_shelf_the_receipt_cost_is_the_average(on_hand: int) -> None:
    assert moving_average(on_hand, Decimal("99"), 3, Decimal("4.5")) == Decimal("4.5000")


def test_a_receipt_of_no_units_is_refused() -> None:
    with pytest.raises(ValueError):
        moving_average(5, Decimal("1"), 0, Decimal("2"))


def test_the_standard_cost_stands_until_a_receipt_is_valued() -> None:
    assert current_cost(Decimal("3"), None) == Decimal("3")
    assert current_cost(Decimal("3"), Decimal("4.25")) == Decimal("4.25")


@given(
    on_hand=st.integers(min_value=1, max_value=1_000_000),
    average=costs,
    qty=st.integers(min_value=1, max_value=1_000_000),
    unit_cost=costs,
)
def test_shelf_value_is_kept_and_the_average_lies_between_old_and_new(
    on_hand: int, average: Decimal, qty: int, unit_cost: Decimal
) -> None:
    blended = moving_average(on_hand, average, qty, unit_cost)
    assert min(average, unit_cost) <= blended <= max(average, unit_cost)
    value_before = average * on_hand + unit_cost * qty
    assert abs(blended * (on_hand + qty) - value_before) <= COST_STEP / 2 * (on_hand + qty)
