"""Refunds for returned units: calculate, and post the credit note at once or, above the
approval threshold, once someone with refunds:approve (not the requester) approves it.
Approval is the only way a pending refund is posted, and nothing is posted for a return with
an open anomaly flag: the money waits until someone has looked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_core.adapters.anomaly_tables import AnomalyFlag
from erp_core.adapters.database import Database
from erp_core.adapters.order_tables import Order, OrderLine
from erp_core.adapters.returns_tables import Refund, ReturnAuthorization, ReturnLine
from erp_core.adapters.tables import Channel
from erp_core.clock import utcnow
from erp_core.domain.anomalies import FlagKind, FlagOpen, FlagStatus
from erp_core.domain.errors import IllegalTransition, NotFound, PermissionDenied
from erp_core.domain.refunds import (
    RefundAmounts,
    RefundedLine,
    RefundStatus,
    credit_note_postings,
    needs_approval,
    refund_amounts,
)
from erp_core.domain.returns import REFUNDABLE, RefundExceedsReceived
from erp_core.queries.returns import refund_dict
from erp_core.services import audit
from erp_core.services.fulfillment import shipped_quantities
from erp_core.services.journal import post_entry
from erp_core.services.lookup import locked
from erp_core.services.order_lifecycle import locked_order
from erp_core.services.return_policies import terms_for
from erp_core.services.returns import LineQty, check_lines, lines_by_no, locked_return


def request_refund(
    db: Database, actor: str, rma_id: int, lines: tuple[LineQty, ...] | None = None
) -> dict[str, Any]:
    """Refund received units (all not yet refunded, unless lines say which): posted now, or
    left pending approval when the total is above settings.refund_approval_amount."""
    if lines is not None:
        check_lines(lines, db.settings.max_move_qty)

    def work(session: Session) -> dict[str, Any]:
        order_id = session.scalar(
            select(ReturnAuthorization.order_id).where(ReturnAuthorization.id == rma_id)
        )
        if order_id is None:
            raise NotFound(f"return {rma_id} not found", id=rma_id)
        # The order first, then the RMA: refunds of all the order's RMAs queue on the order,
        # which decides whether the whole order is back and shipping is due.
        order = locked_order(session, order_id)
        rma = locked_return(session, rma_id)
        if rma.status not in REFUNDABLE:
            raise IllegalTransition(f"return {rma.id} is {rma.status.value}; nothing received")
        by_no = lines_by_no(session, rma.id)
        wanted = lines or tuple(
            LineQty(no, line.qty_received - line.qty_refunded)
            for no, (line, _) in sorted(by_no.items())
            if line.qty_received > line.qty_refunded
        )
        if not wanted:
            raise RefundExceedsReceived(f"every received unit of return {rma.id} is refunded")
        refunded = _refunded_per_order_line(session, order.id)
        priced = []
        for asked in wanted:
            line = by_no[asked.line_no][0] if asked.line_no in by_no else None
            if line is None or asked.qty > line.qty_received - line.qty_refunded:
                raise RefundExceedsReceived(
                    f"line {asked.line_no}: {asked.qty} units asked, more than received "
                    "and not yet refunded",
                    line_no=asked.line_no,
                )
            sold = session.get_one(OrderLine, line.order_line_id)
            before = refunded.get(sold.id, 0)
            priced.append(
                RefundedLine(asked.qty, before, sold.qty, sold.unit_price, sold.discount, sold.tax)
            )
            refunded[sold.id] = before + asked.qty
            line.qty_refunded += asked.qty
        amounts = refund_amounts(
            priced,
            rma.reason,
            _fee_rate(session, db, order),
            order.shipping,
            _whole_order_back(session, order.id, refunded),
        )
        refund = Refund(
            return_id=rma.id,
            status=RefundStatus.PENDING_APPROVAL,
            lines=[{"line_no": a.line_no, "qty": a.qty} for a in wanted],
            goods=amounts.goods,
            tax=amounts.tax,
            shipping=amounts.shipping,
            restocking_fee=amounts.restocking_fee,
            total=amounts.total,
            requested_by=actor,
        )
        session.add(refund)
        session.flush()
        if not needs_approval(amounts.total, db.settings.refund_approval_amount):
            _post(session, actor, refund, order)
        return _recorded(session, actor, "refund.request", refund, None)

    return db.transact(work)


def approve_refund(db: Database, actor: str, refund_id: int) -> dict[str, Any]:
    """Approve a pending refund and post its credit note; the approver is recorded."""

    def work(session: Session) -> dict[str, Any]:
        refund = _pending(session, refund_id)
        if refund.requested_by == actor:
            raise PermissionDenied("a refund is approved by someone other than its requester")
        before = {"status": refund.status}
        refund.approved_by, refund.approved_at = actor, utcnow()
        rma = session.get_one(ReturnAuthorization, refund.return_id)
        _post(session, actor, refund, session.get_one(Order, rma.order_id))
        return _recorded(session, actor, "refund.approve", refund, before)

    return db.transact(work)


def reject_refund(db: Database, actor: str, refund_id: int, comment: str) -> dict[str, Any]:
    """Turn a pending refund down: nothing posts, and its units may be refunded again."""

    def work(session: Session) -> dict[str, Any]:
        refund = _pending(session, refund_id)
        before = {"status": refund.status}
        lines = lines_by_no(session, refund.return_id)
        for claimed in refund.lines:
            lines[claimed["line_no"]][0].qty_refunded -= claimed["qty"]
        refund.status = RefundStatus.REJECTED
        refund.rejected_by, refund.rejected_at = actor, utcnow()
        refund.rejection_comment = comment[:1000]
        return _recorded(session, actor, "refund.reject", refund, before)

    return db.transact(work)


def _pending(session: Session, refund_id: int) -> Refund:
    refund = locked(session, Refund, refund_id, "refund")
    if refund.status != RefundStatus.PENDING_APPROVAL:
        raise IllegalTransition(f"refund {refund_id} is {refund.status.value}")
    return refund


def _post(session: Session, actor: str, refund: Refund, order: Order) -> None:
    _check_no_open_flag(session, refund.return_id)
    amounts = RefundAmounts(refund.goods, refund.tax, refund.shipping, refund.restocking_fee)
    channel = session.get_one(Channel, order.channel_id).code
    refund.journal_entry_id = post_entry(
        session,
        f"credit note for order {order.external_id}",
        f"rma:{refund.return_id}/refund:{refund.id}",
        actor,
        credit_note_postings(channel, amounts),
    )
    refund.status = RefundStatus.POSTED
    refund.posted_at = utcnow()


def _check_no_open_flag(session: Session, return_id: int) -> None:
    flag_id = session.scalar(
        select(func.min(AnomalyFlag.id)).where(
            AnomalyFlag.kind == FlagKind.RETURN.value,
            AnomalyFlag.return_id == return_id,
            AnomalyFlag.status == FlagStatus.OPEN.value,
        )
    )
    if flag_id is not None:
        raise FlagOpen(
            f"return {return_id} has open anomaly flag {flag_id}; it must be resolved "
            "(confirmed or dismissed) before the refund is posted",
            flag_id=flag_id,
            return_id=return_id,
        )


def _recorded(
    session: Session, actor: str, action: str, refund: Refund, before: dict[str, Any] | None
) -> dict[str, Any]:
    session.flush()
    after = refund_dict(refund)
    audit.record(
        session.connection(),
        actor=actor,
        action=action,
        entity="refund",
        key=str(refund.id),
        before=before,
        after=after,
    )
    return after


def _fee_rate(session: Session, db: Database, order: Order) -> Decimal:
    return terms_for(session, order.channel_id, db.settings).restocking_fee_rate


def _refunded_per_order_line(session: Session, order_id: int) -> dict[int, int]:
    """Units refunded so far per order line, over all the order's RMAs."""
    return {
        line_id: int(qty)
        for line_id, qty in session.execute(
            select(ReturnLine.order_line_id, func.sum(ReturnLine.qty_refunded))
            .join(ReturnAuthorization, ReturnAuthorization.id == ReturnLine.return_id)
            .where(ReturnAuthorization.order_id == order_id)
            .group_by(ReturnLine.order_line_id)
        )
    }


def _whole_order_back(session: Session, order_id: int, refunded: dict[int, int]) -> bool:
    """Every shipped unit of the order refunded (with this refund), and shipping not yet (a
    rejected refund gave none back)."""
    shipped = shipped_quantities(session, order_id)
    shipping_paid = session.scalar(
        select(func.coalesce(func.sum(Refund.shipping), 0))
        .join(ReturnAuthorization, ReturnAuthorization.id == Refund.return_id)
        .where(ReturnAuthorization.order_id == order_id, Refund.status != RefundStatus.REJECTED)
    )
    everything = all(refunded.get(line_id, 0) >= qty for line_id, qty in shipped.items())
    return everything and not shipping_paid
