"""Posting stock moves: lock the balance rows, check, update the projection, append the move.

This is the hottest write path in Keel, so it speaks SQLAlchemy Core to the tables directly:
no ORM objects are loaded or flushed per move.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from erp_core.adapters.tables import BALANCES, LOCATIONS, MOVES
from erp_core.clock import utcnow
from erp_core.domain.stock import Move, StockStatus, check_withdrawals


@dataclass(frozen=True)
class StockPlace:
    """An item at a location, as the ledger needs to know them."""

    item_id: int
    sku: str
    allow_negative: bool
    location_id: int
    location: str


@dataclass(frozen=True)
class PostedMove:
    id: int
    move: Move
    reason: str
    reference: str | None
    actor: str
    created_at: datetime
    before: dict[StockStatus, int]
    after: dict[StockStatus, int]
    unit_cost: Decimal | None = None


_SELECT_BALANCES = (
    select(BALANCES.c.status, BALANCES.c.qty)
    .where(
        BALANCES.c.item_id == bindparam("item_id"),
        BALANCES.c.location_id == bindparam("location_id"),
    )
    .order_by(BALANCES.c.status)
)
_LOCK_BALANCES = _SELECT_BALANCES.with_for_update()
# Statements built once: building them per move would cost a cache-key computation each time.
_APPEND_MOVE = insert(MOVES).returning(MOVES.c.id)
ADD_TO_BALANCE = (
    update(BALANCES)
    .where(
        BALANCES.c.item_id == bindparam("b_item_id"),
        BALANCES.c.location_id == bindparam("b_location_id"),
        BALANCES.c.status == bindparam("b_status"),
    )
    .values(qty=BALANCES.c.qty + bindparam("change"), updated_at=bindparam("now"))
)


def lock_balances(
    conn: Connection, place: StockPlace, statuses: Iterable[StockStatus]
) -> dict[StockStatus, int]:
    """Current quantities of some buckets, their rows created if missing.

    On PostgreSQL every balance row of the item at the location is locked, in status order: a
    fixed lock order (item, location, status) keeps concurrent actions over the same rows from
    deadlocking. On SQLite the write transaction already holds the database.
    """
    wanted = sorted(set(statuses))
    postgres = conn.dialect.name == "postgresql"
    query = _LOCK_BALANCES if postgres else _SELECT_BALANCES
    params = {"item_id": place.item_id, "location_id": place.location_id}
    found = {StockStatus(s): q for s, q in conn.execute(query, params)}
    missing = [s for s in wanted if s not in found]
    if missing:
        dialect_insert = postgresql.insert if postgres else sqlite.insert
        conn.execute(
            dialect_insert(BALANCES)
            .values(
                [
                    {
                        "item_id": place.item_id,
                        "location_id": place.location_id,
                        "status": s,
                        "qty": 0,
                        "allow_negative": place.allow_negative,
                        "updated_at": utcnow(),
                    }
                    for s in missing
                ]
            )
            .on_conflict_do_nothing(index_elements=["item_id", "location_id", "status"])
        )
        found = {StockStatus(s): q for s, q in conn.execute(query, params)}
    return {status: found[status] for status in wanted}


def post_move(
    conn: Connection,
    place: StockPlace,
    move: Move,
    *,
    reason: str,
    reference: str | None,
    actor: str,
    unit_cost: Decimal | None = None,
) -> PostedMove:
    """Append one move and apply it to the balances, refusing it if a bucket would go short."""
    deltas = move.deltas()
    before = lock_balances(conn, place, deltas)
    check_withdrawals(move, before, place.allow_negative, place.sku)
    now = utcnow()
    for status, change in sorted(deltas.items()):
        conn.execute(
            ADD_TO_BALANCE,
            {
                "b_item_id": place.item_id,
                "b_location_id": place.location_id,
                "b_status": status,
                "change": change,
                "now": now,
            },
        )
    move_id = conn.execute(
        _APPEND_MOVE,
        {
            "item_id": place.item_id,
            "location_id": place.location_id,
            "from_status": move.from_status,
            "to_status": move.to_status,
            "qty": move.qty,
            "reason": reason,
            "reference": reference,
            "actor": actor,
            "created_at": now,
            "unit_cost": unit_cost,
        },
    ).scalar_one()
    after = {status: before[status] + change for status, change in deltas.items()}
    return PostedMove(move_id, move, reason, reference, actor, now, before, after, unit_cost)


def lock_free_stock(conn: Connection, item_ids: Iterable[int]) -> list[Any]:
    """Free stock of some items at every active location, with each location's handling cost;
    on PostgreSQL the balance rows are locked in (item, location) order, the order every stock
    action locks in, so releases racing for the same stock queue instead of deadlocking."""
    query = (
        select(
            BALANCES.c.item_id,
            BALANCES.c.location_id,
            BALANCES.c.qty,
            LOCATIONS.c.handling_cost_per_order,
            LOCATIONS.c.handling_cost_per_unit,
        )
        .join(LOCATIONS, LOCATIONS.c.id == BALANCES.c.location_id)
        .where(
            BALANCES.c.item_id.in_(sorted(set(item_ids))),
            BALANCES.c.status == StockStatus.AVAILABLE,
            LOCATIONS.c.active,
        )
        .order_by(BALANCES.c.item_id, BALANCES.c.location_id)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=BALANCES)
    return list(conn.execute(query))
