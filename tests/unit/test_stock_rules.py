"""Ledger arithmetic without a database."""

from __future__ import annotations

import pytest

from erp_core.domain.errors import IllegalTransition, InsufficientStock, InvalidInput
from erp_core.domain.stock import (
    Move,
    StockStatus,
    adjustment_move,
    check_withdrawals,
    operator_move,
)

A, R, D = StockStatus.AVAILABLE, StockStatus.RESERVED, StockStatus.DAMAGED


def test_a_receipt_adds_to_one_bucket_only() -> None:
    assert Move(None, A, 5).deltas() == {A: 5}


def test_a_status_change_takes_from_one_bucket_and_adds_to_another() -> None:
    assert Move(A, D, 3).deltas() == {A: -3, D: 3}


@pytest.mark.parametrize("qty", [0, -1])
def test_quantities_must_be_positive(qty: int) -> None:
    with pytest.raises(InvalidInput):
        operator_move(None, A, qty, max_qty=100)


def test_quantities_above_the_cap_are_refused() -> None:
    with pytest.raises(InvalidInput):
        operator_move(None, A, 101, max_qty=100)


@pytest.mark.parametrize(("source", "target"), [(None, R), (R, A), (A, R)])
def test_reserved_stock_is_never_moved_by_hand(
    source: StockStatus | None, target: StockStatus
) -> None:
    with pytest.raises(IllegalTransition):
        operator_move(source, target, 1, max_qty=100)


def test_a_move_to_the_same_status_is_refused() -> None:
    with pytest.raises(IllegalTransition):
        operator_move(D, D, 1, max_qty=100)


def test_a_count_becomes_the_difference_to_what_the_books_say() -> None:
    assert adjustment_move(A, current=10, counted_qty=7, delta=None, max_qty=100) == Move(
        A, None, 3
    )
    assert adjustment_move(A, current=10, counted_qty=12, delta=None, max_qty=100) == Move(
        None, A, 2
    )


def test_an_adjustment_needs_exactly_one_of_count_or_delta() -> None:
    with pytest.raises(InvalidInput):
        adjustment_move(A, 10, counted_qty=3, delta=2, max_qty=100)
    with pytest.raises(InvalidInput):
        adjustment_move(A, 10, counted_qty=None, delta=None, max_qty=100)


def test_an_adjustment_that_changes_nothing_is_refused() -> None:
    with pytest.raises(InvalidInput):
        adjustment_move(A, 10, counted_qty=10, delta=None, max_qty=100)


def test_taking_more_than_a_bucket_holds_is_insufficient_stock() -> None:
    with pytest.raises(InsufficientStock) as refused:
        check_withdrawals(Move(A, D, 5), {A: 4}, allow_negative=False, sku="X")
    assert refused.value.details == {
        "sku": "X",
        "status": "available",
        "on_hand": 4,
        "requested": 5,
    }


def test_items_allowing_negative_stock_may_overdraw_available_but_never_reserve_it() -> None:
    check_withdrawals(Move(A, None, 5), {A: 4}, allow_negative=True, sku="X")
    with pytest.raises(InsufficientStock):
        check_withdrawals(Move(A, R, 5), {A: 4}, allow_negative=True, sku="X")
    with pytest.raises(InsufficientStock):
        check_withdrawals(Move(D, None, 5), {D: 4}, allow_negative=True, sku="X")
