"""The ledger invariants of DESIGN.md, checked straight against the tables."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.order_tables import OrderAllocation
from erp_core.adapters.purchasing_tables import PurchaseOrder, Receipt, ReceiptLine
from erp_core.adapters.tables import Item, Reservation, StockBalance, StockMove
from erp_core.domain.orders import AllocationStatus
from erp_core.domain.stock import StockStatus
from erp_core.queries.ledger_check import ledger_discrepancies


def assert_ledger_consistent(db: Database) -> None:
    """Balances equal the sum of moves; nothing negative unless the item allows it;
    reserved equals the sum of active reservations; purchase receipts equal their moves."""
    assert ledger_discrepancies(db) == [], "balances differ from the sum of moves"
    projected = db.read(
        lambda s: {
            (i, loc, status.value): qty
            for i, loc, status, qty in s.execute(
                select(
                    StockBalance.item_id,
                    StockBalance.location_id,
                    StockBalance.status,
                    StockBalance.qty,
                )
            )
            if qty
        }
    )
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
    allocated = db.read(
        lambda s: list(
            s.execute(
                select(OrderAllocation.qty, Reservation.qty, Reservation.active)
                .join(Reservation, Reservation.id == OrderAllocation.reservation_id)
                .where(OrderAllocation.status == AllocationStatus.ACTIVE)
            )
        )
    )
    assert all(a == r and active for a, r, active in allocated), (
        "an active allocation does not hold an active reservation of its quantity"
    )
    assert db.read(_receipt_lines_unlike_their_moves) == 0, (
        "a purchase receipt line differs from the ledger move it posted"
    )


def _receipt_lines_unlike_their_moves(session: Session) -> int:
    """Receipts equal moves in: each receipt line is one move of its qty, item, status and
    the order's location, from outside the company."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(ReceiptLine)
            .join(StockMove, StockMove.id == ReceiptLine.move_id)
            .join(Receipt, Receipt.id == ReceiptLine.receipt_id)
            .join(PurchaseOrder, PurchaseOrder.id == Receipt.purchase_order_id)
            .where(
                (StockMove.qty != ReceiptLine.qty)
                | (StockMove.item_id != ReceiptLine.item_id)
                | (StockMove.location_id != PurchaseOrder.location_id)
                | (StockMove.to_status != ReceiptLine.to_status)
                | StockMove.from_status.is_not(None)
            )
        )
    )
