"""One invoice per shipment, posted to the journal with the cost of what left the shelf."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_core.adapters.fulfillment_tables import Invoice, Shipment, ShipmentLine
from erp_core.adapters.order_tables import Order, OrderLine
from erp_core.adapters.tables import Channel
from erp_core.domain.journal import cost_of_sale_postings, invoice_postings
from erp_core.services.journal import post_entry

CENT = Decimal("0.0001")


def invoice_shipment(session: Session, actor: str, order: Order, shipment: Shipment) -> Invoice:
    """Goods at the shipped quantities; each line's discount and tax in proportion, rounded
    cumulatively so a line's invoices add up to the line exactly; shipping on the first."""
    goods = discount = tax = cost = Decimal(0)
    for line, qty, before, unit_cost in _shipped_lines(session, shipment):
        goods += line.unit_price * qty
        discount += _share(line.discount, before + qty, line.qty) - _share(
            line.discount, before, line.qty
        )
        tax += _share(line.tax, before + qty, line.qty) - _share(line.tax, before, line.qty)
        cost += unit_cost * qty
    first = (
        session.scalar(
            select(func.count()).select_from(Invoice).where(Invoice.order_id == order.id)
        )
        == 0
    )
    shipping = order.shipping if first else Decimal(0)
    channel = session.get_one(Channel, order.channel_id).code
    reference = f"order:{order.id}/shipment:{shipment.id}"
    entry = post_entry(
        session,
        f"invoice for order {order.external_id}",
        reference,
        actor,
        invoice_postings(channel, goods, discount, tax, shipping),
    )
    post_entry(
        session,
        f"cost of sale, order {order.external_id}",
        reference,
        actor,
        cost_of_sale_postings(cost),
    )
    invoice = Invoice(
        order_id=order.id,
        shipment_id=shipment.id,
        currency=order.currency,
        goods=goods,
        discount=discount,
        tax=tax,
        shipping=shipping,
        total=goods - discount + tax + shipping,
        journal_entry_id=entry,
    )
    session.add(invoice)
    return invoice


def _shipped_lines(
    session: Session, shipment: Shipment
) -> list[tuple[OrderLine, int, int, Decimal]]:
    """(order line, qty in this shipment, qty shipped before it, unit cost as shipped) per
    line of the shipment."""
    rows = []
    for shipped in session.scalars(
        select(ShipmentLine).where(ShipmentLine.shipment_id == shipment.id)
    ):
        line = session.get_one(OrderLine, shipped.order_line_id)
        before = session.scalar(
            select(func.coalesce(func.sum(ShipmentLine.qty), 0)).where(
                ShipmentLine.order_line_id == line.id, ShipmentLine.shipment_id < shipment.id
            )
        )
        rows.append((line, shipped.qty, int(before or 0), shipped.unit_cost))
    return rows


def _share(amount: Decimal, qty: int, of: int) -> Decimal:
    return (amount * qty / of).quantize(CENT)
