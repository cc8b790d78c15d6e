"""Ledger arithmetic: which moves are legal and what they do to balances.

Stock sits in one status bucket per (item, location). `available` is free stock on the shelf;
`reserved` is stock on the shelf promised to someone, moved there from `available` by a
reservation. On-hand on the shelf is therefore available + reserved, and because available
never goes below zero for ordinary items, reserved can never exceed what is on the shelf.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from erp_core.domain.errors import IllegalTransition, InsufficientStock, InvalidInput


class StockStatus(StrEnum):
    AVAILABLE = "available"
    RESERVED = "reserved"
    DAMAGED = "damaged"
    QUARANTINE = "quarantine"
    INSPECTION = "inspection"
    IN_TRANSIT = "in_transit"


# Reserved stock changes only through reservations, so that every reserved unit has an owner.
MOVABLE_STATUSES = frozenset(StockStatus) - {StockStatus.RESERVED}


@dataclass(frozen=True)
class Move:
    """One ledger line. `from_status` None is stock arriving from outside the company,
    `to_status` None is stock leaving it (shipment, write-off, negative adjustment)."""

    from_status: StockStatus | None
    to_status: StockStatus | None
    qty: int

    def deltas(self) -> dict[StockStatus, int]:
        change: dict[StockStatus, int] = {}
        if self.from_status is not None:
            change[self.from_status] = -self.qty
        if self.to_status is not None:
            change[self.to_status] = change.get(self.to_status, 0) + self.qty
        return change


def operator_move(
    from_status: StockStatus | None, to_status: StockStatus, qty: int, max_qty: int
) -> Move:
    """A receipt or status change requested by a person (not a reservation)."""
    check_qty(qty, max_qty)
    for status in (from_status, to_status):
        if status == StockStatus.RESERVED:
            raise IllegalTransition(
                "reserved stock changes only through reservations", status=str(status)
            )
    if from_status == to_status:
        raise IllegalTransition("a move needs two different statuses", status=str(to_status))
    return Move(from_status, to_status, qty)


def adjustment_move(
    status: StockStatus, current: int, counted_qty: int | None, delta: int | None, max_qty: int
) -> Move:
    """A count correction: give either what was counted or the signed difference."""
    if (counted_qty is None) == (delta is None):
        raise InvalidInput("give exactly one of counted_qty or delta")
    if status == StockStatus.RESERVED:
        raise IllegalTransition("reserved stock is adjusted by releasing reservations")
    if counted_qty is not None:
        if counted_qty < 0:
            raise InvalidInput("counted_qty cannot be negative", counted_qty=counted_qty)
        delta = counted_qty - current
    assert delta is not None
    if delta == 0:
        raise InvalidInput("the adjustment changes nothing", status=str(status))
    check_qty(abs(delta), max_qty)
    return Move(None, status, delta) if delta > 0 else Move(status, None, -delta)


def check_withdrawals(
    move: Move, balances: Mapping[StockStatus, int], allow_negative: bool, sku: str
) -> None:
    """Refuse a move that would drive a bucket below zero.

    Items configured to allow negative stock may overdraw `available` only; reservations never
    overdraw, or a reservation could promise stock nobody has.
    """
    for status, change in move.deltas().items():
        after = balances.get(status, 0) + change
        if after >= 0 or change >= 0:
            continue
        if (
            allow_negative
            and status == StockStatus.AVAILABLE
            and move.to_status != StockStatus.RESERVED
        ):
            continue
        raise InsufficientStock(
            f"{sku}: {balances.get(status, 0)} {status} on hand, {-change} requested",
            sku=sku,
            status=str(status),
            on_hand=balances.get(status, 0),
            requested=-change,
        )


def check_qty(qty: int, max_qty: int) -> None:
    if qty <= 0:
        raise InvalidInput("quantity must be positive", qty=qty)
    if qty > max_qty:
        raise InvalidInput(f"quantity above the limit of {max_qty}", qty=qty, limit=max_qty)
