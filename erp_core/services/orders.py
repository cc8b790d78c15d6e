"""Capturing an order: once per channel order, validated on receipt, held or ready.

Receipt is separate from release: capture never touches stock. A channel order that arrives
again (same channel and external id) returns the order already captured, never a second one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.order_tables import Hold, Order, OrderLine
from erp_core.adapters.tables import Channel, Customer, Item, Location, StockBalance
from erp_core.domain.errors import AlreadyExists, InactiveRecord, InvalidInput, NotFound
from erp_core.domain.order_rules import (
    HoldStatus,
    OrderFacts,
    OrderScorer,
    failed_checks,
)
from erp_core.domain.orders import LineAmounts, OrderAmounts, OrderStatus, PaymentStatus
from erp_core.domain.stock import StockStatus
from erp_core.services import audit, idempotency
from erp_core.services import master_data as md
from erp_core.services.lookup import active_by_code
from erp_core.services.order_lifecycle import change_status, record_receipt
from erp_core.services.order_policies import policy_for

# The reply for a captured order, built inside the capture transaction from its id: a full
# order for the API, just the id for a batch import that does not need more.
Reply = Callable[[Session, int], dict[str, Any]]


@dataclass(frozen=True)
class LineCommand:
    sku: str
    qty: int
    unit_price: Decimal
    discount: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)


@dataclass(frozen=True)
class CustomerCommand:
    code: str
    name: str
    email: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class OrderCommand:
    channel: str
    external_id: str
    lines: tuple[LineCommand, ...]
    ship_to: dict[str, str | None]
    shipping_method: str
    payment_status: PaymentStatus
    customer: CustomerCommand | None = None
    currency: str = "EUR"
    shipping: Decimal = Decimal(0)
    requested_delivery_date: date | None = None


@dataclass(frozen=True)
class Captured:
    status_code: int
    body: dict[str, Any]


def capture_order(
    db: Database,
    actor: str,
    cmd: OrderCommand,
    reply: Reply,
    scorer: OrderScorer | None = None,
    idempotency_scope: tuple[str, str] | None = None,
) -> Captured:
    """201 with the new order, or 200 with the order already captured for this channel order.

    `idempotency_scope` is (scope, request hash) of an Idempotency-Key: the key is claimed in
    the same transaction, and a replay returns the first reply.
    """
    most = db.settings.max_order_lines
    if not cmd.lines or len(cmd.lines) > most:
        raise InvalidInput(f"an order has 1 to {most} lines", lines=len(cmd.lines))

    def work(session: Session) -> Captured:
        replay = idempotency.replayed(session, idempotency_scope)
        if replay is not None:
            return Captured(*replay)
        captured = _capture(session, actor, cmd, reply, scorer)
        idempotency.remember(session, idempotency_scope, captured.status_code, captured.body)
        return captured

    try:
        return db.transact(work)
    except IntegrityError:
        # A concurrent request captured the same channel order (or claimed the same key)
        # between our check and our insert; its reply is now ours.
        return db.transact(work)


def _capture(
    session: Session, actor: str, cmd: OrderCommand, reply: Reply, scorer: OrderScorer | None
) -> Captured:
    channel = active_by_code(session, Channel, cmd.channel)
    existing = session.scalar(
        select(Order.id).where(Order.channel_id == channel.id, Order.external_id == cmd.external_id)
    )
    if existing is not None:
        return Captured(200, reply(session, existing))
    items = _items(session, [line.sku for line in cmd.lines])
    amounts = OrderAmounts(
        tuple(
            LineAmounts(
                line.qty, line.unit_price, line.discount, line.tax, items[line.sku].unit_cost
            )
            for line in cmd.lines
        ),
        cmd.shipping,
    )
    order = Order(
        channel_id=channel.id,
        external_id=cmd.external_id,
        status=OrderStatus.RECEIVED,
        customer_id=_customer_id(session, actor, cmd.customer),
        payment_status=cmd.payment_status,
        shipping_method=cmd.shipping_method,
        ship_to=cmd.ship_to,
        currency=cmd.currency,
        requested_delivery_date=cmd.requested_delivery_date,
        goods=amounts.goods,
        discount=amounts.discount,
        tax=amounts.tax,
        shipping=cmd.shipping,
        total=amounts.total,
    )
    session.add(order)
    session.flush()
    record_receipt(session, order, actor)
    session.add_all(
        OrderLine(
            order_id=order.id,
            line_no=n,
            item_id=items[line.sku].id,
            qty=line.qty,
            unit_price=line.unit_price,
            discount=line.discount,
            tax=line.tax,
            unit_cost=items[line.sku].unit_cost,
        )
        for n, line in enumerate(cmd.lines, start=1)
    )
    _validate(session, actor, order, cmd, amounts, items, scorer)
    session.flush()
    audit.record(
        session.connection(),
        actor=actor,
        action="order.capture",
        entity="order",
        key=f"{channel.code}/{cmd.external_id}",
        before=None,
        after={"id": order.id, "status": order.status, "total": order.total},
    )
    return Captured(201, reply(session, order.id))


def _validate(
    session: Session,
    actor: str,
    order: Order,
    cmd: OrderCommand,
    amounts: OrderAmounts,
    items: dict[str, Item],
    scorer: OrderScorer | None,
) -> None:
    """Ready when every check passes, else held with one hold per failed check."""
    policy = policy_for(session, order.channel_id)
    facts = OrderFacts(
        ship_to=cmd.ship_to,
        payment=cmd.payment_status,
        shipping_method=cmd.shipping_method,
        amounts=amounts,
        restricted_regions={
            sku: i.restricted_regions for sku, i in items.items() if i.restricted_regions
        },
        # Only worth a stock query when the channel holds orders it cannot fill.
        short_skus=_short_skus(session, cmd, items) if policy.hold_without_stock else [],
        anomaly=scorer.score(_scoring_view(cmd, amounts)) if scorer is not None else None,
    )
    findings = failed_checks(facts, policy)
    if not findings:
        change_status(session, order, OrderStatus.READY, actor, "passed every check")
        return
    session.add_all(
        Hold(
            order_id=order.id,
            reason=f.reason,
            message=f.message[:500],
            details=f.details,
            status=HoldStatus.OPEN,
        )
        for f in findings
    )
    change_status(
        session, order, OrderStatus.HELD, actor, "; ".join(f.reason.value for f in findings)
    )


def _items(session: Session, skus: list[str]) -> dict[str, Item]:
    found = {i.sku: i for i in session.scalars(select(Item).where(Item.sku.in_(set(skus))))}
    for sku in skus:
        if sku not in found:
            raise NotFound(f"item {sku!r} not found", code=sku)
        if not found[sku].active:
            raise InactiveRecord(f"item {sku!r} is deactivated", code=sku)
    return found


def _customer_id(session: Session, actor: str, customer: CustomerCommand | None) -> int | None:
    """The order's customer, created on first sight (channels send the customer with it)."""
    if customer is None:
        return None
    existing = select(Customer.id).where(Customer.code == customer.code)
    found = session.scalar(existing)
    if found is not None:
        return found
    values = {
        "code": customer.code,
        "name": customer.name,
        "email": customer.email,
        "region": customer.region,
    }
    try:
        return int(md.add_record(session, actor, md.CUSTOMERS, values)["id"])
    except AlreadyExists:
        # Another order brought the same new customer and committed a moment ago.
        return session.scalar(existing)


def _short_skus(session: Session, cmd: OrderCommand, items: dict[str, Item]) -> list[str]:
    """SKUs whose free stock over all active locations is less than the order asks for."""
    wanted: dict[str, int] = defaultdict(int)
    for line in cmd.lines:
        wanted[line.sku] += line.qty
    free: dict[int, int] = {
        item_id: qty
        for item_id, qty in session.execute(
            select(StockBalance.item_id, func.sum(StockBalance.qty))
            .join(Location, Location.id == StockBalance.location_id)
            .where(
                StockBalance.item_id.in_([items[s].id for s in wanted]),
                StockBalance.status == StockStatus.AVAILABLE,
                Location.active,
            )
            .group_by(StockBalance.item_id)
        )
    }
    return sorted(sku for sku, qty in wanted.items() if free.get(items[sku].id, 0) < qty)


def _scoring_view(cmd: OrderCommand, amounts: OrderAmounts) -> dict[str, Any]:
    return {
        "channel": cmd.channel,
        "customer": cmd.customer.code if cmd.customer else None,
        "ship_to": cmd.ship_to,
        "total": amounts.total,
        "discount": amounts.discount,
        "margin_rate": amounts.margin_rate,
        "lines": [
            {"sku": line.sku, "qty": line.qty, "unit_price": line.unit_price} for line in cmd.lines
        ],
    }
