"""Reading returns: one RMA with its lines, dispositions and refunds; the returns queue."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.order_tables import Order, OrderLine
from erp_core.adapters.returns_tables import (
    Refund,
    ReturnAuthorization,
    ReturnDisposition,
    ReturnLine,
)
from erp_core.adapters.tables import Channel, Item, Location, Supplier
from erp_core.clock import utcnow
from erp_core.domain.errors import NotFound
from erp_core.domain.refunds import RefundStatus
from erp_core.domain.returns import ReturnStatus
from erp_core.queries.pages import Page, keyset, page_of

RA = ReturnAuthorization
_SUMMARY = (
    select(
        RA.id,
        RA.order_id,
        Order.external_id,
        Channel.code.label("channel"),
        Location.code.label("location"),
        RA.status,
        RA.reason,
        RA.reason_text,
        RA.authorized_by,
        RA.authorized_at,
        RA.status_changed_at,
        RA.received_at,
        RA.inspected_at,
        RA.closed_at,
        RA.cancelled_at,
    )
    .join(Order, Order.id == RA.order_id)
    .join(Channel, Channel.id == Order.channel_id)
    .join(Location, Location.id == RA.location_id)
)
_REFUND_FIELDS = (
    "id",
    "return_id",
    "status",
    "lines",
    "goods",
    "tax",
    "shipping",
    "restocking_fee",
    "total",
    "requested_by",
    "requested_at",
    "approved_by",
    "approved_at",
    "posted_at",
    "rejected_by",
    "rejected_at",
    "rejection_comment",
    "journal_entry_id",
)


def refund_dict(refund: Refund) -> dict[str, Any]:
    return {field: getattr(refund, field) for field in _REFUND_FIELDS}


def return_detail(session: Session, rma_id: int) -> dict[str, Any]:
    row = session.execute(_SUMMARY.where(RA.id == rma_id)).first()
    if row is None:
        raise NotFound(f"return {rma_id} not found", id=rma_id)
    detail = _aged(dict(row._mapping), utcnow())
    detail["lines"] = [
        {
            "line_no": line_no,
            "sku": sku,
            "qty_authorized": line.qty_authorized,
            "qty_received": line.qty_received,
            "qty_inspected": line.qty_inspected,
            "qty_refunded": line.qty_refunded,
            "condition": line.condition,
        }
        for line, line_no, sku in session.execute(
            select(ReturnLine, OrderLine.line_no, Item.sku)
            .join(OrderLine, OrderLine.id == ReturnLine.order_line_id)
            .join(Item, Item.id == OrderLine.item_id)
            .where(ReturnLine.return_id == rma_id)
            .order_by(OrderLine.line_no)
        )
    ]
    detail["dispositions"] = [
        {
            "id": d.id,
            "line_no": line_no,
            "qty": d.qty,
            "disposition": d.disposition,
            "supplier": supplier,
            "qty_refurbished": d.qty_refurbished,
            "move_id": d.move_id,
            "actor": d.actor,
            "at": d.at,
        }
        for d, line_no, supplier in session.execute(
            select(ReturnDisposition, OrderLine.line_no, Supplier.code)
            .join(ReturnLine, ReturnLine.id == ReturnDisposition.return_line_id)
            .join(OrderLine, OrderLine.id == ReturnLine.order_line_id)
            .outerjoin(Supplier, Supplier.id == ReturnDisposition.supplier_id)
            .where(ReturnLine.return_id == rma_id)
            .order_by(ReturnDisposition.id)
        )
    ]
    detail["refunds"] = [
        refund_dict(r)
        for r in session.scalars(
            select(Refund).where(Refund.return_id == rma_id).order_by(Refund.id)
        )
    ]
    return detail


def get_return(db: Database, rma_id: int) -> dict[str, Any]:
    return db.read(lambda session: return_detail(session, rma_id))


def return_queue(
    db: Database,
    status: ReturnStatus | None,
    channel: str | None,
    older_than: timedelta | None,
    cursor: str | None,
    limit: int,
) -> Page:
    """Returns to work, oldest first; age is how long each has waited in its status."""
    query = _SUMMARY
    if status is not None:
        query = query.where(RA.status == status)
    if channel is not None:
        query = query.where(Channel.code == channel)
    if older_than is not None:
        query = query.where(RA.status_changed_at <= utcnow() - older_than)
    query = keyset(query, RA.id, cursor, limit)

    def run(session: Session) -> Page:
        rows, next_cursor = page_of(list(session.execute(query)), limit, lambda r: (r.id,))
        now = utcnow()
        return Page([_aged(dict(r._mapping), now) for r in rows], next_cursor)

    return db.read(run)


def _aged(rma: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Age in the current status, and the cycle time from authorization to the last unit's
    disposition once the RMA is closed."""
    closed: datetime | None = rma["closed_at"]
    return {
        **rma,
        "age_seconds": int((now - rma["status_changed_at"]).total_seconds()),
        "cycle_seconds": (
            int((closed - rma["authorized_at"]).total_seconds()) if closed is not None else None
        ),
    }


def refunds_page(db: Database, status: RefundStatus, cursor: str | None, limit: int) -> Page:
    """Refunds by status, oldest first: the approval queue when pending."""
    query = keyset(select(Refund).where(Refund.status == status), Refund.id, cursor, limit)

    def run(session: Session) -> Page:
        rows, next_cursor = page_of(list(session.scalars(query)), limit, lambda r: (r.id,))
        return Page([refund_dict(r) for r in rows], next_cursor)

    return db.read(run)
