"""Executive KPIs of money after the sale: gross margin by channel and the return rate.

Margin is built from the documents the journal was posted from (invoices, shipment lines at
cost, posted refunds, restock dispositions), so it splits by channel where the journal's
accounts do not.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, join
from sqlalchemy.orm import Session

from erp_core.adapters.fulfillment_tables import Invoice, Shipment, ShipmentLine
from erp_core.adapters.order_tables import Order, OrderLine
from erp_core.adapters.returns_tables import (
    Refund,
    ReturnAuthorization,
    ReturnDisposition,
    ReturnLine,
)
from erp_core.adapters.tables import Channel
from erp_core.domain.refunds import RefundStatus
from erp_core.domain.returns import Disposition
from erp_core.queries.kpi_frame import Grouping, Kpi, KpiQuery, Rows, View
from erp_core.queries.kpi_sql import (
    ORDER_CHANNEL,
    RETURN_ROUTES,
    SHIPPED_LINE_ROUTES,
    Route,
    grouped,
    money,
    order_line_routes,
    ratio,
    sorted_rows,
    within,
)

G = Grouping
RA = ReturnAuthorization
MONEY_COLUMNS = (
    "revenue",
    "discounts",
    "shipping_income",
    "refunds",
    "net_revenue",
    "fees",
    "shipping_expense",
    "cogs",
    "gross_margin",
)
# Shipment lines and shipments reach their channel through their invoice's order.
_INVOICE_CHANNEL = {
    G.CHANNEL: Route(Channel.code, ((Order, Order.id == Invoice.order_id), ORDER_CHANNEL))
}
_RETURNED_ORDER = (
    (RA, RA.id == ReturnLine.return_id),
    (Order, Order.id == RA.order_id),
    ORDER_CHANNEL,
)


def _sums(session: Session, statement: Any) -> dict[str, tuple[Any, ...]]:
    return {group: tuple(rest) for group, *rest in session.execute(statement)}


def gross_margin(session: Session, query: KpiQuery) -> Rows:
    # Invoices read their channel whatever the grouping: its fee rate prices the fee.
    invoices = join(Invoice, Order, Order.id == Invoice.order_id).join(*ORDER_CHANNEL)
    invoiced = _sums(
        session,
        grouped(
            query,
            {G.CHANNEL: Route(Channel.code)},
            invoices,
            func.sum(Invoice.goods),
            func.sum(Invoice.discount),
            func.sum(Invoice.shipping),
            func.sum(Invoice.total * Channel.fee_rate),
        ).where(within(Invoice.issued_at, query)),
    )
    shipped_cost = _sums(
        session,
        grouped(
            query,
            _INVOICE_CHANNEL,
            join(ShipmentLine, Invoice, Invoice.shipment_id == ShipmentLine.shipment_id),
            func.sum(ShipmentLine.qty * ShipmentLine.unit_cost),
        ).where(within(Invoice.issued_at, query)),
    )
    carried = _sums(
        session,
        grouped(
            query,
            _INVOICE_CHANNEL,
            join(Shipment, Invoice, Invoice.shipment_id == Shipment.id),
            func.sum(Shipment.shipping_cost),
        ).where(within(Invoice.issued_at, query)),
    )
    refunded = _sums(
        session,
        grouped(
            query,
            RETURN_ROUTES,
            join(Refund, RA, RA.id == Refund.return_id),
            func.sum(Refund.goods + Refund.shipping - Refund.restocking_fee),
        ).where(Refund.status == RefundStatus.POSTED, within(Refund.posted_at, query)),
    )
    restocked = _sums(
        session,
        grouped(
            query,
            {G.CHANNEL: Route(Channel.code, _RETURNED_ORDER)},
            join(ReturnDisposition, ReturnLine, ReturnLine.id == ReturnDisposition.return_line_id),
            func.sum(ReturnDisposition.qty * ReturnLine.unit_cost),
        ).where(
            ReturnDisposition.disposition == Disposition.RESTOCK,
            within(ReturnDisposition.at, query),
        ),
    )
    zero = (0, 0, 0, 0)
    figures = {}
    for group in invoiced.keys() | shipped_cost.keys() | refunded.keys() | restocked.keys():
        goods, discounts, shipping, fees = (money(v) for v in invoiced.get(group, zero))
        refunds = money(refunded.get(group, (0,))[0])
        carriers = money(carried.get(group, (0,))[0])
        cogs = money(shipped_cost.get(group, (0,))[0]) - money(restocked.get(group, (0,))[0])
        figures[group] = _margin(goods, discounts, shipping, refunds, fees, carriers, cogs)
    return sorted_rows(figures, query, _margin(*(money(0) for _ in range(7))))


def _margin(
    goods: Decimal,
    discounts: Decimal,
    shipping: Decimal,
    refunds: Decimal,
    fees: Decimal,
    carriers: Decimal,
    cogs: Decimal,
) -> dict[str, Any]:
    net = goods - discounts + shipping - refunds
    margin = net - fees - carriers - cogs
    return {
        "revenue": goods,
        "discounts": discounts,
        "shipping_income": shipping,
        "refunds": refunds,
        "net_revenue": net,
        "fees": fees,
        "shipping_expense": carriers,
        "cogs": cogs,
        "gross_margin": margin,
        "margin_pct": round(float(margin / net) * 100, 2) if net > 0 else None,
    }


def return_rate(session: Session, query: KpiQuery) -> Rows:
    shipped = _sums(
        session,
        grouped(
            query,
            SHIPPED_LINE_ROUTES,
            join(ShipmentLine, Shipment, Shipment.id == ShipmentLine.shipment_id),
            func.sum(ShipmentLine.qty),
        ).where(within(Shipment.shipped_at, query)),
    )
    returned = _sums(
        session,
        grouped(
            query,
            order_line_routes(
                (OrderLine, OrderLine.id == ReturnLine.order_line_id),
                RETURN_ROUTES[G.LOCATION],
            ),
            join(ReturnLine, RA, RA.id == ReturnLine.return_id),
            func.sum(ReturnLine.qty_received),
        ).where(within(RA.received_at, query)),
    )
    figures = {}
    for group in shipped.keys() | returned.keys():
        out = int(shipped.get(group, (0,))[0] or 0)
        back = int(returned.get(group, (0,))[0] or 0)
        figures[group] = {
            "units_shipped": out,
            "units_returned": back,
            "return_rate": ratio(back, out),
        }
    empty = {"units_shipped": 0, "units_returned": 0, "return_rate": None}
    return sorted_rows(figures, query, empty)


MARGIN_KPIS = (
    Kpi(
        name="gross_margin",
        view=View.EXECUTIVE,
        title="Gross margin by channel",
        description=(
            "Per channel, for invoices issued in the range (issued_at, UTC): revenue = goods "
            "invoiced at list price; discounts = their discounts; shipping_income = shipping "
            "charged; refunds = posted credit notes' goods and shipping paid back less "
            "restocking fees kept (posted_at in the range; tax is never revenue); net_revenue "
            "= revenue - discounts + shipping_income - refunds; fees = the channel's fee rate "
            "x each invoice's total (goods - discount + tax + shipping), summed, to the cent; "
            "cogs = the invoiced shipments' lines at the cost they left the shelf at, less "
            "returned units restocked in the range (restock dispositions) at the cost they "
            "had shipped at; shipping_expense = what the carriers charge for the invoiced "
            "shipments (the label's cost, or the lane's price for the weight shipped); "
            "gross_margin = net_revenue - fees - shipping_expense - cogs; margin_pct = "
            "gross_margin / net_revenue x 100, None when net revenue is not positive."
        ),
        columns=(*MONEY_COLUMNS, "margin_pct"),
        groupings=frozenset({G.CHANNEL}),
        compute=gross_margin,
        needs_cost=True,
    ),
    Kpi(
        name="return_rate",
        view=View.EXECUTIVE,
        title="Return rate",
        description=(
            "Units received back on returns in the range (the RMA's received_at, UTC) / units "
            "shipped in the range (shipped_at). None when nothing shipped. Location is where "
            "the units were shipped from for the shipped units and where they came back to "
            "for the returned ones."
        ),
        columns=("units_shipped", "units_returned", "return_rate"),
        groupings=frozenset({G.CHANNEL, G.LOCATION, G.CATEGORY}),
        compute=return_rate,
    ),
)
