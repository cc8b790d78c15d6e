"""The invariants of DESIGN.md checked in the database, on any Keel database of any size.

Each check is one query that returns the rows breaking its rule, so a healthy database of
millions of moves is checked without loading it into Python. `keel check` and the tests run
the same checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, select, union_all
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.fulfillment_tables import JournalLine, ShipmentLine
from erp_core.adapters.order_tables import OrderAllocation, OrderLine
from erp_core.adapters.purchasing_tables import PurchaseOrder, Receipt, ReceiptLine
from erp_core.adapters.tables import Item, Reservation, StockBalance, StockMove
from erp_core.domain.orders import AllocationStatus
from erp_core.domain.stock import StockStatus
from erp_core.queries.ledger_check import discrepancies_query

# Any query whose rows break a rule.
Breaches = Select[*tuple[Any, ...]]
EXAMPLES = 5
# Money is stored to 4 places; SQLite sums it as floating point, so "equal" means closer than
# half the smallest stored unit.
CENT_FRACTION = 0.00005
HALF_CENT = 0.005


@dataclass(frozen=True)
class Check:
    name: str
    rule: str
    query: Callable[[], Breaches]


@dataclass(frozen=True)
class CheckResult:
    name: str
    rule: str
    violations: int
    examples: list[dict[str, Any]]

    @property
    def passed(self) -> bool:
        return self.violations == 0


def _negative_balances() -> Breaches:
    negative_allowed = and_(Item.allow_negative_stock, StockBalance.status == StockStatus.AVAILABLE)
    return (
        select(
            StockBalance.item_id, StockBalance.location_id, StockBalance.status, StockBalance.qty
        )
        .join(Item, Item.id == StockBalance.item_id)
        .where(StockBalance.qty < 0, ~negative_allowed)
    )


def _reserved_unlike_reservations() -> Breaches:
    active = (
        select(
            Reservation.item_id,
            Reservation.location_id,
            func.sum(Reservation.qty).label("qty"),
        )
        .where(Reservation.active)
        .group_by(Reservation.item_id, Reservation.location_id)
        .subquery()
    )
    reserved = (
        select(StockBalance.item_id, StockBalance.location_id, StockBalance.qty)
        .where(StockBalance.status == StockStatus.RESERVED, StockBalance.qty != 0)
        .subquery()
    )
    same = and_(
        active.c.item_id == reserved.c.item_id, active.c.location_id == reserved.c.location_id
    )
    balance_side = select(
        reserved.c.item_id,
        reserved.c.location_id,
        reserved.c.qty.label("reserved"),
        func.coalesce(active.c.qty, 0).label("reservations"),
    ).select_from(reserved.outerjoin(active, same))
    reservation_side = select(
        active.c.item_id,
        active.c.location_id,
        func.coalesce(reserved.c.qty, 0).label("reserved"),
        active.c.qty.label("reservations"),
    ).select_from(active.outerjoin(reserved, same))
    both = union_all(balance_side, reservation_side).subquery()
    return select(both).where(both.c.reserved != both.c.reservations).distinct()


def _allocations_without_reservations() -> Breaches:
    return (
        select(OrderAllocation.id, OrderAllocation.qty, Reservation.qty.label("reserved"))
        .join(Reservation, Reservation.id == OrderAllocation.reservation_id)
        .where(
            OrderAllocation.status == AllocationStatus.ACTIVE,
            (Reservation.qty != OrderAllocation.qty) | ~Reservation.active,
        )
    )


def _receipts_unlike_their_moves() -> Breaches:
    return (
        select(ReceiptLine.id, ReceiptLine.qty, StockMove.qty.label("moved"))
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


def _unbalanced_entries() -> Breaches:
    return (
        select(
            JournalLine.entry_id,
            func.sum(JournalLine.debit).label("debit"),
            func.sum(JournalLine.credit).label("credit"),
        )
        .group_by(JournalLine.entry_id)
        .having(
            func.abs(func.sum(JournalLine.debit) - func.sum(JournalLine.credit)) > CENT_FRACTION
        )
    )


def _trial_balance_off() -> Breaches:
    totals = select(
        func.coalesce(func.sum(JournalLine.debit), 0).label("debit"),
        func.coalesce(func.sum(JournalLine.credit), 0).label("credit"),
    ).subquery()
    return select(totals).where(func.abs(totals.c.debit - totals.c.credit) > CENT_FRACTION)


def _inventory_unlike_stock_value() -> Breaches:
    on_hand = (
        select(
            func.coalesce(
                func.sum(StockBalance.qty * func.coalesce(Item.average_cost, Item.unit_cost)), 0
            )
        )
        .join(Item, Item.id == StockBalance.item_id)
        .scalar_subquery()
    )
    books = (
        select(func.coalesce(func.sum(JournalLine.debit - JournalLine.credit), 0))
        .where(JournalLine.account == "inventory")
        .scalar_subquery()
    )
    both = select(on_hand.label("stock_value"), books.label("inventory_account")).subquery()
    # Totals of many lines: SQLite sums them as floating point, so agreement to half a cent.
    return select(both).where(func.abs(both.c.stock_value - both.c.inventory_account) > HALF_CENT)


def _lines_shipped_beyond_ordered() -> Breaches:
    shipped = (
        select(ShipmentLine.order_line_id, func.sum(ShipmentLine.qty).label("shipped"))
        .group_by(ShipmentLine.order_line_id)
        .subquery()
    )
    return (
        select(OrderLine.id, OrderLine.qty, OrderLine.qty_cancelled, shipped.c.shipped)
        .join(shipped, shipped.c.order_line_id == OrderLine.id)
        .where(shipped.c.shipped > OrderLine.qty - OrderLine.qty_cancelled)
    )


CHECKS = (
    Check("ledger", "every balance equals the sum of its moves", discrepancies_query),
    Check(
        "no_negative_stock", "no balance is negative unless its item allows it", _negative_balances
    ),
    Check(
        "reservations",
        "reserved stock equals the active reservations, per item and location",
        _reserved_unlike_reservations,
    ),
    Check(
        "allocations",
        "every active order allocation holds an active reservation of its quantity",
        _allocations_without_reservations,
    ),
    Check(
        "receipts",
        "each purchase receipt line is one move of its quantity in",
        _receipts_unlike_their_moves,
    ),
    Check(
        "journal_entries", "every journal entry balances (debits = credits)", _unbalanced_entries
    ),
    Check("trial_balance", "the trial balance sums to zero", _trial_balance_off),
    Check(
        "inventory_value",
        "inventory in the journal equals on-hand units x each item's moving-average cost",
        _inventory_unlike_stock_value,
    ),
    Check(
        "shipments",
        "no order line ships more than it ordered, less cancellations",
        _lines_shipped_beyond_ordered,
    ),
)


def check_integrity(db: Database) -> list[CheckResult]:
    """Every check's result, in a fixed order; each lists up to EXAMPLES offending rows."""

    def run(session: Session) -> list[CheckResult]:
        results = []
        for check in CHECKS:
            query = check.query().subquery()
            count = int(session.scalar(select(func.count()).select_from(query)) or 0)
            examples = [
                dict(row._mapping) for row in session.execute(select(query).limit(EXAMPLES))
            ]
            results.append(CheckResult(check.name, check.rule, count, examples))
        return results

    return db.read(run)


def violations(db: Database) -> list[CheckResult]:
    return [result for result in check_integrity(db) if not result.passed]
