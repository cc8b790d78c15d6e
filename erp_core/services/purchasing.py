"""Purchase orders: raise, edit while draft, approve, send, cancel, close. One transaction each;
the order row is locked first, so approval, sending and receiving never interleave."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.purchasing_tables import PurchaseOrder, PurchaseOrderLine
from erp_core.adapters.tables import Item, Location, Supplier, SupplierItem
from erp_core.clock import utcnow
from erp_core.domain.errors import IllegalTransition, InvalidInput, NotFound
from erp_core.domain.purchasing import (
    ApprovalRequired,
    ItemNotSupplied,
    PoStatus,
    check_order_qty,
    check_transition,
    needs_approval,
)
from erp_core.queries.purchasing import purchase_order_detail, purchase_order_lines
from erp_core.services import audit
from erp_core.services.lookup import active_by_code, locked

# The timestamp each state stamps when the order enters it.
_STAMPS = {
    PoStatus.APPROVED: "approved_at",
    PoStatus.SENT: "sent_at",
    PoStatus.RECEIVED: "received_at",
    PoStatus.CLOSED: "closed_at",
    PoStatus.CANCELLED: "cancelled_at",
}

# What a change to a draft line may touch, by its name in commands.
_LINE_FIELDS = {
    "qty": "qty_ordered",
    "unit_cost": "unit_cost",
    "expected_date": "expected_date",
    "override_reason": "override_reason",
}


@dataclass(frozen=True)
class PoLineCommand:
    sku: str
    qty: int
    expected_date: date
    unit_cost: Decimal | None = None
    override_reason: str | None = None


@dataclass(frozen=True)
class PoCommand:
    supplier: str
    location: str
    lines: tuple[PoLineCommand, ...]
    note: str | None = None


def create_purchase_order(db: Database, actor: str, cmd: PoCommand) -> dict[str, Any]:
    """A draft order; each line's MOQ and pack size are checked against the supplier-item."""
    return db.transact(lambda session: raise_draft(session, actor, cmd))


def raise_draft(session: Session, actor: str, cmd: PoCommand) -> dict[str, Any]:
    """`create_purchase_order` inside a caller's transaction (an approved plan raises several)."""
    supplier = active_by_code(session, Supplier, cmd.supplier)
    location = active_by_code(session, Location, cmd.location)
    po = PurchaseOrder(
        supplier_id=supplier.id,
        location_id=location.id,
        status=PoStatus.DRAFT,
        total_value=Decimal(0),
        note=cmd.note,
        created_by=actor,
    )
    session.add(po)
    session.flush()
    for number, line in enumerate(cmd.lines, start=1):
        session.add(_new_line(session, supplier, po.id, number, line))
    session.flush()
    po.total_value = _total_value(session, po.id)
    return _recorded(session, actor, "create", po, None)


def change_line(
    db: Database, actor: str, po_id: int, line_no: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Change a draft order's line. Once approved, lines are fixed: a changed order would need
    approval again, so it is cancelled and raised anew instead."""
    unknown = set(changes) - set(_LINE_FIELDS)
    if unknown:
        raise InvalidInput(f"a line's {', '.join(sorted(unknown))} cannot change")

    def work(session: Session) -> dict[str, Any]:
        po = locked_purchase_order(session, po_id)
        if po.status != PoStatus.DRAFT:
            raise IllegalTransition(
                f"purchase order {po_id} is {po.status.value}; only a draft's lines change",
                id=po_id,
                status=po.status.value,
            )
        before = purchase_order_lines(session, po.id)
        line = _line(session, po.id, line_no)
        for field, value in changes.items():
            setattr(line, _LINE_FIELDS[field], value)
        link = supplier_item(session, po.supplier_id, line.item_id)
        check_order_qty(line.qty_ordered, link.moq, link.pack_size, line.override_reason)
        session.flush()
        po.total_value = _total_value(session, po.id)
        return _recorded(session, actor, "change_line", po, before)

    return db.transact(work)


def approve_purchase_order(db: Database, actor: str, po_id: int) -> dict[str, Any]:
    return _transition(db, actor, po_id, PoStatus.APPROVED)


def send_purchase_order(db: Database, actor: str, po_id: int) -> dict[str, Any]:
    """Send to the supplier. A draft under the approval threshold is approved by its sender on
    the way; one above it must be approved first (409 approval_required)."""

    def work(session: Session) -> dict[str, Any]:
        po = locked_purchase_order(session, po_id)
        before = purchase_order_lines(session, po.id)
        if po.status == PoStatus.DRAFT:
            threshold = db.settings.purchase_approval_threshold
            if needs_approval(po.total_value, threshold):
                raise ApprovalRequired(
                    f"purchase order {po_id} is worth {po.total_value}, above {threshold}: "
                    "it needs approval before it is sent",
                    id=po_id,
                    value=str(po.total_value),
                    threshold=str(threshold),
                )
            move_to(po, PoStatus.APPROVED, actor)
        move_to(po, PoStatus.SENT, actor)
        return _recorded(session, actor, "send", po, before)

    return db.transact(work)


def cancel_purchase_order(db: Database, actor: str, po_id: int) -> dict[str, Any]:
    """Only before anything was received: receipts are history, so a received order closes."""
    return _transition(db, actor, po_id, PoStatus.CANCELLED)


def close_purchase_order(db: Database, actor: str, po_id: int) -> dict[str, Any]:
    """Close a received or partly received order; what never came is not expected any more."""

    def work(session: Session) -> dict[str, Any]:
        po = locked_purchase_order(session, po_id)
        before = purchase_order_lines(session, po.id)
        move_to(po, PoStatus.CLOSED, actor)
        now = utcnow()
        for line in session.scalars(
            select(PurchaseOrderLine).where(
                PurchaseOrderLine.purchase_order_id == po.id, ~PurchaseOrderLine.closed
            )
        ):
            line.closed, line.closed_at = True, now
        return _recorded(session, actor, "close", po, before)

    return db.transact(work)


def locked_purchase_order(session: Session, po_id: int) -> PurchaseOrder:
    """The order, locked against concurrent changes for the rest of the transaction."""
    return locked(session, PurchaseOrder, po_id, "purchase order")


def move_to(po: PurchaseOrder, target: PoStatus, actor: str) -> None:
    check_transition(po.id, po.status, target)
    now = utcnow()
    po.status = target
    po.status_changed_at = now
    if target in _STAMPS:
        setattr(po, _STAMPS[target], now)
    if target == PoStatus.APPROVED:
        po.approved_by = actor


def _transition(db: Database, actor: str, po_id: int, target: PoStatus) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        po = locked_purchase_order(session, po_id)
        before = purchase_order_lines(session, po.id)
        move_to(po, target, actor)
        return _recorded(session, actor, target.value, po, before)

    return db.transact(work)


def _new_line(
    session: Session, supplier: Supplier, po_id: int, number: int, cmd: PoLineCommand
) -> PurchaseOrderLine:
    item = active_by_code(session, Item, cmd.sku)
    link = supplier_item(session, supplier.id, item.id)
    check_order_qty(cmd.qty, link.moq, link.pack_size, cmd.override_reason)
    return PurchaseOrderLine(
        purchase_order_id=po_id,
        line_no=number,
        item_id=item.id,
        qty_ordered=cmd.qty,
        qty_received=0,
        unit_cost=link.unit_cost if cmd.unit_cost is None else cmd.unit_cost,
        expected_date=cmd.expected_date,
        override_reason=cmd.override_reason,
        closed=False,
    )


def supplier_item(session: Session, supplier_id: int, item_id: int) -> SupplierItem:
    """The active terms on which the supplier sells the item; ItemNotSupplied if none."""
    link = session.scalars(
        select(SupplierItem).where(
            SupplierItem.supplier_id == supplier_id,
            SupplierItem.item_id == item_id,
            SupplierItem.active,
        )
    ).one_or_none()
    if link is None:
        sku = session.get_one(Item, item_id).sku
        raise ItemNotSupplied(f"the supplier does not sell {sku!r}", sku=sku)
    return link


def _line(session: Session, po_id: int, line_no: int) -> PurchaseOrderLine:
    line = session.scalars(
        select(PurchaseOrderLine).where(
            PurchaseOrderLine.purchase_order_id == po_id, PurchaseOrderLine.line_no == line_no
        )
    ).one_or_none()
    if line is None:
        raise NotFound(f"purchase order {po_id} has no line {line_no}", line_no=line_no)
    return line


def _total_value(session: Session, po_id: int) -> Decimal:
    lines = session.scalars(
        select(PurchaseOrderLine).where(PurchaseOrderLine.purchase_order_id == po_id)
    )
    return sum((line.qty_ordered * line.unit_cost for line in lines), Decimal(0))


def _recorded(
    session: Session, actor: str, verb: str, po: PurchaseOrder, before: dict[str, Any] | None
) -> dict[str, Any]:
    session.flush()
    audit.record(
        session.connection(),
        actor=actor,
        action=f"purchase_order.{verb}",
        entity="purchase_order",
        key=str(po.id),
        before=before,
        after=purchase_order_lines(session, po.id),
    )
    return purchase_order_detail(session, po.id)
