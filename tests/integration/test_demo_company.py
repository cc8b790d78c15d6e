"""The demo company: a small one builds through the real services and keeps every invariant."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from erp_core.adapters.database import Database
from erp_core.adapters.label_tables import InjectedAnomaly
from erp_core.adapters.order_tables import Order
from erp_core.adapters.purchasing_tables import PurchaseOrder
from erp_core.adapters.returns_tables import ReturnAuthorization
from erp_core.adapters.settlement_tables import Settlement, SettlementException
from erp_core.adapters.tables import StockMove
from erp_core.domain.settlement_files import COLUMNS
from erp_core.queries.integrity import check_integrity
from erp_core.queries.replenishment_plans import get_plan
from pipelines.demo import DemoConfig, build_demo
from pipelines.demo_company import LOCATIONS, build_catalogue
from pipelines.demo_demand import DemandConfig, generate_demand
from pipelines.demo_routing import hazardous as demo_hazardous
from pipelines.progress import LogProgress
from pipelines.routing_orders import OptimalRouter


def _count(db: Database, column: object, *where: object) -> int:
    return int(db.read(lambda s: s.scalar(select(func.count(column)).where(*where))) or 0)


def test_a_fast_demo_builds_through_the_services_passes_every_check_and_pays_out(
    db: Database, tmp_path: Path
) -> None:
    config = DemoConfig.fast(output=tmp_path, today=date(2026, 11, 27))
    figures = build_demo(db, OptimalRouter(time_limit=2.0), config, LogProgress())

    assert all(result.passed for result in check_integrity(db))
    statuses = Counter(
        dict(
            db.read(
                lambda s: list(s.execute(select(Order.status, func.count()).group_by(Order.status)))
            )
        )
    )
    assert statuses["closed"] == figures.history.orders > 1000, "history loaded as closed orders"
    assert statuses["invoiced"] > 0, "live orders were shipped and invoiced"
    live_open = sum(statuses[s] for s in ("ready", "released", "allocated", "backordered", "held"))
    assert live_open > 0, "the last day's work is left in the queues"
    assert (
        figures.live.purchase_orders > 0
        and _count(db, PurchaseOrder.id) == figures.live.purchase_orders
    )
    assert _count(db, StockMove.id, StockMove.reason == "purchase_receipt") > 0
    assert _count(db, InjectedAnomaly.id) > 0, "planted anomalies are labelled"
    assert _count(db, ReturnAuthorization.id) == figures.live.returns
    plan = get_plan(db, figures.plan_id)
    assert plan["status"] == "proposed" and plan["lines"]["order"] > 0, "a plan awaits review"

    # Settlement files, imported and matched: the planted mistakes are the only exceptions.
    files = sorted((tmp_path / "settlements").glob("*.csv"))
    assert {f.name.split("-")[0] for f in files} == {"AMZ", "ZAL"}
    rows = [row for f in files for row in csv.DictReader(f.open())]
    assert set(rows[0]) == set(COLUMNS) and {"order", "fee"} <= {row["type"] for row in rows}
    settled = db.read(lambda s: list(s.execute(select(Settlement.row_count))))
    assert len(settled) == len(files) and sum(n for (n,) in settled) == len(rows)
    kinds = Counter(db.read(lambda s: list(s.scalars(select(SettlementException.kind)))))
    assert kinds["missing_order"] == 2 * len(files), "each file pays an order the seller never had"
    assert kinds["fee_mismatch"] > 0 and kinds["duplicate_payment"] > 0
    assert set(kinds) == {"missing_order", "fee_mismatch", "duplicate_payment"}


def test_every_item_of_the_full_catalogue_has_a_node_its_rules_let_ship_it() -> None:
    """Hazardous items need a stocking node with the permit; a drop-ship item ships from its
    vendor only. Checked on the full-size catalogue, which the fast demo is too small to show."""
    demand = generate_demand(DemandConfig(days=60))
    catalogue = build_catalogue(demand.skus, customers=10, seed=7)
    permitted = {place["code"] for place in LOCATIONS if place.get("ships_hazardous")}
    hazardous = [
        item.nodes
        for item in catalogue.skus.itertuples()
        if demo_hazardous(item.sku, item.category)
    ]
    assert hazardous, "the catalogue has hazardous items"
    assert all(set(nodes) & permitted for nodes in hazardous)
