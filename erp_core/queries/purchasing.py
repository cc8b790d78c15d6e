"""Reading purchase orders (one with its lines and receipts, or a list) and what the receipts
say about each supplier: lead-time mean and spread, on-time rate and fill rate per item."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.purchasing_tables import (
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
)
from erp_core.adapters.tables import Item, Location, Supplier, SupplierItem
from erp_core.domain.errors import NotFound
from erp_core.domain.purchasing import PoStatus
from erp_core.queries.pages import Page, keyset, page_of
from erp_core.services.lookup import by_code

_HEADER = (
    PurchaseOrder.id,
    Supplier.code.label("supplier"),
    Location.code.label("location"),
    PurchaseOrder.status,
    PurchaseOrder.total_value,
    PurchaseOrder.note,
    PurchaseOrder.created_by,
    PurchaseOrder.created_at,
    PurchaseOrder.status_changed_at,
    PurchaseOrder.approved_by,
    PurchaseOrder.approved_at,
    PurchaseOrder.sent_at,
    PurchaseOrder.received_at,
    PurchaseOrder.closed_at,
    PurchaseOrder.cancelled_at,
)
_ORDERS = (
    select(*_HEADER)
    .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
    .join(Location, Location.id == PurchaseOrder.location_id)
)
_LINES = (
    select(
        PurchaseOrderLine.line_no,
        Item.sku,
        PurchaseOrderLine.qty_ordered,
        PurchaseOrderLine.qty_received,
        PurchaseOrderLine.unit_cost,
        PurchaseOrderLine.expected_date,
        PurchaseOrderLine.override_reason,
        PurchaseOrderLine.closed,
        PurchaseOrderLine.closed_at,
    )
    .join(Item, Item.id == PurchaseOrderLine.item_id)
    .order_by(PurchaseOrderLine.line_no)
)
_RECEIPT_LINES = (
    select(
        ReceiptLine.receipt_id,
        PurchaseOrderLine.line_no,
        Item.sku,
        ReceiptLine.qty,
        ReceiptLine.to_status,
        ReceiptLine.unit_cost,
        ReceiptLine.freight,
        ReceiptLine.duty,
        ReceiptLine.landed_unit_cost,
        ReceiptLine.lead_time_days,
        ReceiptLine.on_time,
        ReceiptLine.move_id,
    )
    .join(PurchaseOrderLine, PurchaseOrderLine.id == ReceiptLine.purchase_order_line_id)
    .join(Item, Item.id == ReceiptLine.item_id)
    .order_by(ReceiptLine.receipt_id, ReceiptLine.id)
)


def purchase_order_detail(session: Session, po_id: int) -> dict[str, Any]:
    """The order with its lines and every receipt."""
    found = purchase_order_lines(session, po_id)
    return {**found, "receipts": _receipts(session, Receipt.purchase_order_id == po_id)}


def purchase_order_lines(session: Session, po_id: int) -> dict[str, Any]:
    """The order with its lines: what its actions audit, without the growing receipt history."""
    header = session.execute(_ORDERS.where(PurchaseOrder.id == po_id)).first()
    if header is None:
        raise NotFound(f"purchase order {po_id} not found", id=po_id)
    lines = [
        {**r._mapping, "qty_open": 0 if r.closed else max(r.qty_ordered - r.qty_received, 0)}
        for r in session.execute(_LINES.where(PurchaseOrderLine.purchase_order_id == po_id))
    ]
    return {**header._mapping, "lines": lines}


def receipt_detail(session: Session, receipt_id: int) -> dict[str, Any]:
    return _receipts(session, Receipt.id == receipt_id)[0]


_RECEIPTS = select(
    Receipt.id,
    Receipt.received_at,
    Receipt.reference,
    Receipt.freight,
    Receipt.duty,
    Receipt.allocation_basis,
    Receipt.journal_entry_id,
    Receipt.actor,
).order_by(Receipt.id)


def _receipts(session: Session, which: ColumnElement[bool]) -> list[dict[str, Any]]:
    receipts = {r.id: {**r._mapping, "lines": []} for r in session.execute(_RECEIPTS.where(which))}
    if receipts:
        query = _RECEIPT_LINES.where(ReceiptLine.receipt_id.in_(list(receipts)))
        for row in session.execute(query):
            line = dict(row._mapping)
            receipts[line.pop("receipt_id")]["lines"].append(line)
    return list(receipts.values())


def get_purchase_order(db: Database, po_id: int) -> dict[str, Any]:
    return db.read(lambda session: purchase_order_detail(session, po_id))


def purchase_orders_page(
    db: Database,
    status: PoStatus | None,
    supplier: str | None,
    cursor: str | None,
    limit: int,
) -> Page:
    """Order headers, oldest first."""

    def run(session: Session) -> Page:
        query = _ORDERS
        if status is not None:
            query = query.where(PurchaseOrder.status == status)
        if supplier is not None:
            query = query.where(
                PurchaseOrder.supplier_id == by_code(session, Supplier, supplier).id
            )
        query = keyset(query, PurchaseOrder.id, cursor, limit)
        rows, next_cursor = page_of(list(session.execute(query)), limit, lambda r: (r.id,))
        return Page([dict(r._mapping) for r in rows], next_cursor)

    return db.read(run)


def supplier_performance(db: Database, supplier: str, cursor: str | None, limit: int) -> Page:
    """Per item the supplier sells: the lead time its receipts took (mean and sample standard
    deviation, in days), the share of receipt lines on time, and the fill rate of finished
    lines (units received up to the ordered quantity / units ordered)."""

    def run(session: Session) -> Page:
        found = by_code(session, Supplier, supplier)
        query = (
            select(SupplierItem.item_id, Item.sku, SupplierItem.lead_time_days_mean)
            .join(Item, Item.id == SupplierItem.item_id)
            .where(SupplierItem.supplier_id == found.id)
        )
        query = keyset(query, SupplierItem.item_id, cursor, limit)
        rows, next_cursor = page_of(list(session.execute(query)), limit, lambda r: (r.item_id,))
        item_ids = [r.item_id for r in rows]
        receipts = _receipt_figures(session, found.id, item_ids)
        fills = _fill_figures(session, found.id, item_ids)
        return Page(
            [
                {
                    "sku": r.sku,
                    "planned_lead_time_days": r.lead_time_days_mean,
                    **receipts.get(r.item_id, _NO_RECEIPTS),
                    **fills.get(r.item_id, _NO_FILLS),
                }
                for r in rows
            ],
            next_cursor,
        )

    return db.read(run)


_NO_RECEIPTS = {
    "receipts": 0,
    "lead_time_days_mean": None,
    "lead_time_days_std": None,
    "on_time_rate": None,
}
_NO_FILLS = {"lines_finished": 0, "fill_rate": None}
_RATE = Decimal("0.0001")


def _receipt_figures(
    session: Session, supplier_id: int, item_ids: list[int]
) -> dict[int, dict[str, Any]]:
    # Sums, not per-row reads: the variance comes from the count, sum and sum of squares.
    lead = ReceiptLine.lead_time_days
    rows = session.execute(
        select(
            ReceiptLine.item_id,
            func.count(),
            func.sum(lead),
            func.sum(lead * lead),
            func.sum(case((ReceiptLine.on_time, 1), else_=0)),
        )
        .join(Receipt, Receipt.id == ReceiptLine.receipt_id)
        .join(PurchaseOrder, PurchaseOrder.id == Receipt.purchase_order_id)
        .where(PurchaseOrder.supplier_id == supplier_id, ReceiptLine.item_id.in_(item_ids))
        .group_by(ReceiptLine.item_id)
    )
    figures = {}
    for item_id, count, total, squares, on_time in rows:
        mean = Decimal(total) / count
        variance = (Decimal(squares) - Decimal(total) * mean) / (count - 1) if count > 1 else 0
        figures[item_id] = {
            "receipts": count,
            "lead_time_days_mean": mean.quantize(Decimal("0.01"), ROUND_HALF_EVEN),
            "lead_time_days_std": Decimal(math.sqrt(max(variance, 0))).quantize(
                Decimal("0.01"), ROUND_HALF_EVEN
            ),
            "on_time_rate": (Decimal(on_time) / count).quantize(_RATE, ROUND_HALF_EVEN),
        }
    return figures


def _fill_figures(
    session: Session, supplier_id: int, item_ids: list[int]
) -> dict[int, dict[str, Any]]:
    line = PurchaseOrderLine
    delivered = case(
        (line.qty_received > line.qty_ordered, line.qty_ordered), else_=line.qty_received
    )
    rows = session.execute(
        select(line.item_id, func.count(), func.sum(delivered), func.sum(line.qty_ordered))
        .join(PurchaseOrder, PurchaseOrder.id == line.purchase_order_id)
        .where(
            PurchaseOrder.supplier_id == supplier_id,
            PurchaseOrder.status != PoStatus.CANCELLED,
            line.closed,
            line.item_id.in_(item_ids),
        )
        .group_by(line.item_id)
    )
    return {
        item_id: {
            "lines_finished": count,
            "fill_rate": (Decimal(received) / Decimal(ordered)).quantize(_RATE, ROUND_HALF_EVEN),
        }
        for item_id, count, received, ordered in rows
    }
