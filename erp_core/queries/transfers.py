"""Reading transfers: one with its lines, lists, what is in transit to a location, and the
inbound quantities available-to-promise counts on."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from erp_core.adapters.database import Database
from erp_core.adapters.tables import Item, Location, StockBalance
from erp_core.adapters.transfer_tables import Transfer, TransferLine
from erp_core.domain.errors import NotFound
from erp_core.domain.stock import StockStatus
from erp_core.domain.transfers import OPEN_IN_TRANSIT, TransferStatus
from erp_core.queries.pages import Page, keyset, page_of
from erp_core.services.lookup import by_code

_SOURCE, _DESTINATION = aliased(Location), aliased(Location)
_TRANSFER = (
    select(
        Transfer.id,
        _SOURCE.code.label("source"),
        _DESTINATION.code.label("destination"),
        Transfer.status,
        Transfer.reference,
        Transfer.expected_arrival,
        Transfer.created_by,
        Transfer.created_at,
        Transfer.status_changed_at,
        Transfer.shipped_at,
        Transfer.received_at,
        Transfer.cancelled_at,
    )
    .join(_SOURCE, _SOURCE.id == Transfer.source_location_id)
    .join(_DESTINATION, _DESTINATION.id == Transfer.destination_location_id)
)
_LINES = (
    select(Item.sku, TransferLine.qty, TransferLine.qty_shipped, TransferLine.qty_received)
    .join(Item, Item.id == TransferLine.item_id)
    .order_by(Item.sku)
)


def transfer_detail(session: Session, transfer_id: int) -> dict[str, Any]:
    found = session.execute(_TRANSFER.where(Transfer.id == transfer_id)).first()
    if found is None:
        raise NotFound(f"transfer {transfer_id} not found", id=transfer_id)
    lines = session.execute(_LINES.where(TransferLine.transfer_id == transfer_id))
    return {**found._mapping, "lines": [_line(dict(r._mapping)) for r in lines]}


def _line(line: dict[str, Any]) -> dict[str, Any]:
    return {**line, "in_transit": line["qty_shipped"] - line["qty_received"]}


def get_transfer(db: Database, transfer_id: int) -> dict[str, Any]:
    return db.read(lambda session: transfer_detail(session, transfer_id))


def transfers_page(
    db: Database,
    status: TransferStatus | None,
    location: str | None,
    cursor: str | None,
    limit: int,
) -> Page:
    """Newest first; `location` matches either end of the transfer."""

    def run(session: Session) -> Page:
        query = _TRANSFER
        if status is not None:
            query = query.where(Transfer.status == status)
        if location is not None:
            place = by_code(session, Location, location).id
            query = query.where(
                (Transfer.source_location_id == place) | (Transfer.destination_location_id == place)
            )
        query = keyset(query, Transfer.id, cursor, limit, newest_first=True)
        rows, next_cursor = page_of(list(session.execute(query)), limit, lambda r: (r.id,))
        return Page([dict(r._mapping) for r in rows], next_cursor)

    return db.read(run)


def in_transit_to(db: Database, code: str, cursor: str | None, limit: int) -> Page:
    """Per item, the in-transit balance at a location and the open transfer lines behind it."""

    def run(session: Session) -> Page:
        destination = by_code(session, Location, code)
        balances = keyset(
            select(Item.id, Item.sku, StockBalance.qty)
            .join(Item, Item.id == StockBalance.item_id)
            .where(
                StockBalance.location_id == destination.id,
                StockBalance.status == StockStatus.IN_TRANSIT,
                StockBalance.qty != 0,
            ),
            Item.id,
            cursor,
            limit,
        )
        rows, next_cursor = page_of(list(session.execute(balances)), limit, lambda r: (r.id,))
        open_lines = _open_lines(session, [r.id for r in rows], [destination.id])
        data = [
            {"sku": r.sku, "in_transit": r.qty, "transfers": open_lines[(r.id, destination.id)]}
            for r in rows
        ]
        return Page(data, next_cursor)

    return db.read(run)


def _open_lines(
    session: Session, item_ids: Iterable[int], location_ids: Iterable[int]
) -> dict[tuple[int, int], list[dict[str, Any]]]:
    query = (
        select(
            TransferLine.item_id,
            Transfer.destination_location_id,
            Transfer.id.label("transfer_id"),
            _SOURCE.code.label("source"),
            (TransferLine.qty_shipped - TransferLine.qty_received).label("in_transit"),
            Transfer.expected_arrival,
            Transfer.shipped_at,
        )
        .join(Transfer, Transfer.id == TransferLine.transfer_id)
        .join(_SOURCE, _SOURCE.id == Transfer.source_location_id)
        .where(
            Transfer.status.in_(OPEN_IN_TRANSIT),
            TransferLine.item_id.in_(sorted(set(item_ids))),
            Transfer.destination_location_id.in_(sorted(set(location_ids))),
            TransferLine.qty_shipped > TransferLine.qty_received,
        )
        .order_by(Transfer.id)
    )
    found: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for row in session.execute(query):
        item_id, location_id, *_ = row
        found[(item_id, location_id)].append(dict(row._mapping))
    return found
