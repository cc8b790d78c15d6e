"""Stock positions and the ledger, as read by people and planning jobs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal, select, tuple_
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.tables import (
    BALANCES,
    ITEMS,
    LOCATIONS,
    Item,
    Location,
    StockMove,
)
from erp_core.domain.stock import StockStatus
from erp_core.queries.inbound import inbound_totals
from erp_core.queries.pages import Page, decode_cursor, keyset, page_of
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


_POSITION_ROWS = (
    select(
        ITEMS.c.sku,
        LOCATIONS.c.code,
        BALANCES.c.item_id,
        BALANCES.c.location_id,
        BALANCES.c.status,
        BALANCES.c.qty,
    )
    .join(ITEMS, ITEMS.c.id == BALANCES.c.item_id)
    .join(LOCATIONS, LOCATIONS.c.id == BALANCES.c.location_id)
    .order_by(BALANCES.c.item_id, BALANCES.c.location_id, BALANCES.c.status)
)


def inventory_positions(
    db: Database, sku: str | None, location: str | None, cursor: str | None, limit: int
) -> Page:
    """Positions per (item, location), in one query: an (item, location) has at most one row
    per status, so limit + 1 positions fit in (limit + 1) x statuses rows."""
    query = _POSITION_ROWS.limit((limit + 1) * len(StockStatus))
    if sku is not None:
        query = query.where(ITEMS.c.sku == sku)
    if location is not None:
        query = query.where(LOCATIONS.c.code == location)
    after = decode_cursor(cursor, width=2)
    if after:
        query = query.where(tuple_(BALANCES.c.item_id, BALANCES.c.location_id) > after)

    def run(session: Session) -> Page:
        grouped: dict[tuple[int, int], tuple[str, str, dict[StockStatus, int]]] = {}
        for row_sku, code, item_id, location_id, status, qty in session.execute(query):
            grouped.setdefault((item_id, location_id), (row_sku, code, {}))[2][status] = qty
        if not grouped:
            _require_known(session, sku, location)
        keys, next_cursor = page_of(list(grouped), limit, lambda key: key)
        arriving = inbound_totals(session, sorted({item for item, _ in keys})) if keys else {}
        return Page(
            [{**position(*grouped[key]), "inbound": arriving.get(key, 0)} for key in keys],
            next_cursor,
        )

    return db.read(run)


def _require_known(session: Session, sku: str | None, location: str | None) -> None:
    """An empty answer for a code that does not exist is a 404, not an empty page."""
    if sku is not None:
        by_code(session, Item, sku)
    if location is not None:
        by_code(session, Location, location)


def ledger_page(
    db: Database, sku: str, location: str | None, cursor: str | None, limit: int
) -> Page:
    def run(session: Session) -> Page:
        item = by_code(session, Item, sku)
        query = (
            select(
                StockMove.id,
                literal(item.sku).label("sku"),
                Location.code.label("location"),
                StockMove.from_status,
                StockMove.to_status,
                StockMove.qty,
                StockMove.reason,
                StockMove.reference,
                StockMove.unit_cost,
                StockMove.actor,
                StockMove.created_at,
            )
            .join(Location, Location.id == StockMove.location_id)
            .where(StockMove.item_id == item.id)
        )
        if location is not None:
            query = query.where(StockMove.location_id == by_code(session, Location, location).id)
        query = keyset(query, StockMove.id, cursor, limit)
        rows, next_cursor = page_of(list(session.execute(query)), limit, lambda r: (r.id,))
        return Page([dict(r._mapping) for r in rows], next_cursor)

    return db.read(run)
