"""Return rules without a database: reasons, windows, the RMA state machine, refund
arithmetic and the postings of returns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from erp_core.domain.errors import IllegalTransition, InvalidInput
from erp_core.domain.journal import balanced
from erp_core.domain.refunds import (
    RefundAmounts,
    RefundedLine,
    credit_note_postings,
    needs_approval,
    refund_amounts,
    return_to_vendor_postings,
    returned_stock_postings,
    write_off_postings,
)
from erp_core.domain.returns import (
    Disposition,
    ReturnReason,
    ReturnStatus,
    check_disposition,
    check_reason,
    check_receipt,
    check_return_transition,
    check_returnable,
    check_supplier,
    check_window,
)

R = ReturnReason
S = ReturnStatus
# 3 units at 10.00 with a 3.00 line discount and 5.13 tax.
LINE = {"line_qty": 3, "unit_price": Decimal(10), "discount": Decimal(3), "tax": Decimal("5.13")}


def units(qty: int, before: int = 0) -> RefundedLine:
    return RefundedLine(qty=qty, refunded_before=before, **LINE)


def test_other_needs_a_reason_text_and_other_reasons_do_not() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_reason(R.OTHER, " ")
    assert refused.value.code == "reason_text_required"
    assert check_reason(R.OTHER, " box was empty ") == "box was empty"
    assert check_reason(R.DAMAGED, None) is None


def test_the_window_counts_from_the_last_shipment() -> None:
    shipped = datetime(2026, 1, 1, tzinfo=UTC)
    check_window(shipped, shipped + timedelta(days=30), 30, 1)
    with pytest.raises(InvalidInput) as late:
        check_window(shipped, shipped + timedelta(days=30, seconds=1), 30, 1)
    assert late.value.code == "outside_return_window"


def test_only_shipped_units_not_yet_returned_may_come_back() -> None:
    check_returnable(1, 2, shipped=3, already_returned=1)
    with pytest.raises(InvalidInput):
        check_returnable(1, 3, shipped=3, already_returned=1)
    with pytest.raises(InvalidInput):
        check_returnable(1, 1, shipped=0, already_returned=0)
    with pytest.raises(InvalidInput):
        check_receipt(1, 3, authorized=2)


@pytest.mark.parametrize(
    ("current", "target", "legal"),
    [
        (S.AUTHORIZED, S.RECEIVED, True),
        (S.AUTHORIZED, S.CANCELLED, True),
        (S.RECEIVED, S.CANCELLED, False),
        (S.RECEIVED, S.INSPECTED, True),
        (S.AUTHORIZED, S.INSPECTED, False),
        (S.INSPECTED, S.CLOSED, True),
        (S.CLOSED, S.INSPECTED, False),
        (S.CANCELLED, S.RECEIVED, False),
    ],
)
def test_the_rma_moves_only_forward(current: S, target: S, legal: bool) -> None:
    if legal:
        check_return_transition(1, current, target)
    else:
        with pytest.raises(IllegalTransition):
            check_return_transition(1, current, target)


def test_only_inspected_units_get_a_disposition_and_each_only_once() -> None:
    for early in (S.AUTHORIZED, S.RECEIVED):
        with pytest.raises(IllegalTransition) as refused:
            check_disposition(1, early, 1, 5, 1)
        assert refused.value.code == "not_inspected"
    with pytest.raises(InvalidInput) as too_many:
        check_disposition(1, S.INSPECTED, 3, 2, 1)
    assert too_many.value.code == "disposition_exceeds_inspected"
    check_disposition(1, S.INSPECTED, 2, 2, 1)


def test_a_supplier_is_named_for_returns_to_vendor_only() -> None:
    check_supplier(Disposition.RETURN_TO_VENDOR, "SUP", 1)
    check_supplier(Disposition.RESTOCK, None, 1)
    with pytest.raises(InvalidInput):
        check_supplier(Disposition.RETURN_TO_VENDOR, None, 1)
    with pytest.raises(InvalidInput):
        check_supplier(Disposition.WRITE_OFF, "SUP", 1)


def test_refunds_in_pieces_add_up_to_what_the_line_cost() -> None:
    pieces = [
        refund_amounts([units(1, before)], R.DAMAGED, Decimal(0), Decimal(0), False)
        for before in range(3)
    ]
    assert sum(p.goods for p in pieces) == Decimal(27)
    assert sum(p.tax for p in pieces) == Decimal("5.13")


def test_a_restocking_fee_applies_to_a_change_of_mind_only() -> None:
    mind = refund_amounts([units(3)], R.NO_LONGER_NEEDED, Decimal("0.15"), Decimal(5), True)
    assert (mind.restocking_fee, mind.shipping) == (Decimal("4.05"), Decimal(0))
    assert mind.total == Decimal(27) + Decimal("5.13") - Decimal("4.05")
    fault = refund_amounts([units(3)], R.WRONG_ITEM, Decimal("0.15"), Decimal(5), True)
    assert (fault.restocking_fee, fault.shipping) == (Decimal(0), Decimal(5))
    partial = refund_amounts([units(2)], R.WRONG_ITEM, Decimal(0), Decimal(5), False)
    assert partial.shipping == Decimal(0)


def test_approval_is_needed_above_the_threshold_only() -> None:
    assert not needs_approval(Decimal(250), Decimal(250))
    assert needs_approval(Decimal("250.01"), Decimal(250))


def test_every_posting_of_a_return_balances() -> None:
    amounts = RefundAmounts(Decimal(27), Decimal("5.13"), Decimal(5), Decimal("2.7"))
    note = credit_note_postings("WEB", amounts)
    assert balanced(note) == note
    assert {p.account for p in note} == {
        "sales_returns",
        "tax_payable",
        "shipping_income",
        "receivable:WEB",
        "restocking_income",
    }
    for postings in (
        returned_stock_postings(Decimal(8)),
        write_off_postings(Decimal(4)),
        return_to_vendor_postings("SUP", Decimal(4)),
    ):
        assert balanced(postings) == postings
