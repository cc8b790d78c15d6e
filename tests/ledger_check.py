"""The invariants of DESIGN.md, checked after every test that touched a database: the same
checks `keel check` runs (erp_core/queries/integrity.py), and inventory valued exactly."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.fulfillment_tables import JournalLine
from erp_core.adapters.tables import Item, StockBalance
from erp_core.domain.valuation import current_cost
from erp_core.queries.integrity import violations


def assert_ledger_consistent(db: Database) -> None:
    broken = violations(db)
    assert not broken, "; ".join(f"{v.name}: {v.rule} ({v.examples})" for v in broken)


def inventory_gap(db: Database) -> Decimal:
    """Inventory in the journal less on-hand units x each item's cost, computed exactly in
    Decimal (the database check allows for SQLite summing money as floating point)."""

    def read(session: Session) -> Decimal:
        units: dict[int, int] = defaultdict(int)
        for item_id, qty in session.execute(select(StockBalance.item_id, StockBalance.qty)):
            units[item_id] += qty
        costs = {
            i: current_cost(unit, average)
            for i, unit, average in session.execute(
                select(Item.id, Item.unit_cost, Item.average_cost)
            )
        }
        books = sum(
            (
                Decimal(debit) - Decimal(credit)
                for debit, credit in session.execute(
                    select(JournalLine.debit, JournalLine.credit).where(
                        JournalLine.account == "inventory"
                    )
                )
            ),
            Decimal(0),
        )
        return books - sum((qty * costs[i] for i, qty in units.items()), Decimal(0))

    return db.read(read)
