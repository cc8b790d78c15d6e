"""What the return scan reads: purchases and returns per customer, units sold and returned per
SKU and day, the free-text reasons, and the returns still open with their refunds. A handful
of set queries, each run in the caller's session so one scan sees one state.

Returns are known only from the first RMA on: history imported from before Keel has sales but
no RMAs, and counting it would read as a long spell of zero returns. Every read therefore
starts at `since`, the Monday of the first RMA's week (`tracking_start`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from erp_core.adapters.anomaly_tables import AnomalyFlag
from erp_core.adapters.fulfillment_tables import Shipment, ShipmentLine
from erp_core.adapters.order_tables import Order, OrderLine
from erp_core.adapters.returns_tables import Refund, ReturnAuthorization, ReturnLine
from erp_core.adapters.tables import Customer, Item
from erp_core.domain.anomalies import FlagKind, FlagStatus
from erp_core.domain.refunds import RefundStatus
from erp_core.domain.returns import ReturnStatus
from erp_core.queries.demand_history import as_date, day_of

RA = ReturnAuthorization
OPEN = (ReturnStatus.AUTHORIZED, ReturnStatus.RECEIVED, ReturnStatus.INSPECTED)
# Units an RMA claims: what was authorised until the parcel arrives, then what was in it.
_UNITS_RETURNED = case(
    (RA.status == ReturnStatus.AUTHORIZED, ReturnLine.qty_authorized),
    else_=ReturnLine.qty_received,
)


@dataclass(frozen=True)
class CustomerPurchases:
    customer_id: int
    code: str
    bought: int  # order lines shipped since tracking began
    returned: int  # of those lines, the ones on an RMA not cancelled


@dataclass(frozen=True)
class SkuDay:
    sku: str
    item_id: int
    day: date
    sold: int  # units shipped that day
    returned: int  # units on RMAs authorised that day


@dataclass(frozen=True)
class OpenReturn:
    return_id: int
    order_id: int
    customer_id: int | None
    status: ReturnStatus
    units_received: int
    refund_total: Decimal  # of the refunds requested or posted, not rejected
    first_refund_at: datetime | None  # None: no such refund

    @property
    def refund_without_receipt(self) -> bool:
        return self.first_refund_at is not None and self.units_received == 0


def tracking_start(session: Session, until: datetime) -> datetime | None:
    """Monday 00:00 UTC of the week of the first RMA up to `until`; None before any."""
    first = session.scalar(select(func.min(RA.authorized_at)).where(RA.authorized_at <= until))
    if first is None:
        return None
    day = first.astimezone(UTC).date()
    return datetime.combine(day - timedelta(days=day.weekday()), time(), UTC)


def customer_purchases(
    session: Session, since: datetime, until: datetime
) -> list[CustomerPurchases]:
    """Per customer, order lines shipped in [since, until] and how many of them came back."""
    shipped = (
        select(OrderLine.id.label("line_id"), Order.customer_id)
        .join(Order, Order.id == OrderLine.order_id)
        .join(ShipmentLine, ShipmentLine.order_line_id == OrderLine.id)
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .where(Order.customer_id.is_not(None), Shipment.shipped_at.between(since, until))
        .group_by(OrderLine.id, Order.customer_id)
        .subquery()
    )
    returned = (
        select(ReturnLine.order_line_id)
        .join(RA, RA.id == ReturnLine.return_id)
        .where(RA.status != ReturnStatus.CANCELLED, RA.authorized_at <= until)
        .distinct()
        .subquery()
    )
    query = (
        select(Customer.id, Customer.code, func.count(), func.count(returned.c.order_line_id))
        .select_from(shipped)
        .join(Customer, Customer.id == shipped.c.customer_id)
        .outerjoin(returned, returned.c.order_line_id == shipped.c.line_id)
        .group_by(Customer.id, Customer.code)
        .order_by(Customer.id)
    )
    return [CustomerPurchases(i, code, int(n), int(r)) for i, code, n, r in session.execute(query)]


def sku_days(session: Session, since: datetime, until: datetime) -> list[SkuDay]:
    """Units shipped and units returned per SKU and UTC day in [since, until]."""
    ship_day = day_of(session, Shipment.shipped_at)
    sold = (
        select(Item.sku, Item.id, ship_day, func.sum(ShipmentLine.qty))
        .select_from(ShipmentLine)
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
        .join(Item, Item.id == OrderLine.item_id)
        .where(Shipment.shipped_at.between(since, until))
        .group_by(Item.sku, Item.id, ship_day)
    )
    return_day = day_of(session, RA.authorized_at)
    returned = (
        select(Item.sku, Item.id, return_day, func.sum(_UNITS_RETURNED))
        .select_from(ReturnLine)
        .join(RA, RA.id == ReturnLine.return_id)
        .join(OrderLine, OrderLine.id == ReturnLine.order_line_id)
        .join(Item, Item.id == OrderLine.item_id)
        .where(RA.status != ReturnStatus.CANCELLED, RA.authorized_at.between(since, until))
        .group_by(Item.sku, Item.id, return_day)
    )
    days: dict[tuple[str, int, date], list[int]] = {}
    for column, rows in enumerate((session.execute(sold), session.execute(returned))):
        for sku, item_id, day, units in rows:
            days.setdefault((sku, item_id, as_date(day)), [0, 0])[column] += int(units or 0)
    return [SkuDay(s, i, d, sold, back) for (s, i, d), (sold, back) in sorted(days.items())]


def reason_texts(session: Session, since: datetime, until: datetime) -> list[tuple[int, str]]:
    """(return id, the customer's words) of every RMA in [since, until] that has some."""
    query = (
        select(RA.id, RA.reason_text)
        .where(RA.reason_text.is_not(None), RA.authorized_at.between(since, until))
        .order_by(RA.id)
    )
    return [(rma_id, str(text)) for rma_id, text in session.execute(query)]


def open_returns(session: Session, until: datetime) -> list[OpenReturn]:
    """Returns neither closed nor cancelled, with the units received so far and the refunds
    requested or posted on them (the ones up to `until`)."""
    received = (
        select(ReturnLine.return_id, func.sum(ReturnLine.qty_received).label("units"))
        .group_by(ReturnLine.return_id)
        .subquery()
    )
    refunds = (
        select(
            Refund.return_id,
            func.sum(Refund.total).label("total"),
            func.min(Refund.requested_at).label("first"),
        )
        .where(Refund.status != RefundStatus.REJECTED, Refund.requested_at <= until)
        .group_by(Refund.return_id)
        .subquery()
    )
    query = (
        select(
            RA.id,
            RA.order_id,
            Order.customer_id,
            RA.status,
            func.coalesce(received.c.units, 0),
            func.coalesce(refunds.c.total, 0),
            refunds.c.first,
        )
        .join(Order, Order.id == RA.order_id)
        .outerjoin(received, received.c.return_id == RA.id)
        .outerjoin(refunds, refunds.c.return_id == RA.id)
        .where(RA.status.in_(OPEN), RA.authorized_at <= until)
        .order_by(RA.id)
    )
    return [
        OpenReturn(rma, order, customer, status, int(units), Decimal(total), first)
        for rma, order, customer, status, units, total, first in session.execute(query)
    ]


def cleared_returners(session: Session) -> set[int]:
    """Customers whose returner flag someone dismissed: their returns are not held for it."""
    query = select(AnomalyFlag.customer_id).where(
        AnomalyFlag.kind == FlagKind.CUSTOMER.value,
        AnomalyFlag.status == FlagStatus.DISMISSED.value,
        AnomalyFlag.customer_id.is_not(None),
    )
    return {customer_id for customer_id in session.scalars(query) if customer_id is not None}
