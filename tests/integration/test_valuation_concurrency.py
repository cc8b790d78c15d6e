"""Receipts at different costs racing with adjustments, relocations and shipments of the same
item keep inventory in the journal at on-hand units x moving-average cost (the PostgreSQL
runs are the evidence: SQLite writes one at a time)."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from erp_core.adapters.database import Database
from erp_core.domain.errors import InsufficientStock
from erp_core.domain.stock import StockStatus
from erp_core.services import inventory as inv
from tests.factories import ACTOR, item, location
from tests.ledger_check import inventory_gap

A = StockStatus.AVAILABLE


def _act(db: Database, seed: int) -> None:
    rng = random.Random(seed)
    kind = rng.choice(["receive", "adjust", "relocate"])
    try:
        if kind == "receive":
            cost = Decimal(rng.randint(100, 99_999)) / 1000
            inv.move_stock(
                db,
                ACTOR,
                inv.MoveCommand(
                    "A", rng.choice(["L1", "L2"]), rng.randint(1, 9), A, unit_cost=cost
                ),
            )
        elif kind == "adjust":
            delta = rng.choice([-1, 1]) * rng.randint(1, 5)
            inv.adjust_stock(db, ACTOR, inv.AdjustCommand("A", "L1", A, "count", delta=delta))
        else:
            inv.relocate_stock(db, ACTOR, inv.RelocateCommand("A", "L1", "L2", rng.randint(1, 4)))
    except InsufficientStock:
        pass


def test_racing_receipts_and_adjustments_keep_inventory_at_on_hand_x_average(
    db: Database,
) -> None:
    item(db, "A", unit_cost=Decimal("1.00"))
    location(db, "L1")
    location(db, "L2")
    inv.move_stock(db, ACTOR, inv.MoveCommand("A", "L1", 20, A, unit_cost=Decimal("2.00")))
    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda seed: _act(db, seed), range(120)))
    assert inventory_gap(db) == 0
