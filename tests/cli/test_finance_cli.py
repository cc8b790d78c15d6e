"""`keel finance`: the trial balance, closing a period, the tax report; bad input exits 1."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from api.cli.main import app
from api.composition import database
from erp_core.clock import replaying_at
from erp_core.domain.stock import StockStatus
from erp_core.services import inventory as inv
from tests.cli.conftest import runner
from tests.factories import item, location


def test_the_trial_balance_a_close_and_the_tax_report(keel: Path) -> None:
    db = database()
    item(db, "A")
    location(db, "DC-1")
    with replaying_at(datetime(2026, 9, 3, tzinfo=UTC)):
        command = inv.MoveCommand("A", "DC-1", 3, StockStatus.AVAILABLE, unit_cost=Decimal("2"))
        inv.move_stock(db, "test", command)
    shown = runner.invoke(app, ["finance", "trial-balance", "--as-of", "2026-09-30"])
    assert shown.exit_code == 0, shown.output
    assert "inventory" in shown.output and "difference 0.0000" in shown.output
    closed = runner.invoke(app, ["finance", "close", "2026-09"])
    assert closed.exit_code == 0 and "period 2026-09 closed" in closed.output
    again = runner.invoke(app, ["finance", "close", "2026-09"])
    assert again.exit_code == 1 and "period_closed" in again.output
    taxed = runner.invoke(app, ["finance", "tax", "--start", "2026-09-01", "--end", "2026-09-30"])
    assert taxed.exit_code == 0, taxed.output
    for bad in (
        ["finance", "trial-balance", "--as-of", "yesterday"],
        ["finance", "close", "2026-13"],
        ["finance", "tax", "--start", "2026-09-30", "--end", "2026-09-01"],
    ):
        refused = runner.invoke(app, bad)
        assert refused.exit_code == 1 and "error" in refused.output, bad
