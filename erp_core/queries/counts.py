"""Reading counts: sheets (blind while open, unless settings show the expected quantity),
inventory accuracy per location, and the queue of adjustment requests."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.tables import Item, Location
from erp_core.adapters.transfer_tables import AdjustmentRequest, CountLine, CountSheet
from erp_core.domain.counts import RequestState, SheetStatus
from erp_core.domain.errors import NotFound
from erp_core.queries.pages import Page, keyset, page_of
from erp_core.services.lookup import by_code

_SHEET = select(
    CountSheet.id,
    Location.code.label("location"),
    CountSheet.status,
    CountSheet.created_by,
    CountSheet.created_at,
    CountSheet.posted_by,
    CountSheet.posted_at,
).join(Location, Location.id == CountSheet.location_id)
_LINES = (
    select(
        Item.sku,
        CountLine.expected_qty,
        CountLine.counted_qty,
        CountLine.counted_by,
        CountLine.counted_at,
        CountLine.variance,
        CountLine.within_tolerance,
    )
    .join(Item, Item.id == CountLine.item_id)
    .order_by(Item.sku)
)


def sheet_detail(session: Session, sheet_id: int, show_expected: bool) -> dict[str, Any]:
    """A sheet and its lines; while it is open the expected quantities are hidden unless
    `show_expected`, so counters count rather than confirm."""
    found = session.execute(_SHEET.where(CountSheet.id == sheet_id)).first()
    if found is None:
        raise NotFound(f"count sheet {sheet_id} not found", id=sheet_id)
    sheet = dict(found._mapping)
    reveal = show_expected or sheet["status"] == SheetStatus.POSTED
    lines = [
        {**r._mapping, "expected_qty": r.expected_qty if reveal else None}
        for r in session.execute(_LINES.where(CountLine.sheet_id == sheet_id))
    ]
    return {**sheet, "lines": lines}


def get_sheet(db: Database, sheet_id: int) -> dict[str, Any]:
    return db.read(lambda s: sheet_detail(s, sheet_id, db.settings.count_show_expected))


def sheets_page(
    db: Database, location: str | None, status: SheetStatus | None, cursor: str | None, limit: int
) -> Page:
    def run(session: Session) -> Page:
        query = _SHEET
        if location is not None:
            query = query.where(CountSheet.location_id == by_code(session, Location, location).id)
        if status is not None:
            query = query.where(CountSheet.status == status)
        query = keyset(query, CountSheet.id, cursor, limit, newest_first=True)
        rows, next_cursor = page_of(list(session.execute(query)), limit, lambda r: (r.id,))
        return Page([dict(r._mapping) for r in rows], next_cursor)

    return db.read(run)


def inventory_accuracy(
    db: Database, location: str | None, since: datetime, limit: int
) -> list[dict[str, Any]]:
    """Per location, the share of SKU-locations whose latest count posted since `since` was
    within tolerance."""

    def run(session: Session) -> list[dict[str, Any]]:
        query = (
            select(Location.code, CountLine.item_id, CountLine.within_tolerance)
            .join(CountSheet, CountSheet.id == CountLine.sheet_id)
            .join(Location, Location.id == CountSheet.location_id)
            .where(CountSheet.status == SheetStatus.POSTED, CountSheet.posted_at >= since)
            .order_by(CountSheet.posted_at, CountSheet.id)
        )
        if location is not None:
            query = query.where(Location.id == by_code(session, Location, location).id)
        latest: dict[str, dict[int, bool]] = defaultdict(dict)
        for code, item_id, within in session.execute(query):
            latest[code][item_id] = bool(within)
        return [
            {
                "location": code,
                "counted": len(counts),
                "within_tolerance": sum(counts.values()),
                "accuracy": sum(counts.values()) / len(counts),
            }
            for code, counts in sorted(latest.items())[:limit]
        ]

    return db.read(run)


_REQUEST = (
    select(
        AdjustmentRequest.id,
        Item.sku,
        Location.code.label("location"),
        AdjustmentRequest.status,
        AdjustmentRequest.delta,
        AdjustmentRequest.reason,
        AdjustmentRequest.reference,
        AdjustmentRequest.count_line_id,
        AdjustmentRequest.state,
        AdjustmentRequest.requested_by,
        AdjustmentRequest.requested_at,
        AdjustmentRequest.decided_by,
        AdjustmentRequest.decided_at,
        AdjustmentRequest.comment,
        AdjustmentRequest.move_id,
    )
    .join(Item, Item.id == AdjustmentRequest.item_id)
    .join(Location, Location.id == AdjustmentRequest.location_id)
)


def adjustment_requests_page(
    db: Database, state: RequestState | None, cursor: str | None, limit: int
) -> Page:
    """Oldest first: the longest-waiting request is decided first."""
    query = _REQUEST
    if state is not None:
        query = query.where(AdjustmentRequest.state == state)
    query = keyset(query, AdjustmentRequest.id, cursor, limit)

    def run(session: Session) -> Page:
        rows, next_cursor = page_of(list(session.execute(query)), limit, lambda r: (r.id,))
        return Page([dict(r._mapping) for r in rows], next_cursor)

    return db.read(run)
