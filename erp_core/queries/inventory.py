"""Stock positions and the ledger, as read by people and planning jobs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.tables import Item, Location, StockBalance, StockMove
from erp_core.domain.stock import StockStatus
from erp_core.queries.pages import Page, decode_cursor, keyset, page_of
from erp_core.services.inventory import move_dict
from erp_core.services.lookup import by_code


def position(sku: str, location: str, balances: dict[StockStatus, int]) -> dict[str, Any]:
    """Every status bucket of one item at one location.

    available is free stock on the shelf; reserved is on the shelf but promised; on_hand is
    both. Available-to-sell is available less channel ring-fences, of which there are none
    until channel allocation exists, so today it equals available.
    """
    buckets = {status.value: balances.get(status, 0) for status in StockStatus}
    available = buckets[StockStatus.AVAILABLE]
    return {
        "sku": sku,
        "location": location,
        **buckets,
        "on_hand": available + buckets[StockStatus.RESERVED],
        "available_to_sell": available,
    }


def inventory_positions(
    db: Database, sku: str | None, location: str | None, cursor: str | None, limit: int
) -> Page:
    def run(session: Session) -> Page:
        pairs = select(StockBalance.item_id, StockBalance.location_id).distinct()
        if sku is not None:
            pairs = pairs.where(StockBalance.item_id == by_code(session, Item, sku).id)
        if location is not None:
            pairs = pairs.where(StockBalance.location_id == by_code(session, Location, location).id)
        after = decode_cursor(cursor, width=2)
        if after:
            pairs = pairs.where(tuple_(StockBalance.item_id, StockBalance.location_id) > after)
        pairs = pairs.order_by(StockBalance.item_id, StockBalance.location_id).limit(limit + 1)
        keys, next_cursor = page_of([tuple(r) for r in session.execute(pairs)], limit, lambda r: r)
        return Page(_positions(session, keys), next_cursor)

    return db.read(run)


def _positions(session: Session, keys: list[tuple[int, int]]) -> list[dict[str, Any]]:
    if not keys:
        return []
    rows = session.execute(
        select(
            Item.sku,
            Location.code,
            StockBalance.item_id,
            StockBalance.location_id,
            StockBalance.status,
            StockBalance.qty,
        )
        .join(Item, Item.id == StockBalance.item_id)
        .join(Location, Location.id == StockBalance.location_id)
        .where(tuple_(StockBalance.item_id, StockBalance.location_id).in_(keys))
    )
    grouped: dict[tuple[int, int], tuple[str, str, dict[StockStatus, int]]] = {}
    for sku, code, item_id, location_id, status, qty in rows:
        grouped.setdefault((item_id, location_id), (sku, code, {}))[2][status] = qty
    return [position(*grouped[key]) for key in keys]


def ledger_page(
    db: Database, sku: str, location: str | None, cursor: str | None, limit: int
) -> Page:
    def run(session: Session) -> Page:
        item = by_code(session, Item, sku)
        query = (
            select(StockMove, Location.code)
            .join(Location, Location.id == StockMove.location_id)
            .where(StockMove.item_id == item.id)
        )
        if location is not None:
            query = query.where(StockMove.location_id == by_code(session, Location, location).id)
        query = keyset(query, StockMove.id, cursor, limit)
        rows, next_cursor = page_of(list(session.execute(query)), limit, lambda r: (r[0].id,))
        return Page([move_dict(m, item.sku, code) for m, code in rows], next_cursor)

    return db.read(run)
