"""Inventory business actions: receive, move, relocate, adjust, reserve, release.
One transaction each."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select, update

from erp_core.adapters import ledger
from erp_core.adapters.database import Database
from erp_core.adapters.journal import post_journal
from erp_core.adapters.ledger import PostedMove, StockPlace
from erp_core.adapters.tables import RESERVATIONS
from erp_core.adapters.valuation import lock_cost, value_at_cost, value_receipt
from erp_core.clock import utcnow
from erp_core.domain.errors import IllegalTransition, InvalidInput, NotFound
from erp_core.domain.journal import stock_value_postings
from erp_core.domain.stock import (
    Move,
    StockStatus,
    adjustment_move,
    check_qty,
    operator_move,
)
from erp_core.services import audit
from erp_core.services.adjustment_requests import (
    PendingAdjustment,
    hold_for_approval,
    needs_approval,
)
from erp_core.services.lookup import place_by_ids, stock_place


@dataclass(frozen=True)
class MoveCommand:
    sku: str
    location: str
    qty: int
    to_status: StockStatus
    from_status: StockStatus | None = None
    reason: str = "receipt"
    reference: str | None = None
    # What each received unit cost; it moves the item's moving-average cost.
    unit_cost: Decimal | None = None


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


_NEW_RESERVATION = insert(RESERVATIONS).returning(RESERVATIONS.c.id)


def move_stock(db: Database, actor: str, cmd: MoveCommand) -> dict[str, Any]:
    """Receive stock from outside (no from_status) or move it between statuses."""
    move = operator_move(cmd.from_status, cmd.to_status, cmd.qty, db.settings.max_move_qty)
    if cmd.unit_cost is not None and cmd.from_status is not None:
        raise InvalidInput("only a receipt (no from_status) carries a unit cost")

    def work(conn: Connection) -> dict[str, Any]:
        place = stock_place(conn, cmd.sku, cmd.location, active=cmd.from_status is None)
        if cmd.from_status is not None:
            return record_move(
                conn, "inventory.move", place, move, cmd.reason, cmd.reference, actor
            )
        # Goods in from outside purchasing are owed to whoever sent them, like a PO receipt.
        return record_valued_move(
            conn,
            "inventory.move",
            place,
            move,
            cmd.reason,
            cmd.reference,
            actor,
            counter="grni",
            unit_cost=cmd.unit_cost,
        )

    return db.transact_core(work)


def adjust_stock(
    db: Database, actor: str, cmd: AdjustCommand
) -> dict[str, Any] | PendingAdjustment:
    """Correct a bucket to a counted quantity or by a signed delta, with a reason code; a
    correction above the approval threshold is held for approval and moves nothing yet."""

    def work(conn: Connection) -> dict[str, Any] | PendingAdjustment:
        place = stock_place(conn, cmd.sku, cmd.location, active=False)
        lock_cost(conn, place.item_id)
        current = ledger.lock_balances(conn, place, [cmd.status])[cmd.status]
        move = adjustment_move(
            cmd.status, current, cmd.counted_qty, cmd.delta, db.settings.max_move_qty
        )
        delta = move.deltas()[cmd.status]
        if needs_approval(conn, db.settings, place.item_id, delta):
            return PendingAdjustment(
                hold_for_approval(conn, actor, place, cmd.status, delta, cmd.reason, cmd.reference)
            )
        return record_valued_move(
            conn,
            "inventory.adjust",
            place,
            move,
            cmd.reason,
            cmd.reference,
            actor,
            counter="inventory_adjustments",
        )

    return db.transact_core(work)


def relocate_stock(db: Database, actor: str, cmd: RelocateCommand) -> list[dict[str, Any]]:
    """Move stock from one location to another at once (no transit), as two ledger lines in
    one transaction: out of the source and into the destination, in the same status."""
    check_qty(cmd.qty, db.settings.max_move_qty)
    if cmd.status == StockStatus.RESERVED:
        raise IllegalTransition("reserved stock is relocated by releasing its reservation")
    if cmd.from_location == cmd.to_location:
        raise InvalidInput("a relocation needs two different locations")

    def work(conn: Connection) -> list[dict[str, Any]]:
        source = stock_place(conn, cmd.sku, cmd.from_location, active=False)
        target = stock_place(conn, cmd.sku, cmd.to_location, active=True)
        # Both sides locked in location order, so opposite relocations cannot deadlock.
        for place in sorted((source, target), key=lambda p: p.location_id):
            ledger.lock_balances(conn, place, [cmd.status])
        reference = cmd.reference or f"relocation:{source.location}->{target.location}"
        return [
            record_move(
                conn,
                "inventory.relocate",
                source,
                Move(cmd.status, None, cmd.qty),
                "relocation_out",
                reference,
                actor,
            ),
            record_move(
                conn,
                "inventory.relocate",
                target,
                Move(None, cmd.status, cmd.qty),
                "relocation_in",
                reference,
                actor,
            ),
        ]

    return db.transact_core(work)


def reserve_stock(db: Database, actor: str, cmd: ReserveCommand) -> dict[str, Any]:
    """Promise free stock on the shelf to a reference; InsufficientStock if there is not enough."""
    check_qty(cmd.qty, db.settings.max_move_qty)

    def work(conn: Connection) -> dict[str, Any]:
        place = stock_place(conn, cmd.sku, cmd.location, active=True)
        return reserve(conn, actor, place, cmd.qty, cmd.reference)

    return db.transact_core(work)


def release_reservation(db: Database, actor: str, reservation_id: int) -> dict[str, Any]:
    """Return a reservation's stock to free stock on the shelf."""
    return db.transact_core(lambda conn: unreserve(conn, actor, reservation_id))


def reserve(
    conn: Connection, actor: str, place: StockPlace, qty: int, reference: str | None
) -> dict[str, Any]:
    """Inside a caller's transaction: a reservation and its available -> reserved move."""
    now = utcnow()
    reservation = {
        "item_id": place.item_id,
        "location_id": place.location_id,
        "qty": qty,
        "reference": reference,
        "active": True,
        "actor": actor,
        "created_at": now,
        "released_at": None,
    }
    reservation_id = conn.execute(_NEW_RESERVATION, reservation).scalar_one()
    move = Move(StockStatus.AVAILABLE, StockStatus.RESERVED, qty)
    record_move(
        conn,
        "inventory.reserve",
        place,
        move,
        "reservation",
        f"reservation:{reservation_id}",
        actor,
    )
    return reservation_dict({**reservation, "id": reservation_id}, place)


def unreserve(
    conn: Connection, actor: str, reservation_id: int, qty: int | None = None
) -> dict[str, Any]:
    """Inside a caller's transaction: release a reservation, or `qty` of it, to free stock."""
    found = conn.execute(
        select(RESERVATIONS).where(RESERVATIONS.c.id == reservation_id).with_for_update()
    ).first()
    if found is None:
        raise NotFound(f"reservation {reservation_id} not found", id=reservation_id)
    reservation = dict(found._mapping)
    if not reservation["active"]:
        raise IllegalTransition(
            f"reservation {reservation_id} is already released", id=reservation_id
        )
    held = reservation["qty"]
    take = held if qty is None else qty
    if not 0 < take <= held:
        raise InvalidInput(f"reservation {reservation_id} holds {held}, not {take}", held=held)
    place = place_by_ids(conn, reservation["item_id"], reservation["location_id"])
    move = Move(StockStatus.RESERVED, StockStatus.AVAILABLE, take)
    record_move(
        conn,
        "inventory.unreserve",
        place,
        move,
        "reservation_release",
        f"reservation:{reservation_id}",
        actor,
    )
    released: dict[str, Any] = (
        {"active": False, "released_at": utcnow()} if take == held else {"qty": held - take}
    )
    conn.execute(update(RESERVATIONS).where(RESERVATIONS.c.id == reservation_id).values(released))
    return reservation_dict(reservation | released, place)


def record_move(
    conn: Connection,
    action: str,
    place: StockPlace,
    move: Move,
    reason: str,
    reference: str | None,
    actor: str,
    unit_cost: Decimal | None = None,
) -> dict[str, Any]:
    """Post a move to the ledger and write its audit record; returns the move as a dict."""
    posted = ledger.post_move(
        conn, place, move, reason=reason, reference=reference, actor=actor, unit_cost=unit_cost
    )
    result = posted_dict(posted, place)
    audit.record(
        conn,
        actor=actor,
        action=action,
        entity="stock",
        key=f"{place.sku}@{place.location}",
        before={"balances": posted.before},
        after={"balances": posted.after, "move_id": posted.id, "reason": reason},
    )
    return result


def record_valued_move(
    conn: Connection,
    action: str,
    place: StockPlace,
    move: Move,
    reason: str,
    reference: str | None,
    actor: str,
    *,
    counter: str,
    unit_cost: Decimal | None = None,
) -> dict[str, Any]:
    """Units into or out of the company's stock, with the journal entry that keeps inventory
    at on-hand x cost: against `counter`, at `unit_cost` for a receipt that names one (it
    moves the average), else at the item's current cost."""
    qty = move.qty if move.from_status is None else -move.qty
    valuation = (
        value_at_cost(conn, place.item_id, qty)
        if unit_cost is None
        else value_receipt(conn, place.item_id, qty, unit_cost)
    )
    moved = record_move(conn, action, place, move, reason, reference, actor, unit_cost=unit_cost)
    postings = stock_value_postings(valuation.value, counter, valuation.at_cost)
    if postings:
        post_journal(
            conn,
            f"{reason}: {qty:+d} {place.sku} at {place.location}",
            f"move:{moved['id']}",
            actor,
            postings,
        )
    return moved


def posted_dict(posted: PostedMove, place: StockPlace) -> dict[str, Any]:
    return {
        "id": posted.id,
        "sku": place.sku,
        "location": place.location,
        "from_status": posted.move.from_status,
        "to_status": posted.move.to_status,
        "qty": posted.move.qty,
        "reason": posted.reason,
        "reference": posted.reference,
        "unit_cost": posted.unit_cost,
        "actor": posted.actor,
        "created_at": posted.created_at,
    }


def reservation_dict(reservation: dict[str, Any], place: StockPlace) -> dict[str, Any]:
    fields = ("id", "qty", "reference", "active", "actor", "created_at", "released_at")
    return {"sku": place.sku, "location": place.location, **{f: reservation[f] for f in fields}}
