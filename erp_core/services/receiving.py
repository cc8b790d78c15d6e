"""Receiving against a purchase order: stock into the ledger at landed cost, the supplier's lead
time recorded per line, one balanced journal entry per receipt, all in one transaction.

The order row is locked first (SELECT ... FOR UPDATE on PostgreSQL, the write lock on SQLite),
so two receipts racing for a line's last units are judged one after the other and together
never pass the over-receipt tolerance. Lines are then posted in item order, the order every
stock action locks items and balances in.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.purchasing_tables import (
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
)
from erp_core.adapters.tables import Item, Supplier
from erp_core.adapters.valuation import value_receipt
from erp_core.clock import utcnow
from erp_core.domain.errors import InvalidInput
from erp_core.domain.journal import rounding_postings
from erp_core.domain.purchasing import (
    RECEIVABLE,
    AllocationBasis,
    NotReceivable,
    PoStatus,
    UnknownLine,
    allocate_charge,
    check_receipt,
    landed_unit_cost,
    lead_time_days,
    on_time,
    receipt_postings,
)
from erp_core.domain.stock import Move, StockStatus, check_qty
from erp_core.queries.purchasing import purchase_order_lines, receipt_detail
from erp_core.services import audit
from erp_core.services.inventory import record_move
from erp_core.services.journal import post_entry
from erp_core.services.lookup import place_by_ids
from erp_core.services.purchasing import locked_purchase_order, move_to


@dataclass(frozen=True)
class ReceivedLine:
    line_no: int
    qty: int
    # Close the line even if less than ordered arrived: the rest is not coming.
    close: bool = False


@dataclass(frozen=True)
class ReceiptCommand:
    lines: tuple[ReceivedLine, ...]
    freight: Decimal = Decimal(0)
    duty: Decimal = Decimal(0)
    allocate_by: AllocationBasis = AllocationBasis.VALUE
    reference: str | None = None


def receive_purchase_order(
    db: Database, actor: str, po_id: int, cmd: ReceiptCommand
) -> dict[str, Any]:
    """Post a receipt; returns it with the order's new state (header and lines)."""
    numbers = [line.line_no for line in cmd.lines]
    if not numbers or len(set(numbers)) != len(numbers):
        raise InvalidInput("name each order line once, with the quantity received")
    for line in cmd.lines:
        check_qty(line.qty, db.settings.max_move_qty)
    if cmd.freight < 0 or cmd.duty < 0:
        raise InvalidInput("freight and duty cannot be negative")

    def work(session: Session) -> dict[str, Any]:
        po = locked_purchase_order(session, po_id)
        if po.status not in RECEIVABLE or po.sent_at is None:
            raise NotReceivable(
                f"purchase order {po_id} is {po.status.value}; only a sent order receives",
                id=po_id,
                status=po.status.value,
            )
        before = purchase_order_lines(session, po.id)
        lines = _checked_lines(session, po.id, cmd, db.settings.receipt_over_tolerance)
        landed = _landed_total(cmd, lines)
        receipt = _post_receipt(session, actor, po.id, cmd, landed)
        supplier = session.get_one(Supplier, po.supplier_id)
        grace = db.settings.receipt_on_time_grace_days
        value = sum(
            (_receive_line(session, actor, po, receipt, supplier, c, grace) for c in lines),
            Decimal(0),
        )
        _post_rounding(session, actor, po.id, value - landed)
        session.flush()
        _advance(session, po, actor)
        after = purchase_order_lines(session, po.id)
        audit.record(
            session.connection(),
            actor=actor,
            action="purchase_order.receive",
            entity="purchase_order",
            key=str(po.id),
            before=before,
            after={**after, "receipt": receipt.id},
        )
        return {**receipt_detail(session, receipt.id), "purchase_order": after}

    return db.transact(work)


Checked = tuple[ReceivedLine, PurchaseOrderLine, Item, Decimal, Decimal]


def _checked_lines(
    session: Session, po_id: int, cmd: ReceiptCommand, tolerance: Decimal
) -> list[Checked]:
    """Every received line checked against its order line, with its share of freight and
    duty, sorted by item (the lock order)."""
    lines = {
        line.line_no: line
        for line in session.scalars(
            select(PurchaseOrderLine).where(PurchaseOrderLine.purchase_order_id == po_id)
        )
    }
    found = []
    for received in cmd.lines:
        line = lines.get(received.line_no)
        if line is None:
            raise UnknownLine(
                f"purchase order {po_id} has no line {received.line_no}", line_no=received.line_no
            )
        check_receipt(
            line.line_no, line.qty_ordered, line.qty_received, received.qty, line.closed, tolerance
        )
        found.append((received, line, session.get_one(Item, line.item_id)))
    if cmd.allocate_by == AllocationBasis.WEIGHT:
        bases = [Decimal(r.qty) * item.weight_kg for r, _, item in found]
    else:
        bases = [r.qty * line.unit_cost for r, line, _ in found]
    freight = allocate_charge(cmd.freight, bases)
    duty = allocate_charge(cmd.duty, bases)
    checked = [
        (r, line, item, f, d) for (r, line, item), f, d in zip(found, freight, duty, strict=True)
    ]
    return sorted(checked, key=lambda c: (c[2].id, c[1].line_no))


def _post_receipt(
    session: Session,
    actor: str,
    po_id: int,
    cmd: ReceiptCommand,
    landed: Decimal,
) -> Receipt:
    """The receipt row and its journal entry at landed cost: goods, freight and duty."""
    entry_id = post_entry(
        session,
        f"goods received against purchase order {po_id}",
        f"purchase_order:{po_id}",
        actor,
        receipt_postings(landed),
    )
    receipt = Receipt(
        purchase_order_id=po_id,
        received_at=utcnow(),
        reference=cmd.reference,
        freight=cmd.freight,
        duty=cmd.duty,
        allocation_basis=cmd.allocate_by,
        journal_entry_id=entry_id,
        actor=actor,
    )
    session.add(receipt)
    session.flush()
    return receipt


def _landed_total(cmd: ReceiptCommand, lines: list[Checked]) -> Decimal:
    goods = sum((r.qty * line.unit_cost for r, line, *_ in lines), Decimal(0))
    return goods + cmd.freight + cmd.duty


def _post_rounding(session: Session, actor: str, po_id: int, difference: Decimal) -> None:
    """Landed unit costs and the blended average are kept to 4 places: what the stock's
    value moved by differs from the landed total by that rounding, booked so inventory stays
    on-hand x average."""
    postings = rounding_postings(difference)
    if postings:
        post_entry(
            session,
            f"cost rounding on receipt against purchase order {po_id}",
            f"purchase_order:{po_id}",
            actor,
            postings,
        )


def _receive_line(
    session: Session,
    actor: str,
    po: PurchaseOrder,
    receipt: Receipt,
    supplier: Supplier,
    checked: Checked,
    grace_days: int,
) -> Decimal:
    """One line in: the move at landed cost, its receipt line, the order line's progress;
    answers how much the stock's value grew."""
    received, line, item, freight, duty = checked
    landed = landed_unit_cost(received.qty * line.unit_cost, freight, duty, received.qty)
    inspect = item.requires_inspection or supplier.requires_inspection
    status = StockStatus.QUARANTINE if inspect else StockStatus.AVAILABLE
    move_id, value = _move_in(
        session, actor, receipt, po.location_id, item, received.qty, status, landed
    )
    now = receipt.received_at
    assert po.sent_at is not None  # only sent orders receive
    session.add(
        ReceiptLine(
            receipt_id=receipt.id,
            purchase_order_line_id=line.id,
            item_id=item.id,
            qty=received.qty,
            to_status=status,
            unit_cost=line.unit_cost,
            freight=freight,
            duty=duty,
            landed_unit_cost=landed,
            lead_time_days=lead_time_days(po.sent_at, now),
            on_time=on_time(now.date(), line.expected_date, grace_days),
            move_id=move_id,
        )
    )
    line.qty_received += received.qty
    if received.close or line.qty_received >= line.qty_ordered:
        line.closed, line.closed_at = True, now
    return value


def _move_in(
    session: Session,
    actor: str,
    receipt: Receipt,
    location_id: int,
    item: Item,
    qty: int,
    status: StockStatus,
    landed: Decimal,
) -> tuple[int, Decimal]:
    conn = session.connection()
    # Valued before it is posted: the receipt's own units are not yet on hand to blend with.
    valuation = value_receipt(conn, item.id, qty, landed)
    place = place_by_ids(conn, item.id, location_id)
    moved = record_move(
        conn,
        "purchasing.receive",
        place,
        Move(None, status, qty),
        "purchase_receipt",
        f"receipt:{receipt.id}",
        actor,
        unit_cost=landed,
    )
    return int(moved["id"]), valuation.value


def _advance(session: Session, po: PurchaseOrder, actor: str) -> None:
    """Received once every line is closed (in full or short), else partially received."""
    still_open = session.scalar(
        select(PurchaseOrderLine.id)
        .where(PurchaseOrderLine.purchase_order_id == po.id, ~PurchaseOrderLine.closed)
        .limit(1)
    )
    target = PoStatus.PARTIALLY_RECEIVED if still_open is not None else PoStatus.RECEIVED
    if po.status != target:
        move_to(po, target, actor)
