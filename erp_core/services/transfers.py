"""Transfers between locations: plan (draft), ship (stock leaves the source and waits in
transit at the destination), receive (in transit -> available there, partly if need be).
One transaction each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters import ledger
from erp_core.adapters.database import Database
from erp_core.adapters.tables import Item, Location
from erp_core.adapters.transfer_tables import Transfer, TransferLine
from erp_core.clock import utcnow
from erp_core.domain.errors import InvalidInput
from erp_core.domain.stock import Move, StockStatus, check_qty
from erp_core.domain.transfers import (
    TransferStatus,
    check_each_sku_once,
    check_receivable,
    check_route,
    check_transition,
    status_after_receipt,
)
from erp_core.queries.transfers import transfer_detail
from erp_core.services import audit
from erp_core.services.inventory import record_move
from erp_core.services.lookup import active_by_code, locked, place_by_ids

A, IN_TRANSIT = StockStatus.AVAILABLE, StockStatus.IN_TRANSIT


@dataclass(frozen=True)
class TransferLineCommand:
    sku: str
    qty: int


@dataclass(frozen=True)
class TransferCommand:
    source: str
    destination: str
    lines: tuple[TransferLineCommand, ...]
    expected_arrival: date | None = None
    reference: str | None = None


def create_transfer(db: Database, actor: str, cmd: TransferCommand) -> dict[str, Any]:
    check_route(cmd.source, cmd.destination)
    if not cmd.lines:
        raise InvalidInput("a transfer moves at least one SKU")
    check_each_sku_once(line.sku for line in cmd.lines)
    for line in cmd.lines:
        check_qty(line.qty, db.settings.max_move_qty)

    def work(session: Session) -> dict[str, Any]:
        source = active_by_code(session, Location, cmd.source)
        destination = active_by_code(session, Location, cmd.destination)
        transfer = Transfer(
            source_location_id=source.id,
            destination_location_id=destination.id,
            status=TransferStatus.DRAFT,
            reference=cmd.reference,
            expected_arrival=cmd.expected_arrival,
            created_by=actor,
        )
        session.add(transfer)
        session.flush()
        for line in cmd.lines:
            item = active_by_code(session, Item, line.sku)
            session.add(TransferLine(transfer_id=transfer.id, item_id=item.id, qty=line.qty))
        session.flush()
        detail = transfer_detail(session, transfer.id)
        audit.record_for(session, "transfer", actor, "transfer.create", transfer.id, None, detail)
        return detail

    return db.transact(work)


def ship_transfer(db: Database, actor: str, transfer_id: int) -> dict[str, Any]:
    """Every line leaves the source in full and waits in transit at the destination;
    InsufficientStock (and nothing moved) if the source is short of any of them."""

    def work(session: Session) -> dict[str, Any]:
        transfer = locked(session, Transfer, transfer_id, "transfer")
        check_transition(transfer_id, transfer.status, TransferStatus.SHIPPED)
        conn, reference = session.connection(), f"transfer:{transfer_id}"
        for line in _lines(session, transfer_id):
            source = place_by_ids(conn, line.item_id, transfer.source_location_id)
            target = place_by_ids(conn, line.item_id, transfer.destination_location_id)
            # Both ends locked in location order, so opposite transfers cannot deadlock.
            for place, status in sorted(
                ((source, A), (target, IN_TRANSIT)), key=lambda end: end[0].location_id
            ):
                ledger.lock_balances(conn, place, [status])
            out = Move(A, None, line.qty)
            record_move(conn, "transfer.ship", source, out, "transfer_out", reference, actor)
            into = Move(None, IN_TRANSIT, line.qty)
            record_move(
                conn, "transfer.ship", target, into, "transfer_in_transit", reference, actor
            )
            line.qty_shipped = line.qty
        _change_status(session, actor, transfer, TransferStatus.SHIPPED)
        return transfer_detail(session, transfer_id)

    return db.transact(work)


def receive_transfer(
    db: Database, actor: str, transfer_id: int, lines: tuple[TransferLineCommand, ...] | None
) -> dict[str, Any]:
    """In transit -> available at the destination: the given quantities, or all outstanding."""
    if lines is not None:
        if not lines:
            raise InvalidInput("name at least one SKU to receive, or none to receive all")
        check_each_sku_once(line.sku for line in lines)
        for line in lines:
            check_qty(line.qty, db.settings.max_move_qty)

    def work(session: Session) -> dict[str, Any]:
        transfer = locked(session, Transfer, transfer_id, "transfer")
        check_transition(transfer_id, transfer.status, TransferStatus.RECEIVED)
        conn, reference = session.connection(), f"transfer:{transfer_id}"
        by_sku = {_sku(session, line.item_id): line for line in _lines(session, transfer_id)}
        wanted = _receipt_quantities(transfer_id, by_sku, lines)
        for sku, qty in sorted(wanted.items(), key=lambda kv: by_sku[kv[0]].item_id):
            line = by_sku[sku]
            check_receivable(sku, line.qty_shipped, line.qty_received, qty)
            place = place_by_ids(conn, line.item_id, transfer.destination_location_id)
            move = Move(IN_TRANSIT, A, qty)
            record_move(conn, "transfer.receive", place, move, "transfer_receipt", reference, actor)
            line.qty_received += qty
        outstanding = sum(line.qty_shipped - line.qty_received for line in by_sku.values())
        _change_status(session, actor, transfer, status_after_receipt(outstanding))
        return transfer_detail(session, transfer_id)

    return db.transact(work)


def cancel_transfer(db: Database, actor: str, transfer_id: int) -> dict[str, Any]:
    """Only a draft can be cancelled: nothing has moved yet."""

    def work(session: Session) -> dict[str, Any]:
        transfer = locked(session, Transfer, transfer_id, "transfer")
        check_transition(transfer_id, transfer.status, TransferStatus.CANCELLED)
        _change_status(session, actor, transfer, TransferStatus.CANCELLED)
        return transfer_detail(session, transfer_id)

    return db.transact(work)


def _receipt_quantities(
    transfer_id: int,
    by_sku: dict[str, TransferLine],
    lines: tuple[TransferLineCommand, ...] | None,
) -> dict[str, int]:
    if lines is None:
        return {
            sku: line.qty_shipped - line.qty_received
            for sku, line in by_sku.items()
            if line.qty_shipped > line.qty_received
        }
    for line in lines:
        if line.sku not in by_sku:
            raise InvalidInput(f"transfer {transfer_id} does not carry {line.sku}", sku=line.sku)
    return {line.sku: line.qty for line in lines}


def _lines(session: Session, transfer_id: int) -> list[TransferLine]:
    query = (
        select(TransferLine)
        .where(TransferLine.transfer_id == transfer_id)
        .order_by(TransferLine.item_id)
    )
    return list(session.scalars(query))


def _sku(session: Session, item_id: int) -> str:
    return session.get_one(Item, item_id).sku


def _change_status(
    session: Session, actor: str, transfer: Transfer, status: TransferStatus
) -> None:
    before = {"status": transfer.status}
    now = utcnow()
    transfer.status = status
    transfer.status_changed_at = now
    if status == TransferStatus.SHIPPED:
        transfer.shipped_at = now
    elif status == TransferStatus.RECEIVED:
        transfer.received_at = now
    elif status == TransferStatus.CANCELLED:
        transfer.cancelled_at = now
    session.flush()
    audit.record_for(
        session,
        "transfer",
        actor,
        f"transfer.{status.value}",
        transfer.id,
        before,
        {"status": status},
    )
