"""Receiving returned units into inspection and recording their condition.

Valuation: a return receipt values in. The units are the company's again the moment they
arrive, so they re-enter inventory (and the item's moving average) at the cost they shipped
at, reversing that part of the cost of sale; whatever their disposition, they are then stock
like any other, and units leaving again (write-off, return to vendor) leave at current cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.valuation import value_receipt
from erp_core.domain.errors import InvalidInput
from erp_core.domain.journal import rounding_postings
from erp_core.domain.refunds import returned_stock_postings
from erp_core.domain.returns import Condition, ReturnStatus, check_receipt, check_return_transition
from erp_core.domain.stock import Move, StockStatus
from erp_core.queries.returns import return_detail
from erp_core.services import audit
from erp_core.services.inventory import record_move
from erp_core.services.journal import post_entry
from erp_core.services.lookup import place_by_ids
from erp_core.services.returns import (
    LineQty,
    check_lines,
    lines_by_no,
    locked_return,
    stamp,
)


@dataclass(frozen=True)
class InspectLine:
    line_no: int
    condition: Condition


def receive_return(
    db: Database, actor: str, rma_id: int, lines: tuple[LineQty, ...]
) -> dict[str, Any]:
    """The parcel arrived: the units counted per line go into inspection at the RMA's
    location, valued at the cost they shipped at. Lines not named came back empty."""
    check_lines(lines, db.settings.max_move_qty)

    def work(session: Session) -> dict[str, Any]:
        rma = locked_return(session, rma_id)
        check_return_transition(rma.id, rma.status, ReturnStatus.RECEIVED)
        by_no = lines_by_no(session, rma.id)
        for asked in lines:
            if asked.line_no not in by_no:
                raise InvalidInput(f"return {rma.id} has no line {asked.line_no}")
            check_receipt(asked.line_no, asked.qty, by_no[asked.line_no][0].qty_authorized)
        conn = session.connection()
        cost = value = Decimal(0)
        # Item order, the order every stock action locks balance rows in.
        for asked in sorted(lines, key=lambda a: by_no[a.line_no][1]):
            line, item_id = by_no[asked.line_no]
            value += value_receipt(conn, item_id, asked.qty, line.unit_cost).value
            record_move(
                conn,
                "return.receive",
                place_by_ids(conn, item_id, rma.location_id),
                Move(None, StockStatus.INSPECTION, asked.qty),
                "return_receipt",
                f"rma:{rma.id}",
                actor,
                unit_cost=line.unit_cost,
            )
            line.qty_received = asked.qty
            cost += line.unit_cost * asked.qty
        post_entry(
            session,
            f"returned stock, rma {rma.id}",
            f"rma:{rma.id}",
            actor,
            returned_stock_postings(cost) + rounding_postings(value - cost),
        )
        stamp(rma, ReturnStatus.RECEIVED)
        rma.received_at = rma.status_changed_at
        session.flush()
        detail = return_detail(session, rma.id)
        audit.record_for(
            session, "return", actor, "return.receive", rma.id, {"status": "authorized"}, detail
        )
        return detail

    return db.transact(work)


def inspect_return(
    db: Database, actor: str, rma_id: int, lines: tuple[InspectLine, ...]
) -> dict[str, Any]:
    """Every received line is inspected at once, all its units, with their condition."""

    def work(session: Session) -> dict[str, Any]:
        rma = locked_return(session, rma_id)
        check_return_transition(rma.id, rma.status, ReturnStatus.INSPECTED)
        received = {no: line for no, (line, _) in lines_by_no(session, rma.id).items()}
        received = {no: line for no, line in received.items() if line.qty_received > 0}
        named = [i.line_no for i in lines]
        if sorted(named) != sorted(received):
            raise InvalidInput(
                "inspect every received line once",
                received=sorted(received),
                named=named,
            )
        for inspected in lines:
            line = received[inspected.line_no]
            line.condition = inspected.condition
            line.qty_inspected = line.qty_received
        stamp(rma, ReturnStatus.INSPECTED)
        rma.inspected_at = rma.status_changed_at
        session.flush()
        detail = return_detail(session, rma.id)
        audit.record_for(
            session, "return", actor, "return.inspect", rma.id, {"status": "received"}, detail
        )
        return detail

    return db.transact(work)
