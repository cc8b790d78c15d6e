"""Listing and reading master records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.tables import Item, Supplier, SupplierItem, columns_of
from erp_core.queries.pages import Page, keyset, page_of
from erp_core.services.lookup import by_code
from erp_core.services.master_data import RecordKind
from erp_core.services.supplier_items import supplier_item_dict


def get_record(db: Database, kind: RecordKind, code: str) -> dict[str, Any]:
    return db.read(lambda s: columns_of(by_code(s, kind.model, code)))  # type: ignore[type-var]


def list_records(
    db: Database,
    kind: RecordKind,
    filters: dict[str, Any],
    q: str | None,
    cursor: str | None,
    limit: int,
) -> Page:
    model: Any = kind.model
    query = keyset(select(model), model.id, cursor, limit)
    for field, value in filters.items():
        if value is not None:
            query = query.where(getattr(model, field) == value)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(or_(*(getattr(model, f).ilike(pattern) for f in kind.search)))

    def run(session: Session) -> Page:
        rows, next_cursor = page_of(list(session.scalars(query)), limit, lambda r: (r.id,))
        return Page([columns_of(r) for r in rows], next_cursor)

    return db.read(run)


def list_supplier_items(db: Database, supplier_code: str, cursor: str | None, limit: int) -> Page:
    def run(session: Session) -> Page:
        supplier = by_code(session, Supplier, supplier_code)
        query = (
            select(SupplierItem, Item.sku)
            .join(Item, Item.id == SupplierItem.item_id)
            .where(SupplierItem.supplier_id == supplier.id)
        )
        query = keyset(query, SupplierItem.id, cursor, limit)
        rows, next_cursor = page_of(list(session.execute(query)), limit, lambda r: (r[0].id,))
        return Page(
            [supplier_item_dict(link, supplier.code, sku) for link, sku in rows], next_cursor
        )

    return db.read(run)
