"""Inventory business actions: receive, move, adjust, reserve, release. One transaction each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from erp_core.adapters import ledger
from erp_core.adapters.database import Database
from erp_core.adapters.tables import Item, Location, Reservation, StockMove, utcnow
from erp_core.domain.errors import IllegalTransition, InvalidInput, NotFound
from erp_core.domain.stock import (
    Move,
    StockStatus,
    adjustment_move,
    check_qty,
    operator_move,
)
from erp_core.services import audit
from erp_core.services.lookup import active_by_code, by_code


@dataclass(frozen=True)
class MoveCommand:
    sku: str
    location: str
    qty: int
    to_status: StockStatus
    from_status: StockStatus | None = None
    reason: str = "receipt"
    reference: str | None = None


@dataclass(frozen=True)
class AdjustCommand:
    sku: str
    location: str
    status: StockStatus
    reason: str
    counted_qty: int | None = None
    delta: int | None = None
    reference: str | None = None


@dataclass(frozen=True)
class ReserveCommand:
    sku: str
    location: str
    qty: int
    reference: str | None = None


@dataclass(frozen=True)
class RelocateCommand:
    sku: str
    from_location: str
    to_location: str
    qty: int
    status: StockStatus = StockStatus.AVAILABLE
    reference: str | None = None


def move_stock(db: Database, actor: str, cmd: MoveCommand) -> dict[str, Any]:
    """Receive stock from outside (no from_status) or move it between statuses."""
    move = operator_move(cmd.from_status, cmd.to_status, cmd.qty, db.settings.max_move_qty)

    def work(session: Session) -> dict[str, Any]:
        receiving = cmd.from_status is None
        lookup = active_by_code if receiving else by_code
        item = lookup(session, Item, cmd.sku)
        location = lookup(session, Location, cmd.location)
        return record_move(
            session, actor, "inventory.move", item, location, move, cmd.reason, cmd.reference
        )

    return db.transact(work)


def adjust_stock(db: Database, actor: str, cmd: AdjustCommand) -> dict[str, Any]:
    """Correct a bucket to a counted quantity or by a signed delta, with a reason code."""

    def work(session: Session) -> dict[str, Any]:
        item = by_code(session, Item, cmd.sku)
        location = by_code(session, Location, cmd.location)
        current = ledger.lock_balances(session, item, location.id, [cmd.status])[cmd.status].qty
        move = adjustment_move(
            cmd.status, current, cmd.counted_qty, cmd.delta, db.settings.max_move_qty
        )
        return record_move(
            session, actor, "inventory.adjust", item, location, move, cmd.reason, cmd.reference
        )

    return db.transact(work)


def reserve_stock(db: Database, actor: str, cmd: ReserveCommand) -> dict[str, Any]:
    """Promise free stock on the shelf to a reference; InsufficientStock if there is not enough."""
    check_qty(cmd.qty, db.settings.max_move_qty)
    move = Move(StockStatus.AVAILABLE, StockStatus.RESERVED, cmd.qty)

    def work(session: Session) -> dict[str, Any]:
        item = active_by_code(session, Item, cmd.sku)
        location = active_by_code(session, Location, cmd.location)
        reservation = Reservation(
            item_id=item.id,
            location_id=location.id,
            qty=cmd.qty,
            reference=cmd.reference,
            actor=actor,
        )
        session.add(reservation)
        session.flush()
        record_move(
            session,
            actor,
            "inventory.reserve",
            item,
            location,
            move,
            "reservation",
            f"reservation:{reservation.id}",
        )
        return reservation_dict(reservation, item.sku, location.code)

    return db.transact(work)


def relocate_stock(db: Database, actor: str, cmd: RelocateCommand) -> list[dict[str, Any]]:
    """Move stock from one location to another at once (no transit), as two ledger lines in
    one transaction: out of the source and into the destination, in the same status."""
    check_qty(cmd.qty, db.settings.max_move_qty)
    if cmd.status == StockStatus.RESERVED:
        raise IllegalTransition("reserved stock is relocated by releasing its reservation")
    if cmd.from_location == cmd.to_location:
        raise InvalidInput("a relocation needs two different locations")

    def work(session: Session) -> list[dict[str, Any]]:
        item = by_code(session, Item, cmd.sku)
        source = by_code(session, Location, cmd.from_location)
        target = active_by_code(session, Location, cmd.to_location)
        # Both sides locked in location order, so opposite relocations cannot deadlock.
        for location in sorted((source, target), key=lambda loc: loc.id):
            ledger.lock_balances(session, item, location.id, [cmd.status])
        reference = cmd.reference or f"relocation:{source.code}->{target.code}"
        return [
            record_move(
                session,
                actor,
                "inventory.relocate",
                item,
                source,
                Move(cmd.status, None, cmd.qty),
                "relocation_out",
                reference,
            ),
            record_move(
                session,
                actor,
                "inventory.relocate",
                item,
                target,
                Move(None, cmd.status, cmd.qty),
                "relocation_in",
                reference,
            ),
        ]

    return db.transact(work)


def release_reservation(db: Database, actor: str, reservation_id: int) -> dict[str, Any]:
    """Return a reservation's stock to free stock on the shelf."""

    def work(session: Session) -> dict[str, Any]:
        reservation = session.get(Reservation, reservation_id, with_for_update=True)
        if reservation is None:
            raise NotFound(f"reservation {reservation_id} not found", id=reservation_id)
        if not reservation.active:
            raise IllegalTransition(
                f"reservation {reservation_id} is already released", id=reservation_id
            )
        item = session.get_one(Item, reservation.item_id)
        location = session.get_one(Location, reservation.location_id)
        move = Move(StockStatus.RESERVED, StockStatus.AVAILABLE, reservation.qty)
        record_move(
            session,
            actor,
            "inventory.unreserve",
            item,
            location,
            move,
            "reservation_release",
            f"reservation:{reservation.id}",
        )
        reservation.active = False
        reservation.released_at = utcnow()
        return reservation_dict(reservation, item.sku, location.code)

    return db.transact(work)


def record_move(
    session: Session,
    actor: str,
    action: str,
    item: Item,
    location: Location,
    move: Move,
    reason: str,
    reference: str | None,
) -> dict[str, Any]:
    line, before, after = ledger.post_move(
        session, item, location.id, move, reason=reason, reference=reference, actor=actor
    )
    result = move_dict(line, item.sku, location.code)
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="stock",
        key=f"{item.sku}@{location.code}",
        before={"balances": before},
        after={"balances": after, "move": result},
    )
    return result


def move_dict(line: StockMove, sku: str, location: str) -> dict[str, Any]:
    return {
        "id": line.id,
        "sku": sku,
        "location": location,
        "from_status": line.from_status,
        "to_status": line.to_status,
        "qty": line.qty,
        "reason": line.reason,
        "reference": line.reference,
        "actor": line.actor,
        "created_at": line.created_at,
    }


def reservation_dict(r: Reservation, sku: str, location: str) -> dict[str, Any]:
    return {
        "id": r.id,
        "sku": sku,
        "location": location,
        "qty": r.qty,
        "reference": r.reference,
        "active": r.active,
        "actor": r.actor,
        "created_at": r.created_at,
        "released_at": r.released_at,
    }
