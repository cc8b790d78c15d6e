"""The ledger invariants of DESIGN.md, checked straight against the tables."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from erp_core.adapters.database import Database
from erp_core.adapters.tables import Item, Reservation, StockBalance, StockMove
from erp_core.domain.stock import StockStatus


def ledger_totals(db: Database) -> dict[tuple[int, int, str], int]:
    """Balance per (item, location, status) recomputed from the moves alone."""
    totals: dict[tuple[int, int, str], int] = defaultdict(int)
    rows = db.read(
        lambda s: list(
            s.execute(
                select(
                    StockMove.item_id,
                    StockMove.location_id,
                    StockMove.from_status,
                    StockMove.to_status,
                    StockMove.qty,
                )
            )
        )
    )
    for item_id, location_id, from_status, to_status, qty in rows:
        if from_status is not None:
            totals[(item_id, location_id, from_status.value)] -= qty
        if to_status is not None:
            totals[(item_id, location_id, to_status.value)] += qty
    return totals


def balances(db: Database) -> dict[tuple[int, int, str], int]:
    rows = db.read(
        lambda s: list(
            s.execute(
                select(
                    StockBalance.item_id,
                    StockBalance.location_id,
                    StockBalance.status,
                    StockBalance.qty,
                )
            )
        )
    )
    return {(i, loc, status.value): qty for i, loc, status, qty in rows}


def assert_ledger_consistent(db: Database) -> None:
    """Balances equal the sum of moves; nothing negative unless the item allows it;
    reserved equals the sum of active reservations."""
    from_moves = {k: v for k, v in ledger_totals(db).items() if v != 0}
    projected = {k: v for k, v in balances(db).items() if v != 0}
    assert projected == from_moves, "balances differ from the sum of moves"
    negative_ok = set(
        db.read(lambda s: list(s.scalars(select(Item.id).where(Item.allow_negative_stock))))
    )
    for (item_id, _, status), qty in projected.items():
        assert qty >= 0 or (item_id in negative_ok and status == StockStatus.AVAILABLE.value), (
            f"negative {status} balance {qty} for item {item_id}"
        )
    reserved: dict[tuple[int, int, str], int] = defaultdict(int)
    for r in db.read(lambda s: list(s.scalars(select(Reservation).where(Reservation.active)))):
        reserved[(r.item_id, r.location_id, StockStatus.RESERVED.value)] += r.qty
    assert {k: v for k, v in projected.items() if k[2] == StockStatus.RESERVED.value} == dict(
        reserved
    ), "reserved stock differs from the active reservations"
