"""Purchasing rules without a database: states, MOQ and pack size, tolerance, landed cost."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erp_core.domain.errors import IllegalTransition, InvalidInput
from erp_core.domain.journal import balanced
from erp_core.domain.purchasing import (
    BelowMinimumOrder,
    NotPackMultiple,
    NotReceivable,
    OverReceipt,
    PoStatus,
    allocate_charge,
    check_order_qty,
    check_receipt,
    check_transition,
    landed_unit_cost,
    lead_time_days,
    needs_approval,
    on_time,
    receipt_postings,
    receivable_limit,
)

S = PoStatus


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.DRAFT, S.APPROVED),
        (S.APPROVED, S.SENT),
        (S.SENT, S.PARTIALLY_RECEIVED),
        (S.SENT, S.RECEIVED),
        (S.PARTIALLY_RECEIVED, S.RECEIVED),
        (S.PARTIALLY_RECEIVED, S.CLOSED),
        (S.RECEIVED, S.CLOSED),
        (S.DRAFT, S.CANCELLED),
        (S.SENT, S.CANCELLED),
    ],
)
def test_the_purchase_order_moves_forward_along_its_states(
    current: PoStatus, target: PoStatus
) -> None:
    check_transition(1, current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.DRAFT, S.SENT),
        (S.PARTIALLY_RECEIVED, S.CANCELLED),
        (S.RECEIVED, S.CANCELLED),
        (S.CLOSED, S.SENT),
        (S.CANCELLED, S.APPROVED),
        (S.APPROVED, S.APPROVED),
    ],
)
def test_skipping_approval_or_cancelling_received_goods_is_illegal(
    current: PoStatus, target: PoStatus
) -> None:
    with pytest.raises(IllegalTransition):
        check_transition(1, current, target)


def test_only_orders_above_the_threshold_need_approval() -> None:
    assert needs_approval(Decimal("10000.01"), Decimal(10_000))
    assert not needs_approval(Decimal(10_000), Decimal(10_000))


def test_moq_and_pack_size_hold_unless_overridden_with_a_reason() -> None:
    check_order_qty(24, moq=12, pack_size=6, override_reason=None)
    with pytest.raises(BelowMinimumOrder):
        check_order_qty(6, moq=12, pack_size=6, override_reason=None)
    with pytest.raises(NotPackMultiple):
        check_order_qty(13, moq=12, pack_size=6, override_reason=None)
    check_order_qty(5, moq=12, pack_size=6, override_reason="sample order")


def test_the_tolerance_allows_a_little_more_than_ordered_in_whole_units() -> None:
    assert receivable_limit(100, Decimal("0.05")) == 105
    assert receivable_limit(10, Decimal("0.05")) == 10
    check_receipt(1, ordered=100, received=95, qty=10, closed=False, tolerance=Decimal("0.05"))
    with pytest.raises(OverReceipt):
        check_receipt(1, ordered=100, received=95, qty=11, closed=False, tolerance=Decimal("0.05"))
    with pytest.raises(NotReceivable):
        check_receipt(1, ordered=100, received=50, qty=1, closed=True, tolerance=Decimal("0.05"))


def test_a_charge_is_shared_by_value_with_shares_that_sum_exactly() -> None:
    shares = allocate_charge(Decimal("100.00"), [Decimal(1), Decimal(1), Decimal(1)])
    assert shares == [Decimal("33.3333"), Decimal("33.3334"), Decimal("33.3333")]
    assert sum(shares) == Decimal("100.00")
    assert allocate_charge(Decimal("10"), [Decimal(300), Decimal(100)]) == [
        Decimal("7.5000"),
        Decimal("2.5000"),
    ]


@given(
    charge=st.decimals(min_value=0, max_value=10**9, places=4),
    bases=st.lists(st.decimals(min_value=0, max_value=10**6, places=3), min_size=1, max_size=30),
)
def test_shares_always_sum_to_the_charge_and_are_never_negative(
    charge: Decimal, bases: list[Decimal]
) -> None:
    if sum(bases) <= 0:
        return
    shares = allocate_charge(charge, bases)
    assert sum(shares) == charge
    assert all(share >= 0 for share in shares)


def test_a_charge_cannot_be_shared_over_nothing() -> None:
    with pytest.raises(InvalidInput):
        allocate_charge(Decimal(5), [Decimal(0), Decimal(0)])
    assert allocate_charge(Decimal(0), [Decimal(0)]) == [Decimal(0)]


def test_landed_cost_spreads_goods_freight_and_duty_over_the_units() -> None:
    assert landed_unit_cost(Decimal(100), Decimal(10), Decimal(5), 10) == Decimal("11.5000")


def test_lead_time_is_days_between_sending_and_receiving() -> None:
    sent = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert lead_time_days(sent, datetime(2026, 1, 8, 0, tzinfo=UTC)) == Decimal("6.50")


def test_a_receipt_is_on_time_up_to_the_grace_days_after_the_expected_date() -> None:
    assert on_time(date(2026, 1, 10), date(2026, 1, 10), 0)
    assert not on_time(date(2026, 1, 11), date(2026, 1, 10), 0)
    assert on_time(date(2026, 1, 12), date(2026, 1, 10), 2)


def test_a_receipt_posts_inventory_against_goods_received_not_invoiced() -> None:
    postings = receipt_postings(Decimal("115.00"))
    assert balanced(postings) == postings
    assert {(p.account, p.debit, p.credit) for p in postings} == {
        ("inventory", Decimal("115.00"), Decimal(0)),
        ("grni", Decimal(0), Decimal("115.00")),
    }
