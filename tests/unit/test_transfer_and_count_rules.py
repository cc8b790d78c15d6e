"""Transfer and count rules without a database: the transfer state machine, receipts within
what shipped, count tolerance and the approval threshold."""

from __future__ import annotations

from decimal import Decimal

import pytest

from erp_core.domain.counts import (
    AlreadyCounted,
    ApprovalThreshold,
    RequestState,
    SelfApproval,
    SheetStatus,
    Tolerance,
    check_approver,
    check_pending,
    check_sheet_open,
)
from erp_core.domain.errors import IllegalTransition, InvalidInput, PermissionDenied
from erp_core.domain.transfers import (
    DuplicateLine,
    ReceiptExceedsShipment,
    SameLocation,
    TransferStatus,
    check_each_sku_once,
    check_receivable,
    check_route,
    check_transition,
    status_after_receipt,
)

T = TransferStatus


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (T.DRAFT, T.SHIPPED),
        (T.DRAFT, T.CANCELLED),
        (T.SHIPPED, T.PARTIALLY_RECEIVED),
        (T.SHIPPED, T.RECEIVED),
        (T.PARTIALLY_RECEIVED, T.PARTIALLY_RECEIVED),
        (T.PARTIALLY_RECEIVED, T.RECEIVED),
    ],
)
def test_a_transfer_moves_forward_through_its_states(current: T, target: T) -> None:
    check_transition(1, current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (T.DRAFT, T.RECEIVED),
        (T.SHIPPED, T.CANCELLED),
        (T.SHIPPED, T.SHIPPED),
        (T.RECEIVED, T.RECEIVED),
        (T.CANCELLED, T.SHIPPED),
        (T.PARTIALLY_RECEIVED, T.CANCELLED),
    ],
)
def test_a_transfer_never_goes_back_or_skips_shipping(current: T, target: T) -> None:
    with pytest.raises(IllegalTransition):
        check_transition(1, current, target)


def test_a_transfer_needs_two_locations_and_each_sku_once() -> None:
    with pytest.raises(SameLocation) as same:
        check_route("DC-1", "DC-1")
    assert same.value.code == "same_location" and isinstance(same.value, InvalidInput)
    check_route("DC-1", "DC-2")
    with pytest.raises(DuplicateLine):
        check_each_sku_once(["A", "B", "A"])
    check_each_sku_once(["A", "B"])


def test_a_receipt_brings_at_most_what_is_still_in_transit() -> None:
    check_receivable("A", shipped=10, received=4, qty=6)
    with pytest.raises(ReceiptExceedsShipment) as error:
        check_receivable("A", shipped=10, received=4, qty=7)
    assert error.value.details == {"sku": "A", "outstanding": 6, "requested": 7}
    assert status_after_receipt(0) == T.RECEIVED
    assert status_after_receipt(3) == T.PARTIALLY_RECEIVED


def test_tolerance_allows_units_or_a_percentage_whichever_is_larger() -> None:
    exact = Tolerance()
    assert exact.within(10, 10) and not exact.within(10, 11)
    two_units = Tolerance(units=2)
    assert two_units.within(10, 8) and not two_units.within(10, 7)
    five_percent = Tolerance(percent=Decimal(5))
    assert five_percent.within(100, 95) and not five_percent.within(100, 94)
    assert Tolerance(units=1, percent=Decimal(5)).within(10, 11)


def test_corrections_above_either_limit_need_approval() -> None:
    threshold = ApprovalThreshold(units=100, value=Decimal(500))
    assert not threshold.needs_approval(100, Decimal(1))
    assert threshold.needs_approval(-101, Decimal(0))
    assert threshold.needs_approval(51, Decimal(10))
    assert not threshold.needs_approval(-50, Decimal(10))
    assert not ApprovalThreshold(None, None).needs_approval(10**9, Decimal(1000))


def test_a_request_is_decided_once_and_not_by_its_requester() -> None:
    check_pending(1, RequestState.PENDING)
    for decided in (RequestState.APPROVED, RequestState.REJECTED):
        with pytest.raises(IllegalTransition):
            check_pending(1, decided)
    check_approver(1, "key:1:clerk", "key:2:manager")
    with pytest.raises(SelfApproval) as error:
        check_approver(1, "key:1:clerk", "key:1:clerk")
    assert isinstance(error.value, PermissionDenied) and error.value.code == "self_approval"


def test_a_sheet_is_posted_once() -> None:
    check_sheet_open(1, SheetStatus.OPEN)
    with pytest.raises(IllegalTransition):
        check_sheet_open(1, SheetStatus.POSTED)
    assert AlreadyCounted.code == "already_counted"
