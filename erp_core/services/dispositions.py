"""Routing inspected returned units out of inspection: restock, quarantine, refurbish,
write-off or return to vendor; and restocking refurbished units once repaired.

Each disposition is one ledger move out of the inspection bucket, so the stock sits in
exactly the bucket its disposition names. Units leaving the company (write-off, return to
vendor) are posted at the item's current cost, the cost every unit on the shelf carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.order_tables import OrderLine
from erp_core.adapters.returns_tables import ReturnDisposition, ReturnLine
from erp_core.adapters.tables import Supplier
from erp_core.adapters.valuation import lock_cost
from erp_core.domain.errors import IllegalTransition, InvalidInput, NotFound
from erp_core.domain.journal import Posting
from erp_core.domain.refunds import return_to_vendor_postings, write_off_postings
from erp_core.domain.returns import (
    DISPOSITION_MOVES,
    Disposition,
    RefurbishExceedsQuarantined,
    ReturnStatus,
    check_disposition,
    check_supplier,
)
from erp_core.domain.stock import Move, StockStatus, check_qty
from erp_core.queries.returns import return_detail
from erp_core.services import audit
from erp_core.services.inventory import record_move
from erp_core.services.journal import post_entry
from erp_core.services.lookup import active_by_code, place_by_ids
from erp_core.services.returns import lines_by_no, locked_return, stamp


@dataclass(frozen=True)
class DisposeLine:
    line_no: int
    qty: int
    disposition: Disposition
    supplier: str | None = None


def dispose_units(
    db: Database, actor: str, rma_id: int, lines: tuple[DisposeLine, ...]
) -> dict[str, Any]:
    """Route inspected units; the RMA closes when every inspected unit has its disposition."""
    if not lines:
        raise InvalidInput("name at least one line to route")
    for line in lines:
        check_qty(line.qty, db.settings.max_move_qty)
        check_supplier(line.disposition, line.supplier, line.line_no)

    def work(session: Session) -> dict[str, Any]:
        rma = locked_return(session, rma_id)
        by_no = lines_by_no(session, rma.id)
        left = {
            no: line.qty_inspected - _disposed(session, line.id) for no, (line, _) in by_no.items()
        }
        for asked in lines:
            if asked.line_no not in by_no:
                raise InvalidInput(f"return {rma.id} has no line {asked.line_no}")
            check_disposition(rma.id, rma.status, asked.qty, left[asked.line_no], asked.line_no)
            left[asked.line_no] -= asked.qty
        conn = session.connection()
        # Item order, the order every stock action locks balance rows in.
        for asked in sorted(lines, key=lambda a: by_no[a.line_no][1]):
            line, item_id = by_no[asked.line_no]
            session.add(_route(session, conn, actor, rma.id, rma.location_id, line, item_id, asked))
        if all(units == 0 for units in left.values()):
            stamp(rma, ReturnStatus.CLOSED)
            rma.closed_at = rma.status_changed_at
        session.flush()
        detail = return_detail(session, rma.id)
        audit.record(
            conn,
            actor=actor,
            action="return.dispose",
            entity="return",
            key=str(rma.id),
            before={"status": "inspected"},
            after=detail,
        )
        return detail

    return db.transact(work)


def _route(
    session: Session,
    conn: Connection,
    actor: str,
    rma_id: int,
    location_id: int,
    line: ReturnLine,
    item_id: int,
    asked: DisposeLine,
) -> ReturnDisposition:
    target = DISPOSITION_MOVES[asked.disposition]
    supplier = active_by_code(session, Supplier, asked.supplier) if asked.supplier else None
    reference = f"rma:{rma_id}" + (f"/supplier:{supplier.code}" if supplier else "")
    cost = lock_cost(conn, item_id) * asked.qty if target.to_status is None else None
    moved = record_move(
        conn,
        "return.dispose",
        place_by_ids(conn, item_id, location_id),
        Move(StockStatus.INSPECTION, target.to_status, asked.qty),
        target.reason,
        reference,
        actor,
    )
    if cost is not None:
        postings: list[Posting] = (
            return_to_vendor_postings(supplier.code, cost) if supplier else write_off_postings(cost)
        )
        post_entry(session, f"{target.reason}, rma {rma_id}", reference, actor, postings)
    return ReturnDisposition(
        return_line_id=line.id,
        qty=asked.qty,
        disposition=asked.disposition,
        supplier_id=supplier.id if supplier else None,
        move_id=moved["id"],
        actor=actor,
    )


def restock_refurbished(
    db: Database, actor: str, rma_id: int, disposition_id: int, qty: int
) -> dict[str, Any]:
    """Repaired units leave quarantine for available stock."""
    check_qty(qty, db.settings.max_move_qty)

    def work(session: Session) -> dict[str, Any]:
        rma = locked_return(session, rma_id)
        found = session.get(ReturnDisposition, disposition_id, with_for_update=True)
        line = session.get(ReturnLine, found.return_line_id) if found else None
        if found is None or line is None or line.return_id != rma.id:
            raise NotFound(f"return {rma.id} has no disposition {disposition_id}")
        if found.disposition != Disposition.REFURBISH:
            raise IllegalTransition(f"disposition {disposition_id} is not a refurbishment")
        waiting = found.qty - found.qty_refurbished
        if qty > waiting:
            raise RefurbishExceedsQuarantined(
                f"{waiting} units of disposition {disposition_id} wait for repair, {qty} asked",
                waiting=waiting,
                requested=qty,
            )
        conn = session.connection()
        item_id = session.get_one(OrderLine, line.order_line_id).item_id
        record_move(
            conn,
            "return.refurbished",
            place_by_ids(conn, item_id, rma.location_id),
            Move(StockStatus.QUARANTINE, StockStatus.AVAILABLE, qty),
            "refurbished",
            f"rma:{rma.id}",
            actor,
        )
        before = found.qty_refurbished
        found.qty_refurbished += qty
        session.flush()
        audit.record(
            conn,
            actor=actor,
            action="return.refurbished",
            entity="return_disposition",
            key=str(found.id),
            before={"qty_refurbished": before},
            after={"qty_refurbished": found.qty_refurbished},
        )
        return return_detail(session, rma.id)

    return db.transact(work)


def _disposed(session: Session, return_line_id: int) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(ReturnDisposition.qty), 0)).where(
                ReturnDisposition.return_line_id == return_line_id
            )
        )
        or 0
    )
