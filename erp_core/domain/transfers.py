"""Transfers between locations: draft -> shipped -> partially received -> received, or
cancelled while still a draft. Shipped stock waits in transit at the destination until it is
received there."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from erp_core.domain.errors import IllegalTransition, InvalidInput


class TransferStatus(StrEnum):
    DRAFT = "draft"
    SHIPPED = "shipped"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CANCELLED = "cancelled"


OPEN_IN_TRANSIT = (TransferStatus.SHIPPED, TransferStatus.PARTIALLY_RECEIVED)

_NEXT: dict[TransferStatus, frozenset[TransferStatus]] = {
    TransferStatus.DRAFT: frozenset({TransferStatus.SHIPPED, TransferStatus.CANCELLED}),
    TransferStatus.SHIPPED: frozenset({TransferStatus.PARTIALLY_RECEIVED, TransferStatus.RECEIVED}),
    TransferStatus.PARTIALLY_RECEIVED: frozenset(
        {TransferStatus.PARTIALLY_RECEIVED, TransferStatus.RECEIVED}
    ),
    TransferStatus.RECEIVED: frozenset(),
    TransferStatus.CANCELLED: frozenset(),
}


class SameLocation(InvalidInput):
    code = "same_location"


class DuplicateLine(InvalidInput):
    code = "duplicate_line"


class ReceiptExceedsShipment(InvalidInput):
    code = "receipt_exceeds_shipment"


def check_transition(transfer_id: int, current: TransferStatus, target: TransferStatus) -> None:
    if target not in _NEXT[current]:
        raise IllegalTransition(
            f"transfer {transfer_id} is {current.value}; it cannot become {target.value}",
            transfer=transfer_id,
            status=current.value,
            target=target.value,
        )


def check_route(source: str, destination: str) -> None:
    if source == destination:
        raise SameLocation("a transfer needs two different locations", location=source)


def check_each_sku_once(skus: Iterable[str]) -> None:
    seen: set[str] = set()
    for sku in skus:
        if sku in seen:
            raise DuplicateLine(f"{sku} is named twice; give each SKU once", sku=sku)
        seen.add(sku)


def check_receivable(sku: str, shipped: int, received: int, qty: int) -> None:
    """A receipt brings at most what was shipped and is not yet received."""
    outstanding = shipped - received
    if qty > outstanding:
        raise ReceiptExceedsShipment(
            f"{sku}: {qty} received but only {outstanding} in transit on this transfer",
            sku=sku,
            outstanding=outstanding,
            requested=qty,
        )


def status_after_receipt(outstanding_after: int) -> TransferStatus:
    return TransferStatus.RECEIVED if outstanding_after == 0 else TransferStatus.PARTIALLY_RECEIVED
