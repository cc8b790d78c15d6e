"""What a replenishment plan reads from the system of record, in a handful of set queries:
stock per (item, location), inbound, backorders, who sells each item on what terms, how long
their receipts really took, and the newest published forecast.

Plain values only; pipelines/replenishment_inputs.py turns them into the policy's inputs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.forecast_tables import ForecastRun, ForecastValue
from erp_core.adapters.order_tables import Order, OrderLine
from erp_core.adapters.purchasing_tables import PurchaseOrder, Receipt, ReceiptLine
from erp_core.adapters.tables import Item, Location, StockBalance, Supplier, SupplierItem
from erp_core.domain.forecasts import RunStatus
from erp_core.domain.master import LocationKind
from erp_core.domain.orders import OrderStatus
from erp_core.domain.stock import StockStatus
from erp_core.queries.inbound import inbound
from erp_core.queries.orders import OPEN_QTY

# Drop-ship vendors hold their own stock: nobody buys into them.
STOCKING_KINDS = (LocationKind.OWN_DC, LocationKind.THIRD_PARTY, LocationKind.STORE)


@dataclass(frozen=True)
class SupplyTerms:
    supplier: str
    unit_cost: Decimal
    lead_time_mean: float
    lead_time_sd: float
    moq: int
    pack_size: int


@dataclass(frozen=True)
class LeadTimeActuals:
    receipts: int
    mean: float
    sd: float


@dataclass
class PlanningFacts:
    items: dict[str, Decimal]  # sku -> unit cost, active items in scope
    locations: list[str]  # stocking locations in scope
    suppliers: list[str] = field(default_factory=list)  # every active supplier
    on_hand: dict[tuple[str, str], int] = field(default_factory=dict)
    reserved: dict[tuple[str, str], int] = field(default_factory=dict)
    inbound: dict[tuple[str, str], list[tuple[date, int]]] = field(default_factory=dict)
    backorders: dict[str, int] = field(default_factory=dict)
    terms: dict[str, list[SupplyTerms]] = field(default_factory=dict)
    actuals: dict[tuple[str, str], LeadTimeActuals] = field(default_factory=dict)
    forecast_run: int | None = None
    forecast_grouping: str | None = None
    # (sku, location or "") -> [(day, mean, lo_80, hi_80)] from the planning date on
    forecast: dict[tuple[str, str], list[tuple[date, float, float | None, float | None]]] = field(
        default_factory=dict
    )


def planning_facts(
    db: Database,
    planning_date: date,
    skus: Sequence[str] = (),
    locations: Sequence[str] = (),
) -> PlanningFacts:
    def read(session: Session) -> PlanningFacts:
        item_query = select(Item.sku, Item.unit_cost).where(Item.active)
        if skus:
            item_query = item_query.where(Item.sku.in_(sorted(set(skus))))
        location_query = select(Location.code).where(
            Location.active, Location.kind.in_(STOCKING_KINDS)
        )
        if locations:
            location_query = location_query.where(Location.code.in_(sorted(set(locations))))
        facts = PlanningFacts(
            items=dict(session.execute(item_query.order_by(Item.sku)).all()),
            locations=list(session.scalars(location_query.order_by(Location.code))),
        )
        facts.suppliers = list(
            session.scalars(select(Supplier.code).where(Supplier.active).order_by(Supplier.code))
        )
        _read_stock(session, facts)
        _read_inbound(session, facts)
        _read_backorders(session, facts)
        _read_terms(session, facts)
        _read_actuals(session, facts)
        _read_forecast(session, facts, planning_date)
        return facts

    return db.read(read)


def _read_stock(session: Session, facts: PlanningFacts) -> None:
    rows = session.execute(
        select(Item.sku, Location.code, StockBalance.status, StockBalance.qty)
        .join(Item, Item.id == StockBalance.item_id)
        .join(Location, Location.id == StockBalance.location_id)
        .where(StockBalance.status.in_([StockStatus.AVAILABLE, StockStatus.RESERVED]))
    )
    for sku, location, status, qty in rows:
        if sku in facts.items and location in facts.locations:
            key = (sku, location)
            facts.on_hand[key] = facts.on_hand.get(key, 0) + qty
            if status == StockStatus.RESERVED:
                facts.reserved[key] = qty


def _read_inbound(session: Session, facts: PlanningFacts) -> None:
    ids = dict(session.execute(select(Item.id, Item.sku)).all())
    codes = dict(session.execute(select(Location.id, Location.code)).all())
    wanted = [item_id for item_id, sku in ids.items() if sku in facts.items]
    arrivals: dict[tuple[str, str], list[tuple[date, int]]] = defaultdict(list)
    for arrival in inbound(session, wanted):
        key = (ids[arrival.item_id], codes[arrival.location_id])
        arrivals[key].append((arrival.expected_date, arrival.qty))
    facts.inbound = dict(arrivals)


def _read_backorders(session: Session, facts: PlanningFacts) -> None:
    rows = session.execute(
        select(Item.sku, func.sum(OPEN_QTY))
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Item, Item.id == OrderLine.item_id)
        .where(Order.status == OrderStatus.BACKORDERED)
        .group_by(Item.sku)
    )
    facts.backorders = {sku: int(qty) for sku, qty in rows if sku in facts.items and qty > 0}


def _read_terms(session: Session, facts: PlanningFacts) -> None:
    rows = session.execute(
        select(
            Item.sku,
            Supplier.code,
            SupplierItem.unit_cost,
            SupplierItem.lead_time_days_mean,
            SupplierItem.lead_time_days_std,
            SupplierItem.moq,
            SupplierItem.pack_size,
        )
        .join(Item, Item.id == SupplierItem.item_id)
        .join(Supplier, Supplier.id == SupplierItem.supplier_id)
        .where(SupplierItem.active, Supplier.active)
        .order_by(Item.sku, Supplier.code)
    )
    terms: dict[str, list[SupplyTerms]] = defaultdict(list)
    for sku, supplier, cost, mean, sd, moq, pack in rows:
        if sku in facts.items:
            terms[sku].append(SupplyTerms(supplier, cost, float(mean), float(sd), moq, pack))
    facts.terms = dict(terms)


def _read_actuals(session: Session, facts: PlanningFacts) -> None:
    # Sums, not rows: the variance comes from the count, sum and sum of squares.
    lead = ReceiptLine.lead_time_days
    rows = session.execute(
        select(Item.sku, Supplier.code, func.count(), func.sum(lead), func.sum(lead * lead))
        .select_from(ReceiptLine)
        .join(Receipt, Receipt.id == ReceiptLine.receipt_id)
        .join(PurchaseOrder, PurchaseOrder.id == Receipt.purchase_order_id)
        .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
        .join(Item, Item.id == ReceiptLine.item_id)
        .group_by(Item.sku, Supplier.code)
    )
    for sku, supplier, count, total, squares in rows:
        mean = float(total) / count
        variance = (float(squares) - float(total) * mean) / (count - 1) if count > 1 else 0.0
        facts.actuals[(sku, supplier)] = LeadTimeActuals(count, mean, max(variance, 0.0) ** 0.5)


def _read_forecast(session: Session, facts: PlanningFacts, planning_date: date) -> None:
    """The newest succeeded run per SKU or per location (a per-location run says where demand
    falls; a per-SKU run is split by the pipeline)."""
    run = session.execute(
        select(ForecastRun.id, ForecastRun.grouping)
        .where(
            ForecastRun.status == RunStatus.SUCCEEDED,
            ForecastRun.grouping.in_(("sku", "location")),
        )
        .order_by(ForecastRun.id.desc())
        .limit(1)
    ).one_or_none()
    if run is None:
        return
    facts.forecast_run, facts.forecast_grouping = run.id, run.grouping
    rows = session.execute(
        select(
            Item.sku,
            Location.code,
            ForecastValue.ds,
            ForecastValue.mean,
            ForecastValue.lo_80,
            ForecastValue.hi_80,
        )
        .join(Item, Item.id == ForecastValue.item_id)
        .outerjoin(Location, Location.id == ForecastValue.location_id)
        .where(ForecastValue.run_id == run.id, ForecastValue.ds >= planning_date)
        .order_by(Item.sku, Location.code, ForecastValue.ds)
    )
    values: dict[tuple[str, str], list[tuple[date, float, float | None, float | None]]] = (
        defaultdict(list)
    )
    for sku, location, ds, mean, lo, hi in rows:
        if sku in facts.items:
            values[(sku, location or "")].append((ds, mean, lo, hi))
    facts.forecast = dict(values)
