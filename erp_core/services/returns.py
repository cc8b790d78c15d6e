"""Returns: authorize an RMA for shipped units or cancel it, and what every step of an RMA
shares: its lock, its lines, its state changes and their audit. One transaction per action."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.fulfillment_tables import Shipment, ShipmentLine
from erp_core.adapters.order_tables import OrderLine
from erp_core.adapters.returns_tables import ReturnAuthorization, ReturnLine
from erp_core.adapters.tables import Location
from erp_core.clock import utcnow
from erp_core.domain.errors import InvalidInput
from erp_core.domain.refunds import STEP
from erp_core.domain.returns import (
    ReturnReason,
    ReturnStatus,
    check_reason,
    check_return_transition,
    check_returnable,
    check_window,
)
from erp_core.domain.stock import check_qty
from erp_core.queries.returns import return_detail
from erp_core.services import audit
from erp_core.services.lookup import active_by_code, locked
from erp_core.services.order_lifecycle import locked_order
from erp_core.services.return_policies import terms_for


@dataclass(frozen=True)
class LineQty:
    line_no: int
    qty: int


@dataclass(frozen=True)
class AuthorizeCommand:
    order_id: int
    reason: ReturnReason
    lines: tuple[LineQty, ...]
    reason_text: str | None = None
    # Where the units come back to; the last shipment's location when not given.
    location: str | None = None


def authorize_return(db: Database, actor: str, cmd: AuthorizeCommand) -> dict[str, Any]:
    check_lines(cmd.lines, db.settings.max_move_qty)
    reason_text = check_reason(cmd.reason, cmd.reason_text)

    def work(session: Session) -> dict[str, Any]:
        # The order is locked so two RMAs for it cannot both claim the same shipped units.
        order = locked_order(session, cmd.order_id)
        terms = terms_for(session, order.channel_id, db.settings)
        lines = {
            line.line_no: line
            for line in session.scalars(select(OrderLine).where(OrderLine.order_id == order.id))
        }
        now = utcnow()
        returned: list[ReturnLine] = []
        last_location: int | None = None
        for asked in cmd.lines:
            line = lines.get(asked.line_no)
            if line is None:
                raise InvalidInput(f"order {order.id} has no line {asked.line_no}")
            shipped, last = _shipments_of(session, line.id)
            total = sum(q for q, _, _ in shipped)
            check_returnable(asked.line_no, asked.qty, total, _already_returned(session, line.id))
            assert last is not None  # a line with nothing shipped was refused above
            check_window(last.shipped_at, now, terms.window_days, asked.line_no)
            last_location = last_location or last.location_id
            returned.append(
                ReturnLine(
                    order_line_id=line.id, qty_authorized=asked.qty, unit_cost=_cost(shipped)
                )
            )
        assert last_location is not None
        if cmd.location is not None:
            last_location = active_by_code(session, Location, cmd.location).id
        rma = ReturnAuthorization(
            order_id=order.id,
            location_id=last_location,
            status=ReturnStatus.AUTHORIZED,
            reason=cmd.reason,
            reason_text=reason_text,
            authorized_by=actor,
            authorized_at=now,
            status_changed_at=now,
        )
        session.add(rma)
        session.flush()
        for claimed in returned:
            claimed.return_id = rma.id
        session.add_all(returned)
        session.flush()
        detail = return_detail(session, rma.id)
        audit.record_for(session, "return", actor, "return.authorize", rma.id, None, detail)
        return detail

    return db.transact(work)


def cancel_return(db: Database, actor: str, rma_id: int) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        rma = locked_return(session, rma_id)
        before = {"status": rma.status}
        stamp(rma, ReturnStatus.CANCELLED)
        rma.cancelled_at = rma.status_changed_at
        session.flush()
        audit.record_for(
            session, "return", actor, "return.cancel", rma.id, before, {"status": rma.status}
        )
        return return_detail(session, rma.id)

    return db.transact(work)


def check_lines(lines: tuple[LineQty, ...], max_qty: int) -> None:
    numbers = [line.line_no for line in lines]
    if not numbers or len(set(numbers)) != len(numbers):
        raise InvalidInput("name each line once, with its quantity")
    for line in lines:
        check_qty(line.qty, max_qty)


def locked_return(session: Session, rma_id: int) -> ReturnAuthorization:
    return locked(session, ReturnAuthorization, rma_id, "return")


def lines_by_no(session: Session, rma_id: int) -> dict[int, tuple[ReturnLine, int]]:
    """The RMA's lines by order line number, with each line's item id."""
    rows = session.execute(
        select(ReturnLine, OrderLine.line_no, OrderLine.item_id)
        .join(OrderLine, OrderLine.id == ReturnLine.order_line_id)
        .where(ReturnLine.return_id == rma_id)
        .with_for_update(of=ReturnLine)
    )
    return {line_no: (line, item_id) for line, line_no, item_id in rows}


def stamp(rma: ReturnAuthorization, target: ReturnStatus) -> None:
    check_return_transition(rma.id, rma.status, target)
    rma.status = target
    rma.status_changed_at = utcnow()


def _shipments_of(session: Session, order_line_id: int) -> tuple[list[Any], Any]:
    """(qty, unit cost, shipment) per shipment of the line, and the last shipment; an
    unshipped line has nothing to return."""
    rows = list(
        session.execute(
            select(ShipmentLine.qty, ShipmentLine.unit_cost, Shipment)
            .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
            .where(ShipmentLine.order_line_id == order_line_id)
            .order_by(Shipment.shipped_at, Shipment.id)
        )
    )
    return rows, (rows[-1][2] if rows else None)


def _cost(shipped: list[Any]) -> Decimal:
    """The units' cost as they left: the average over the line's shipments."""
    qty = sum(q for q, _, _ in shipped)
    return (sum((q * cost for q, cost, _ in shipped), Decimal(0)) / qty).quantize(STEP)


def _already_returned(session: Session, order_line_id: int) -> int:
    """Units of the line claimed by earlier RMAs: authorized ones until received, then what
    actually came back; cancelled RMAs claim nothing."""
    claimed = case(
        (ReturnAuthorization.status == ReturnStatus.AUTHORIZED, ReturnLine.qty_authorized),
        else_=ReturnLine.qty_received,
    )
    return int(
        session.scalar(
            select(func.coalesce(func.sum(claimed), 0))
            .join(ReturnAuthorization, ReturnAuthorization.id == ReturnLine.return_id)
            .where(
                ReturnLine.order_line_id == order_line_id,
                ReturnAuthorization.status != ReturnStatus.CANCELLED,
            )
        )
        or 0
    )
