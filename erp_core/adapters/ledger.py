"""Posting stock moves: lock the balance rows, check, update the projection, append the move."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from erp_core.adapters.tables import Item, StockBalance, StockMove
from erp_core.domain.stock import Move, StockStatus, check_withdrawals


def lock_balances(
    session: Session, item: Item, location_id: int, statuses: Iterable[StockStatus]
) -> dict[StockStatus, StockBalance]:
    """Balance rows for one item and location, created if missing, locked in status order.

    A fixed lock order (item, location, status) keeps concurrent actions over the same rows
    from deadlocking on PostgreSQL; on SQLite the write transaction already holds the database.
    """
    wanted = sorted(set(statuses))
    rows = _select_for_update(session, item.id, location_id, wanted)
    missing = [s for s in wanted if s not in rows]
    if missing:
        insert = (
            postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        )
        session.execute(
            insert(StockBalance)
            .values(
                [
                    {
                        "item_id": item.id,
                        "location_id": location_id,
                        "status": s,
                        "qty": 0,
                        "allow_negative": item.allow_negative_stock,
                    }
                    for s in missing
                ]
            )
            .on_conflict_do_nothing(index_elements=["item_id", "location_id", "status"])
        )
        rows = _select_for_update(session, item.id, location_id, wanted)
    return rows


def _select_for_update(
    session: Session, item_id: int, location_id: int, statuses: list[StockStatus]
) -> dict[StockStatus, StockBalance]:
    found = session.scalars(
        select(StockBalance)
        .where(
            StockBalance.item_id == item_id,
            StockBalance.location_id == location_id,
            StockBalance.status.in_(statuses),
        )
        .order_by(StockBalance.status)
        .with_for_update()
    )
    return {row.status: row for row in found}


def post_move(
    session: Session,
    item: Item,
    location_id: int,
    move: Move,
    *,
    reason: str,
    reference: str | None,
    actor: str,
) -> tuple[StockMove, dict[StockStatus, int], dict[StockStatus, int]]:
    """Append one move and apply it to the balances; returns (move, before, after)."""
    deltas = move.deltas()
    balances = lock_balances(session, item, location_id, deltas)
    before = {status: row.qty for status, row in balances.items()}
    check_withdrawals(move, before, item.allow_negative_stock, item.sku)
    for status, change in deltas.items():
        balances[status].qty += change
    line = StockMove(
        item_id=item.id,
        location_id=location_id,
        from_status=move.from_status,
        to_status=move.to_status,
        qty=move.qty,
        reason=reason,
        reference=reference,
        actor=actor,
    )
    session.add(line)
    session.flush()
    return line, before, {status: row.qty for status, row in balances.items()}
