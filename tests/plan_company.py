"""A small seller to plan for, built through the real services.

Items: A (10.00 from SUP, MOQ 10, packs of 5, sells ~10 a day, 5 on the shelf: must order),
B (4.00 from SUP, sells ~2 a day, 400 on the shelf: must not order), C (no supplier: cannot be
planned), D (sold by SUP, never forecast: cannot be planned). Two own DCs; A also sells from
DC-2. Eight weeks of history end the day before PLANNING_DATE; a published per-SKU forecast
starts on it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np

from erp_core.adapters.database import Database
from erp_core.domain.stock import StockStatus
from erp_core.services import master_data as md
from erp_core.services.forecast_runs import ForecastPoint, open_run, publish_run, start_run
from erp_core.services.history import HistoricalLine, HistoricalOrder, load_history
from erp_core.services.inventory import MoveCommand, move_stock
from erp_core.services.supplier_items import create_supplier_item
from tests.factories import ACTOR, item, location

PLANNING_DATE = date(2026, 3, 2)
HISTORY_DAYS = 56
DAILY = {"A": 10.0, "B": 2.0, "C": 3.0}


def plan_company(db: Database) -> Database:
    for sku, cost in (("A", "10"), ("B", "4"), ("C", "6"), ("D", "3")):
        item(db, sku, unit_cost=Decimal(cost), list_price=Decimal(cost) * 2)
    location(db, "DC-1")
    location(db, "DC-2")
    md.create_record(db, ACTOR, md.SUPPLIERS, {"code": "SUP", "name": "Supplier"})
    md.create_record(db, ACTOR, md.CHANNELS, {"code": "WEB", "name": "Web", "kind": "web_store"})
    for sku, cost, moq, pack in (("A", "10", 10, 5), ("B", "4", 1, 1), ("D", "3", 1, 1)):
        terms = {"sku": sku, "unit_cost": Decimal(cost), "lead_time_days_mean": Decimal(7)}
        terms |= {"lead_time_days_std": Decimal(1), "moq": moq, "pack_size": pack}
        create_supplier_item(db, ACTOR, "SUP", terms)
    _history(db)
    for sku, qty in (("A", 5), ("B", 400)):
        move_stock(db, ACTOR, MoveCommand(sku, "DC-1", qty, StockStatus.AVAILABLE))
    _forecast(db)
    return db


def _history(db: Database) -> None:
    rng = np.random.default_rng(7)
    start = datetime.combine(PLANNING_DATE - timedelta(days=HISTORY_DAYS), datetime.min.time())
    orders = []
    for day in range(HISTORY_DAYS):
        when = (start + timedelta(days=day, hours=12)).replace(tzinfo=UTC)
        for sku in ("A", "B", "C"):
            qty = int(rng.poisson(DAILY[sku]))
            where = "DC-2" if sku == "A" and day % 4 == 0 else "DC-1"
            if qty:
                line = (HistoricalLine(sku, qty),)
                orders.append(HistoricalOrder("WEB", f"{sku}{day}", when, where, line))
    load_history(db, ACTOR, orders)


def _forecast(db: Database) -> None:
    run_id = open_run(db, ACTOR, "sku", 56, "test-forecaster")
    start_run(db, run_id, None, degraded=True)
    points = [
        ForecastPoint(
            sku=sku,
            location=None,
            channel=None,
            ds=PLANNING_DATE + timedelta(days=day),
            model="test",
            mean=mean,
            lo_80=mean * 0.6,
            hi_80=mean * 1.4,
            lo_95=mean * 0.4,
            hi_95=mean * 1.6,
        )
        for sku, mean in DAILY.items()
        for day in range(56)
    ]
    publish_run(db, run_id, points, {}, degraded=True)
