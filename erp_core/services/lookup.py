"""Finding master records by their business codes inside a transaction."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters.tables import Channel, Customer, Item, Location, Supplier
from erp_core.domain.errors import InactiveRecord, NotFound

R = TypeVar("R", Item, Supplier, Location, Channel, Customer)


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
