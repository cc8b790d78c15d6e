"""Stock history written in bulk adds to the balances there are and opens the ones there are
not; the ledger check after the test proves balances still equal the sum of moves."""

from __future__ import annotations

from datetime import UTC, datetime

from erp_core.adapters.database import Database
from erp_core.queries.inventory import inventory_positions
from erp_core.services.stock_history import StockFlow, load_stock_history
from tests.factories import ACTOR, location, stocked

DAY = datetime(2026, 1, 5, 6, tzinfo=UTC)


def test_flows_add_to_existing_balances_and_open_new_ones(db: Database) -> None:
    stocked(db, 5, "A", "DC-1")
    location(db, "DC-2")
    flows = [
        StockFlow(DAY, "A", "DC-1", 3, "history_receipt", "h:1"),
        StockFlow(DAY, "A", "DC-1", -2, "history_shipment", "h:2"),
        StockFlow(DAY, "A", "DC-2", 4, "history_receipt", "h:3"),
    ]
    assert load_stock_history(db, ACTOR, flows) == 3
    positions = {
        p["location"]: p["available"] for p in inventory_positions(db, "A", None, None, 10).data
    }
    assert positions == {"DC-1": 6, "DC-2": 4}
