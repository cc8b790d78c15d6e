"""Reading anomaly flags: the queues people work, and the demand days forecasting leaves out."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters.anomaly_tables import AnomalyFlag
from erp_core.adapters.tables import Customer, Item, Location, columns_of
from erp_core.domain.anomalies import FlagKind, FlagStatus
from erp_core.domain.errors import NotFound
from erp_core.queries.pages import Page, keyset, page_of

_FLAGS = (
    select(AnomalyFlag, Item.sku, Location.code, Customer.code)
    .outerjoin(Item, Item.id == AnomalyFlag.item_id)
    .outerjoin(Location, Location.id == AnomalyFlag.location_id)
    .outerjoin(Customer, Customer.id == AnomalyFlag.customer_id)
)


def flag_page(
    session: Session,
    kind: FlagKind | None,
    status: FlagStatus | None,
    cursor: str | None,
    limit: int,
) -> Page:
    """Flags, highest id first, with the SKU, location and customer codes they concern."""
    query = _FLAGS
    if kind is not None:
        query = query.where(AnomalyFlag.kind == kind.value)
    if status is not None:
        query = query.where(AnomalyFlag.status == status.value)
    rows = list(session.execute(keyset(query, AnomalyFlag.id, cursor, limit, newest_first=True)))
    shown, next_cursor = page_of(rows, limit, lambda row: (row[0].id,))
    return Page([_flag(*row) for row in shown], next_cursor)


def flag_detail(session: Session, flag_id: int) -> dict[str, Any]:
    row = session.execute(_FLAGS.where(AnomalyFlag.id == flag_id)).first()
    if row is None:
        raise NotFound(f"anomaly flag {flag_id} not found", id=flag_id)
    return _flag(*row)


def _flag(
    flag: AnomalyFlag, sku: str | None, location: str | None, customer: str | None
) -> dict[str, Any]:
    return {**columns_of(flag), "sku": sku, "location": location, "customer": customer}


def excluded_demand_days(session: Session) -> set[tuple[int, int | None, date]]:
    """(item id, location id or None, day) of every demand flag not dismissed: the days
    forecast training leaves out, unless a planner dismissed the flag as real demand."""
    query = select(AnomalyFlag.item_id, AnomalyFlag.location_id, AnomalyFlag.day).where(
        AnomalyFlag.kind == FlagKind.DEMAND.value,
        AnomalyFlag.status != FlagStatus.DISMISSED.value,
        AnomalyFlag.item_id.is_not(None),
        AnomalyFlag.day.is_not(None),
    )
    return {
        (item_id, location_id, day)
        for item_id, location_id, day in session.execute(query)
        if item_id is not None and day is not None
    }
