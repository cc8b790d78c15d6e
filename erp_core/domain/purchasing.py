"""Purchasing rules: the purchase order's states, what may be ordered (MOQ and pack size), what
may be received (the over-receipt tolerance), how landed costs are shared among a receipt's
lines, and what a receipt posts to the journal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from erp_core.domain.errors import Conflict, IllegalTransition, InvalidInput
from erp_core.domain.journal import Posting, balanced
from erp_core.domain.valuation import COST_STEP


class PoStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SENT = "sent"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class AllocationBasis(StrEnum):
    VALUE = "value"
    WEIGHT = "weight"


S = PoStatus
TRANSITIONS: dict[PoStatus, frozenset[PoStatus]] = {
    S.DRAFT: frozenset({S.APPROVED, S.CANCELLED}),
    S.APPROVED: frozenset({S.SENT, S.CANCELLED}),
    S.SENT: frozenset({S.PARTIALLY_RECEIVED, S.RECEIVED, S.CANCELLED}),
    S.PARTIALLY_RECEIVED: frozenset({S.RECEIVED, S.CLOSED}),
    S.RECEIVED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}
RECEIVABLE = frozenset({S.SENT, S.PARTIALLY_RECEIVED})
# Stock the company has committed to buy: it counts as inbound for available-to-promise.
ON_ORDER = frozenset({S.APPROVED, S.SENT, S.PARTIALLY_RECEIVED})


class ApprovalRequired(Conflict):
    code = "approval_required"


class NotReceivable(IllegalTransition):
    code = "not_receivable"


class OverReceipt(Conflict):
    code = "over_receipt"


class ItemNotSupplied(InvalidInput):
    code = "item_not_supplied"


class BelowMinimumOrder(InvalidInput):
    code = "below_moq"


class NotPackMultiple(InvalidInput):
    code = "not_pack_multiple"


class UnknownLine(InvalidInput):
    code = "unknown_line"


def check_transition(po_id: int, current: PoStatus, target: PoStatus) -> None:
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(
            f"purchase order {po_id} is {current.value}; it cannot become {target.value}",
            id=po_id,
            status=current.value,
            target=target.value,
        )


def needs_approval(value: Decimal, threshold: Decimal) -> bool:
    return value > threshold


def check_order_qty(qty: int, moq: int, pack_size: int, override_reason: str | None) -> None:
    """The supplier's minimum and pack size hold unless the buyer says why not."""
    if override_reason:
        return
    if qty < moq:
        raise BelowMinimumOrder(
            f"{qty} is below the supplier's minimum order of {moq}; give an override_reason "
            "to order it anyway",
            qty=qty,
            moq=moq,
        )
    if qty % pack_size:
        raise NotPackMultiple(
            f"{qty} is not a multiple of the pack size {pack_size}; give an override_reason "
            "to order it anyway",
            qty=qty,
            pack_size=pack_size,
        )


def receivable_limit(ordered: int, tolerance: Decimal) -> int:
    """The most of a line that may arrive: the ordered quantity plus the tolerance, in whole
    units rounded down."""
    return int((ordered * (1 + tolerance)).to_integral_value(ROUND_FLOOR))


def check_receipt(
    line_no: int, ordered: int, received: int, qty: int, closed: bool, tolerance: Decimal
) -> None:
    if closed:
        raise NotReceivable(f"line {line_no} is closed", line_no=line_no)
    limit = receivable_limit(ordered, tolerance)
    if received + qty > limit:
        raise OverReceipt(
            f"line {line_no}: {received} received of {ordered} ordered; {qty} more exceeds "
            f"the tolerance (at most {limit - received})",
            line_no=line_no,
            ordered=ordered,
            received=received,
            qty=qty,
            limit=limit,
        )


def allocate_charge(charge: Decimal, bases: Sequence[Decimal]) -> list[Decimal]:
    """Share `charge` in proportion to `bases`, to the scale of Money columns.

    Cumulative rounding: share i is round(charge x cumulative base to i / total) less the
    same for i - 1, so the shares always sum exactly to the charge.
    """
    if not charge:
        return [Decimal(0) for _ in bases]
    total = sum(bases, Decimal(0))
    if total <= 0:
        raise InvalidInput("a charge cannot be shared over lines that have no value or weight")
    shares, running, allocated = [], Decimal(0), Decimal(0)
    for base in bases:
        running += base
        upto = (charge * running / total).quantize(COST_STEP, ROUND_HALF_EVEN)
        shares.append(upto - allocated)
        allocated = upto
    return shares


def landed_unit_cost(goods: Decimal, freight: Decimal, duty: Decimal, qty: int) -> Decimal:
    return ((goods + freight + duty) / qty).quantize(COST_STEP, ROUND_HALF_EVEN)


def lead_time_days(sent_at: datetime, received_at: datetime) -> Decimal:
    seconds = Decimal((received_at - sent_at).total_seconds())
    return (seconds / 86_400).quantize(Decimal("0.01"), ROUND_HALF_EVEN)


def on_time(received_on: date, expected: date, grace_days: int) -> bool:
    return (received_on - expected).days <= grace_days


def receipt_postings(landed_value: Decimal) -> list[Posting]:
    """Dr inventory, Cr goods received not invoiced, at landed cost (goods, freight, duty):
    the supplier's invoice later clears GRNI."""
    return balanced(
        [Posting("inventory", debit=landed_value), Posting("grni", credit=landed_value)]
    )
