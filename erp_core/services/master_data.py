"""Master data actions: create, update and deactivate items, suppliers, locations, channels and
customers. Records the ledger may reference are never deleted, only deactivated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.tables import (
    Base,
    Channel,
    Customer,
    Item,
    Location,
    StockBalance,
    Supplier,
    columns_of,
)
from erp_core.domain.errors import AlreadyExists, IllegalTransition, InvalidInput
from erp_core.domain.stock import StockStatus
from erp_core.services import audit
from erp_core.services.lookup import by_code


@dataclass(frozen=True)
class RecordKind:
    """How one kind of master record is keyed, filtered and searched."""

    model: type[Base]
    entity: str
    key: str
    search: tuple[str, ...]


ITEMS = RecordKind(Item, "item", "sku", ("sku", "name"))
SUPPLIERS = RecordKind(Supplier, "supplier", "code", ("code", "name"))
LOCATIONS = RecordKind(Location, "location", "code", ("code", "name"))
CHANNELS = RecordKind(Channel, "channel", "code", ("code", "name"))
CUSTOMERS = RecordKind(Customer, "customer", "code", ("code", "name", "email"))


def create_record(
    db: Database, actor: str, kind: RecordKind, values: dict[str, Any]
) -> dict[str, Any]:
    return db.transact(lambda session: add_record(session, actor, kind, values))


def update_record(
    db: Database, actor: str, kind: RecordKind, code: str, changes: dict[str, Any]
) -> dict[str, Any]:
    if kind.key in changes and changes[kind.key] != code:
        raise InvalidInput(f"the {kind.key} of a {kind.entity} cannot change", code=code)

    def work(session: Session) -> dict[str, Any]:
        record = by_code(session, kind.model, code)  # type: ignore[type-var]
        return change_record(session, actor, kind, record, changes)

    return db.transact(work)


def add_record(
    session: Session, actor: str, kind: RecordKind, values: dict[str, Any]
) -> dict[str, Any]:
    code = values[kind.key]
    if find_record(session, kind, code) is not None:
        raise AlreadyExists(f"{kind.entity} {code!r} already exists", code=code)
    _check_vendor(session, values)
    record = kind.model(**values)
    session.add(record)
    session.flush()
    audit.record(
        session.connection(),
        actor=actor,
        action=f"{kind.entity}.create",
        entity=kind.entity,
        key=code,
        before=None,
        after=audit.snapshot(record),
    )
    return columns_of(record)


def change_record(
    session: Session, actor: str, kind: RecordKind, record: Base, changes: dict[str, Any]
) -> dict[str, Any]:
    before = audit.snapshot(record)
    _check_vendor(session, changes)
    if isinstance(record, Item) and "unit_cost" in changes:
        _pin_average(session, record)
    for field, value in changes.items():
        setattr(record, field, value)
    if isinstance(record, Item) and "allow_negative_stock" in changes:
        _sync_negative_stock_flag(session, record)
    session.flush()
    audit.record(
        session.connection(),
        actor=actor,
        action=f"{kind.entity}.update",
        entity=kind.entity,
        key=getattr(record, kind.key),
        before=before,
        after=audit.snapshot(record),
    )
    return columns_of(record)


def find_record(session: Session, kind: RecordKind, code: str) -> Any:
    return session.scalars(
        select(kind.model).where(getattr(kind.model, kind.key) == code)
    ).one_or_none()


def deactivate_record(db: Database, actor: str, kind: RecordKind, code: str) -> dict[str, Any]:
    return update_record(db, actor, kind, code, {"active": False})


def _check_vendor(session: Session, values: dict[str, Any]) -> None:
    """A drop-ship item names an existing location: a clear 404 rather than a key error."""
    if values.get("dropship_location") is not None:
        by_code(session, Location, values["dropship_location"])


def _pin_average(session: Session, item: Item) -> None:
    """Stock on hand keeps the cost it was valued at when the standard cost changes: the
    books hold it at that cost, and the next receipt blends from there."""
    if item.average_cost is not None:
        return
    on_hand = session.scalar(
        select(func.coalesce(func.sum(StockBalance.qty), 0)).where(StockBalance.item_id == item.id)
    )
    if on_hand:
        item.average_cost = item.unit_cost


def _sync_negative_stock_flag(session: Session, item: Item) -> None:
    """Balance rows carry the item's flag so the database CHECK can enforce it."""
    if not item.allow_negative_stock:
        negative = session.scalar(
            select(StockBalance.id)
            .where(
                StockBalance.item_id == item.id,
                StockBalance.status == StockStatus.AVAILABLE,
                StockBalance.qty < 0,
            )
            .limit(1)
        )
        if negative is not None:
            raise IllegalTransition(
                f"{item.sku} has negative stock; count it before forbidding negative stock",
                sku=item.sku,
            )
    session.execute(
        update(StockBalance)
        .where(StockBalance.item_id == item.id)
        .values(allow_negative=item.allow_negative_stock)
    )
