"""When stock arrives, backordered orders waiting for it are allocated: by channel priority,
then age. Each order is its own transaction, after the arrival has committed."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import select

from erp_core.adapters.database import Database
from erp_core.adapters.order_tables import Order, OrderLine
from erp_core.adapters.tables import Channel, Item
from erp_core.domain.errors import DomainError
from erp_core.domain.orders import OrderStatus
from erp_core.domain.routing import Router
from erp_core.queries.orders import OPEN_QTY
from erp_core.services.release import release_order

log = logging.getLogger("keel.backorders")


def waiting_for(db: Database, skus: Iterable[str], limit: int) -> list[int]:
    """Backordered orders with an open line for any of these SKUs, in allocation order."""
    query = (
        select(Order.id)
        .join(Channel, Channel.id == Order.channel_id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(Item, Item.id == OrderLine.item_id)
        .where(
            Order.status == OrderStatus.BACKORDERED, Item.sku.in_(sorted(set(skus))), OPEN_QTY > 0
        )
        .group_by(Order.id, Channel.allocation_priority, Order.created_at)
        .order_by(Channel.allocation_priority, Order.created_at, Order.id)
        .limit(limit)
    )
    return db.read(lambda session: list(session.scalars(query)))


def allocate_arrivals(
    db: Database, actor: str, skus: Iterable[str], router: Router, limit: int = 200
) -> dict[int, str]:
    """Try to allocate the orders waiting for these SKUs; returns each order's new status.
    An order that raced with a cancellation or another release is skipped, not failed."""
    outcome: dict[int, str] = {}
    for order_id in waiting_for(db, skus, limit):
        try:
            outcome[order_id] = release_order(db, actor, order_id, router)["status"].value
        except DomainError as error:
            log.info("backordered order %s skipped: %s", order_id, error.message)
    return outcome
