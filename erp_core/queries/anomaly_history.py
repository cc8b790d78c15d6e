"""The order history anomaly scoring reads: a few customers' and addresses' past orders for
one live batch, and the whole history with its labels for training."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters.anomaly_tables import OrderAnomalyScore
from erp_core.adapters.label_tables import InjectedAnomaly
from erp_core.adapters.order_tables import Order, OrderLine
from erp_core.adapters.tables import Channel, Customer, Item


def customer_orders(session: Session, customer_ids: Collection[int]) -> list[Any]:
    """(customer id, created at, goods after discount) of every order of these customers."""
    if not customer_ids:
        return []
    query = select(Order.customer_id, Order.created_at, Order.goods - Order.discount).where(
        Order.customer_id.in_(customer_ids)
    )
    return list(session.execute(query))


def address_orders(session: Session, address_keys: Collection[str], since: datetime) -> list[Any]:
    """(address key, created at) of the orders shipped to these addresses since `since`."""
    if not address_keys:
        return []
    query = select(OrderAnomalyScore.address_key, OrderAnomalyScore.created_at).where(
        OrderAnomalyScore.address_key.in_(address_keys),
        OrderAnomalyScore.created_at >= since,
    )
    return list(session.execute(query))


def training_orders(session: Session, since: datetime | None) -> list[Any]:
    """Every order since `since`: id, channel, customer code and region, ship-to, created at,
    goods, discount."""
    query = (
        select(
            Order.id,
            Channel.code,
            Customer.code,
            Customer.region,
            Order.ship_to,
            Order.created_at,
            Order.goods,
            Order.discount,
        )
        .join(Channel, Channel.id == Order.channel_id)
        .outerjoin(Customer, Customer.id == Order.customer_id)
        .order_by(Order.created_at, Order.id)
    )
    if since is not None:
        query = query.where(Order.created_at >= since)
    return list(session.execute(query))


def training_lines(session: Session, since: datetime | None) -> list[Any]:
    """(order id, SKU, qty, unit cost) of every line of the orders since `since`."""
    query = (
        select(OrderLine.order_id, Item.sku, OrderLine.qty, OrderLine.unit_cost)
        .join(Item, Item.id == OrderLine.item_id)
        .join(Order, Order.id == OrderLine.order_id)
    )
    if since is not None:
        query = query.where(Order.created_at >= since)
    return list(session.execute(query))


def outcome_labels(session: Session) -> dict[int, str]:
    """What resolved anomaly holds taught: order id -> confirmed_fraud | false_positive."""
    query = select(OrderAnomalyScore.order_id, OrderAnomalyScore.outcome).where(
        OrderAnomalyScore.outcome.is_not(None)
    )
    return {order_id: str(outcome) for order_id, outcome in session.execute(query)}


def planted_labels(session: Session) -> dict[int, str]:
    """Orders the demo planted as anomalies, by kind: evaluation only, never a training label."""
    query = select(InjectedAnomaly.order_id, InjectedAnomaly.kind)
    return {order_id: kind for order_id, kind in session.execute(query)}
