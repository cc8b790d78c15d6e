"""Finding master records by their business codes inside a transaction."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, select, true
from sqlalchemy.orm import Session

from erp_core.adapters.ledger import StockPlace
from erp_core.adapters.tables import ITEMS, LOCATIONS, Channel, Customer, Item, Location, Supplier
from erp_core.domain.errors import InactiveRecord, NotFound

R = TypeVar("R", Item, Supplier, Location, Channel, Customer)
Row = TypeVar("Row")


def locked(session: Session, model: type[Row], record_id: int, what: str) -> Row:
    """The record, locked against concurrent changes for the rest of the transaction."""
    found = session.get(model, record_id, with_for_update=True)
    if found is None:
        raise NotFound(f"{what} {record_id} not found", id=record_id)
    return found


def by_code(session: Session, model: type[R], code: str) -> R:
    key = getattr(model, "sku" if model is Item else "code")
    found = session.scalars(select(model).where(key == code)).one_or_none()
    if found is None:
        raise NotFound(f"{model.__tablename__[:-1]} {code!r} not found", code=code)
    return found


def active_by_code(session: Session, model: type[R], code: str) -> R:
    found = by_code(session, model, code)
    if not found.active:
        raise InactiveRecord(f"{model.__tablename__[:-1]} {code!r} is deactivated", code=code)
    return found


# Core columns, not ORM attributes: this runs on every stock action and needs no entities.
_PLACE = (
    select(
        ITEMS.c.id,
        ITEMS.c.sku,
        ITEMS.c.active,
        ITEMS.c.allow_negative_stock,
        LOCATIONS.c.id,
        LOCATIONS.c.code,
        LOCATIONS.c.active,
    )
    .select_from(ITEMS)
    .join(LOCATIONS, true())
)
_PLACE_BY_CODES = _PLACE.where(
    ITEMS.c.sku == bindparam("sku"), LOCATIONS.c.code == bindparam("code")
)
_PLACE_BY_IDS = _PLACE.where(
    ITEMS.c.id == bindparam("item_id"), LOCATIONS.c.id == bindparam("location_id")
)


def stock_place(conn: Connection, sku: str, code: str, *, active: bool) -> StockPlace:
    """The item and location a stock action is about, in one query; with `active`, both must
    be active (new stock and reservations need live records; clearing stock out does not)."""
    row = conn.execute(_PLACE_BY_CODES, {"sku": sku, "code": code}).first()
    if row is None:
        if conn.scalar(select(ITEMS.c.id).where(ITEMS.c.sku == sku)) is None:
            raise NotFound(f"item {sku!r} not found", code=sku)
        raise NotFound(f"location {code!r} not found", code=code)
    return _checked_place(row, active)


def place_by_ids(conn: Connection, item_id: int, location_id: int) -> StockPlace:
    row = conn.execute(_PLACE_BY_IDS, {"item_id": item_id, "location_id": location_id}).one()
    return _checked_place(row, active=False)


def _checked_place(row: Any, active: bool) -> StockPlace:
    item_id, sku, item_active, allow_negative, location_id, code, location_active = row
    if active and not item_active:
        raise InactiveRecord(f"item {sku!r} is deactivated", code=sku)
    if active and not location_active:
        raise InactiveRecord(f"location {code!r} is deactivated", code=code)
    return StockPlace(item_id, sku, allow_negative, location_id, code)
