"""Returns (RMA): reason codes, the RMA state machine, what may come back, and where each
returned unit goes once inspected.

authorized -> received (stock into inspection) -> inspected -> closed (every inspected unit
has a disposition); an RMA is cancelled only before anything is received.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from erp_core.domain.errors import IllegalTransition, InvalidInput
from erp_core.domain.stock import StockStatus


class ReturnReason(StrEnum):
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    NOT_AS_DESCRIBED = "not_as_described"
    NO_LONGER_NEEDED = "no_longer_needed"
    OTHER = "other"


# The seller's fault: the customer gets the shipping back and pays no restocking fee.
SELLER_FAULT = frozenset(
    {ReturnReason.DAMAGED, ReturnReason.WRONG_ITEM, ReturnReason.NOT_AS_DESCRIBED}
)


class ReturnStatus(StrEnum):
    AUTHORIZED = "authorized"
    RECEIVED = "received"
    INSPECTED = "inspected"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Condition(StrEnum):
    SEALED = "sealed"
    OPENED = "opened"
    DAMAGED = "damaged"
    DEFECTIVE = "defective"


class Disposition(StrEnum):
    RESTOCK = "restock"
    QUARANTINE = "quarantine"
    REFURBISH = "refurbish"
    WRITE_OFF = "write_off"
    RETURN_TO_VENDOR = "return_to_vendor"


@dataclass(frozen=True)
class DispositionMove:
    """Where a disposition takes units out of inspection (None: out of the company) and the
    ledger reason it records."""

    to_status: StockStatus | None
    reason: str


DISPOSITION_MOVES: Mapping[Disposition, DispositionMove] = {
    Disposition.RESTOCK: DispositionMove(StockStatus.AVAILABLE, "return_restock"),
    Disposition.QUARANTINE: DispositionMove(StockStatus.QUARANTINE, "return_quarantine"),
    # Refurbished units wait in quarantine until the repair is done and they are restocked.
    Disposition.REFURBISH: DispositionMove(StockStatus.QUARANTINE, "refurbish"),
    Disposition.WRITE_OFF: DispositionMove(None, "write_off"),
    Disposition.RETURN_TO_VENDOR: DispositionMove(None, "return_to_vendor"),
}

ALLOWED: Mapping[ReturnStatus, frozenset[ReturnStatus]] = {
    ReturnStatus.AUTHORIZED: frozenset({ReturnStatus.RECEIVED, ReturnStatus.CANCELLED}),
    ReturnStatus.RECEIVED: frozenset({ReturnStatus.INSPECTED}),
    ReturnStatus.INSPECTED: frozenset({ReturnStatus.CLOSED}),
    ReturnStatus.CLOSED: frozenset(),
    ReturnStatus.CANCELLED: frozenset(),
}
# A refund is for units the company holds again.
REFUNDABLE = frozenset({ReturnStatus.RECEIVED, ReturnStatus.INSPECTED, ReturnStatus.CLOSED})


@dataclass(frozen=True)
class ReturnTerms:
    """A channel's return policy: how long after shipment, and the restocking fee rate for
    returns the customer chose (no longer needed)."""

    window_days: int
    restocking_fee_rate: Decimal = Decimal(0)


class ReturnExceedsShipped(InvalidInput):
    code = "return_exceeds_shipped"


class OutsideReturnWindow(InvalidInput):
    code = "outside_return_window"


class ReasonTextRequired(InvalidInput):
    code = "reason_text_required"


class ReceiptExceedsAuthorized(InvalidInput):
    code = "receipt_exceeds_authorized"


class NotInspected(IllegalTransition):
    code = "not_inspected"


class DispositionExceedsInspected(InvalidInput):
    code = "disposition_exceeds_inspected"


class RefundExceedsReceived(InvalidInput):
    code = "refund_exceeds_received"


class RefurbishExceedsQuarantined(InvalidInput):
    code = "refurbish_exceeds_quarantined"


def check_return_transition(rma_id: int, current: ReturnStatus, target: ReturnStatus) -> None:
    if target not in ALLOWED[current]:
        raise IllegalTransition(
            f"return {rma_id} cannot go from {current.value} to {target.value}",
            id=rma_id,
            current=current.value,
            target=target.value,
        )


def check_reason(reason: ReturnReason, text: str | None) -> str | None:
    """'other' needs a few words of why; the text is kept for any reason that has one."""
    cleaned = text.strip() if text else None
    if reason == ReturnReason.OTHER and not cleaned:
        raise ReasonTextRequired("a return for reason 'other' needs a reason text")
    return cleaned or None


def check_window(last_shipped_at: datetime, now: datetime, window_days: int, line_no: int) -> None:
    if now - last_shipped_at > timedelta(days=window_days):
        raise OutsideReturnWindow(
            f"line {line_no} shipped more than {window_days} days ago",
            line_no=line_no,
            shipped_at=last_shipped_at.isoformat(),
            window_days=window_days,
        )


def check_returnable(line_no: int, qty: int, shipped: int, already_returned: int) -> None:
    """Only shipped units come back, and each shipped unit at most once."""
    if qty > shipped - already_returned:
        raise ReturnExceedsShipped(
            f"line {line_no}: {shipped} shipped, {already_returned} already returned, {qty} asked",
            line_no=line_no,
            shipped=shipped,
            already_returned=already_returned,
            requested=qty,
        )


def check_receipt(line_no: int, qty: int, authorized: int) -> None:
    if qty > authorized:
        raise ReceiptExceedsAuthorized(
            f"line {line_no}: {authorized} authorized, {qty} received",
            line_no=line_no,
            authorized=authorized,
            received=qty,
        )


def check_disposition(rma_id: int, status: ReturnStatus, qty: int, left: int, line_no: int) -> None:
    """Only inspected units are routed, each exactly once."""
    if status in (ReturnStatus.AUTHORIZED, ReturnStatus.RECEIVED):
        raise NotInspected(
            f"return {rma_id} is {status.value}; inspect it before routing its units",
            id=rma_id,
            status=status.value,
        )
    if status != ReturnStatus.INSPECTED:
        raise IllegalTransition(f"return {rma_id} is {status.value}", id=rma_id)
    if qty > left:
        raise DispositionExceedsInspected(
            f"line {line_no}: {left} inspected units without a disposition, {qty} asked",
            line_no=line_no,
            undisposed=left,
            requested=qty,
        )


def check_supplier(disposition: Disposition, supplier: str | None, line_no: int) -> None:
    """A return to vendor names the supplier who takes the units back; nothing else does."""
    if (disposition == Disposition.RETURN_TO_VENDOR) != (supplier is not None):
        raise InvalidInput(
            f"line {line_no}: a supplier is named for return_to_vendor and only for it",
            line_no=line_no,
            disposition=disposition.value,
        )
