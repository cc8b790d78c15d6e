"""Stock on its way to a location, by expected date, from each source of inbound.

Each source is one small function with the same signature; available-to-promise and stock
positions add up whatever the sources in INBOUND_SOURCES report: open purchase order lines,
and transfers shipped but not yet received.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from erp_core.adapters.purchasing_tables import PurchaseOrder, PurchaseOrderLine
from erp_core.adapters.transfer_tables import Transfer, TransferLine
from erp_core.domain.purchasing import ON_ORDER
from erp_core.domain.transfers import OPEN_IN_TRANSIT


@dataclass(frozen=True)
class Inbound:
    item_id: int
    location_id: int
    expected_date: date
    qty: int
    source: str


InboundSource = Callable[[Session, Sequence[int], Sequence[int] | None, date | None], list[Inbound]]

# Core tables, not ORM entities: stock positions and ATP read this on every request.
_LINES = cast(Table, PurchaseOrderLine.__table__)
_ORDERS = cast(Table, PurchaseOrder.__table__)
_OPEN_PURCHASES = (
    select(
        _LINES.c.item_id,
        _ORDERS.c.location_id,
        _LINES.c.expected_date,
        _LINES.c.qty_ordered - _LINES.c.qty_received,
    )
    .join(_ORDERS, _ORDERS.c.id == _LINES.c.purchase_order_id)
    .where(
        ~_LINES.c.closed,
        _LINES.c.qty_ordered > _LINES.c.qty_received,
        _ORDERS.c.status.in_(sorted(ON_ORDER)),
    )
)


def inbound_purchases(
    session: Session,
    item_ids: Sequence[int],
    location_ids: Sequence[int] | None,
    until: date | None,
) -> list[Inbound]:
    """What approved and sent purchase orders still bring, per line, by expected date."""
    query = _OPEN_PURCHASES.where(_LINES.c.item_id.in_(list(item_ids)))
    if location_ids is not None:
        query = query.where(_ORDERS.c.location_id.in_(list(location_ids)))
    if until is not None:
        query = query.where(_LINES.c.expected_date <= until)
    return [Inbound(*row, source="purchase") for row in session.connection().execute(query)]


_TRANSFER_LINES = cast(Table, TransferLine.__table__)
_TRANSFERS = cast(Table, Transfer.__table__)
_IN_TRANSIT = (
    select(
        _TRANSFER_LINES.c.item_id,
        _TRANSFERS.c.destination_location_id,
        _TRANSFERS.c.expected_arrival,
        _TRANSFERS.c.shipped_at,
        _TRANSFER_LINES.c.qty_shipped - _TRANSFER_LINES.c.qty_received,
    )
    .join(_TRANSFERS, _TRANSFERS.c.id == _TRANSFER_LINES.c.transfer_id)
    .where(
        _TRANSFERS.c.status.in_(OPEN_IN_TRANSIT),
        _TRANSFER_LINES.c.qty_shipped > _TRANSFER_LINES.c.qty_received,
    )
)


def inbound_transfers(
    session: Session,
    item_ids: Sequence[int],
    location_ids: Sequence[int] | None,
    until: date | None,
) -> list[Inbound]:
    """What shipped transfers still bring to their destinations, by expected arrival; a
    transfer shipped without an expected arrival is due the day it shipped."""
    query = _IN_TRANSIT.where(_TRANSFER_LINES.c.item_id.in_(list(item_ids)))
    if location_ids is not None:
        query = query.where(_TRANSFERS.c.destination_location_id.in_(list(location_ids)))
    found = []
    for item_id, location_id, expected, shipped_at, qty in session.connection().execute(query):
        due = expected or shipped_at.date()
        if until is None or due <= until:
            found.append(Inbound(item_id, location_id, due, qty, source="transfer"))
    return found


INBOUND_SOURCES: tuple[InboundSource, ...] = (inbound_purchases, inbound_transfers)


def inbound(
    session: Session,
    item_ids: Sequence[int],
    location_ids: Sequence[int] | None = None,
    until: date | None = None,
) -> list[Inbound]:
    """Every source's inbound, soonest first."""
    found = [
        arrival
        for source in INBOUND_SOURCES
        for arrival in source(session, item_ids, location_ids, until)
    ]
    return sorted(found, key=lambda a: (a.expected_date, a.item_id, a.location_id, a.source))


def inbound_totals(
    session: Session, item_ids: Sequence[int], location_ids: Sequence[int] | None = None
) -> dict[tuple[int, int], int]:
    """All open inbound per (item, location), whenever it is expected."""
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for arrival in inbound(session, item_ids, location_ids):
        totals[(arrival.item_id, arrival.location_id)] += arrival.qty
    return dict(totals)
