"""Cycle counts: a sheet snapshots what a location should hold, counters enter what they
find, and posting turns each difference into an adjustment, or into a request for approval
when it is above the threshold. One transaction each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters import ledger
from erp_core.adapters.database import Database
from erp_core.adapters.tables import Item, Location, StockBalance
from erp_core.adapters.transfer_tables import CountLine, CountSheet
from erp_core.adapters.valuation import lock_cost
from erp_core.clock import utcnow
from erp_core.domain.counts import (
    COUNT_VARIANCE,
    AlreadyCounted,
    SheetStatus,
    Tolerance,
    check_sheet_open,
)
from erp_core.domain.errors import InvalidInput
from erp_core.domain.stock import Move, StockStatus, check_qty
from erp_core.domain.transfers import check_each_sku_once
from erp_core.queries.counts import sheet_detail
from erp_core.services import audit
from erp_core.services.adjustment_requests import hold_for_approval, needs_approval
from erp_core.services.inventory import record_valued_move
from erp_core.services.lookup import active_by_code, by_code, locked, place_by_ids

A = StockStatus.AVAILABLE


@dataclass(frozen=True)
class CountedLine:
    sku: str
    counted_qty: int


def create_sheet(
    db: Database, actor: str, location: str, skus: tuple[str, ...] | None
) -> dict[str, Any]:
    """A sheet for the given SKUs, or for every SKU with stock recorded at the location;
    what each should be is snapshotted from free stock now."""
    if skus is not None:
        check_each_sku_once(skus)

    def work(session: Session) -> dict[str, Any]:
        place = active_by_code(session, Location, location)
        item_ids = (
            [by_code(session, Item, sku).id for sku in skus]
            if skus is not None
            else list(
                session.scalars(
                    select(StockBalance.item_id)
                    .where(StockBalance.location_id == place.id)
                    .distinct()
                )
            )
        )
        if not item_ids:
            raise InvalidInput(f"nothing to count at {location}", location=location)
        free_stock = select(StockBalance.item_id, StockBalance.qty).where(
            StockBalance.location_id == place.id,
            StockBalance.status == A,
            StockBalance.item_id.in_(item_ids),
        )
        expected = {item_id: qty for item_id, qty in session.execute(free_stock)}
        sheet = CountSheet(location_id=place.id, status=SheetStatus.OPEN, created_by=actor)
        session.add(sheet)
        session.flush()
        session.add_all(
            CountLine(sheet_id=sheet.id, item_id=i, expected_qty=expected.get(i, 0))
            for i in sorted(item_ids)
        )
        session.flush()
        audit.record_for(
            session, "count_sheet", actor, "count.create", sheet.id, None, {"location": location}
        )
        return sheet_detail(session, sheet.id, db.settings.count_show_expected)

    return db.transact(work)


def enter_counts(
    db: Database, actor: str, sheet_id: int, counted: tuple[CountedLine, ...]
) -> dict[str, Any]:
    """Record what was found; each line of a sheet is counted once."""
    if not counted:
        raise InvalidInput("enter at least one counted line")
    check_each_sku_once(line.sku for line in counted)
    for line in counted:
        if not 0 <= line.counted_qty <= db.settings.max_move_qty:
            raise InvalidInput(
                f"a counted quantity is between 0 and {db.settings.max_move_qty}", sku=line.sku
            )

    def work(session: Session) -> dict[str, Any]:
        sheet = locked(session, CountSheet, sheet_id, "count sheet")
        check_sheet_open(sheet_id, sheet.status)
        lines = _lines_by_sku(session, sheet_id)
        now = utcnow()
        for entry in counted:
            line = lines.get(entry.sku)
            if line is None:
                raise InvalidInput(f"{entry.sku} is not on sheet {sheet_id}", sku=entry.sku)
            if line.counted_qty is not None:
                raise AlreadyCounted(
                    f"{entry.sku} is already counted on sheet {sheet_id}", sku=entry.sku
                )
            line.counted_qty, line.counted_by, line.counted_at = entry.counted_qty, actor, now
        session.flush()
        after = {line.sku: line.counted_qty for line in counted}
        audit.record_for(
            session, "count_sheet", actor, "count.enter", sheet_id, None, {"counted": after}
        )
        return sheet_detail(session, sheet_id, db.settings.count_show_expected)

    return db.transact(work)


def post_sheet(db: Database, actor: str, sheet_id: int) -> dict[str, Any]:
    """Every line must be counted. Each line's variance against the snapshot is kept for
    accuracy; stock is corrected to the count (counted - current, since sales may have moved
    it since the snapshot), through approval when the correction is above the threshold."""
    tolerance = Tolerance(db.settings.count_tolerance_units, db.settings.count_tolerance_percent)

    def work(session: Session) -> dict[str, Any]:
        sheet = locked(session, CountSheet, sheet_id, "count sheet")
        check_sheet_open(sheet_id, sheet.status)
        lines = sorted(_lines_by_sku(session, sheet_id).values(), key=lambda x: x.item_id)
        uncounted = [line.item_id for line in lines if line.counted_qty is None]
        if uncounted:
            raise InvalidInput(
                f"sheet {sheet_id} has {len(uncounted)} uncounted lines", uncounted=len(uncounted)
            )
        conn, reference = session.connection(), f"count:{sheet_id}"
        for line in lines:
            assert line.counted_qty is not None
            line.variance = line.counted_qty - line.expected_qty
            line.within_tolerance = tolerance.within(line.expected_qty, line.counted_qty)
            place = place_by_ids(conn, line.item_id, sheet.location_id)
            lock_cost(conn, line.item_id)
            current = ledger.lock_balances(conn, place, [A])[A]
            delta = line.counted_qty - current
            if delta == 0:
                continue
            check_qty(abs(delta), db.settings.max_move_qty)
            if needs_approval(conn, db.settings, line.item_id, delta):
                hold_for_approval(conn, actor, place, A, delta, COUNT_VARIANCE, reference, line.id)
                continue
            move = Move(None, A, delta) if delta > 0 else Move(A, None, -delta)
            record_valued_move(
                conn,
                "count.post",
                place,
                move,
                COUNT_VARIANCE,
                reference,
                actor,
                counter="inventory_adjustments",
            )
        sheet.status, sheet.posted_by, sheet.posted_at = SheetStatus.POSTED, actor, utcnow()
        session.flush()
        audit.record_for(
            session,
            "count_sheet",
            actor,
            "count.post",
            sheet_id,
            {"status": "open"},
            {"status": "posted"},
        )
        return sheet_detail(session, sheet_id, db.settings.count_show_expected)

    return db.transact(work)


def _lines_by_sku(session: Session, sheet_id: int) -> dict[str, CountLine]:
    rows = session.execute(
        select(Item.sku, CountLine)
        .join(Item, Item.id == CountLine.item_id)
        .where(CountLine.sheet_id == sheet_id)
    )
    return {sku: line for sku, line in rows}
