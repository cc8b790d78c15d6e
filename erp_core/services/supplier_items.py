"""What a supplier sells us: cost, lead time (mean and spread), MOQ and pack size per item."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.tables import Item, Supplier, SupplierItem
from erp_core.domain.errors import AlreadyExists, NotFound
from erp_core.services import audit
from erp_core.services.lookup import active_by_code, by_code


def create_supplier_item(
    db: Database, actor: str, supplier_code: str, values: dict[str, Any]
) -> dict[str, Any]:
    return db.transact(lambda session: add_supplier_item(session, actor, supplier_code, values))


def add_supplier_item(
    session: Session, actor: str, supplier_code: str, values: dict[str, Any]
) -> dict[str, Any]:
    supplier = active_by_code(session, Supplier, supplier_code)
    item = active_by_code(session, Item, values["sku"])
    if _find(session, supplier, item) is not None:
        raise AlreadyExists(
            f"{supplier.code} already supplies {item.sku}", supplier=supplier.code, sku=item.sku
        )
    fields = {k: v for k, v in values.items() if k != "sku"}
    link = SupplierItem(supplier_id=supplier.id, item_id=item.id, **fields)
    session.add(link)
    session.flush()
    return _recorded(session, actor, "create", supplier, item, None, link)


def update_supplier_item(
    db: Database, actor: str, supplier_code: str, sku: str, changes: dict[str, Any]
) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        supplier = by_code(session, Supplier, supplier_code)
        item = by_code(session, Item, sku)
        link = _find(session, supplier, item)
        if link is None:
            raise NotFound(
                f"{supplier.code} does not supply {item.sku}", supplier=supplier.code, sku=item.sku
            )
        before = audit.snapshot(link)
        for field, value in changes.items():
            setattr(link, field, value)
        session.flush()
        return _recorded(session, actor, "update", supplier, item, before, link)

    return db.transact(work)


def _find(session: Session, supplier: Supplier, item: Item) -> SupplierItem | None:
    return session.scalars(
        select(SupplierItem).where(
            SupplierItem.supplier_id == supplier.id, SupplierItem.item_id == item.id
        )
    ).one_or_none()


def _recorded(
    session: Session,
    actor: str,
    verb: str,
    supplier: Supplier,
    item: Item,
    before: dict[str, Any] | None,
    link: SupplierItem,
) -> dict[str, Any]:
    after = audit.snapshot(link)
    audit.record(
        session.connection(),
        actor=actor,
        action=f"supplier_item.{verb}",
        entity="supplier_item",
        key=f"{supplier.code}/{item.sku}",
        before=before,
        after=after,
    )
    return supplier_item_dict(link, supplier.code, item.sku)


def supplier_item_dict(link: SupplierItem, supplier: str, sku: str) -> dict[str, Any]:
    return {
        "supplier": supplier,
        "sku": sku,
        "supplier_sku": link.supplier_sku,
        "unit_cost": link.unit_cost,
        "lead_time_days_mean": link.lead_time_days_mean,
        "lead_time_days_std": link.lead_time_days_std,
        "moq": link.moq,
        "pack_size": link.pack_size,
        "active": link.active,
        "created_at": link.created_at,
        "updated_at": link.updated_at,
    }
