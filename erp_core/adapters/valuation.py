"""Keeping each item's moving-average cost in step with the ledger, in the caller's
transaction (SQLAlchemy Core, like the ledger it sits beside)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection, func, select, update

from erp_core.adapters.tables import BALANCES, ITEMS
from erp_core.domain.valuation import moving_average

_ITEM_COSTS = select(ITEMS.c.unit_cost, ITEMS.c.average_cost).with_for_update()
_ON_HAND = select(func.coalesce(func.sum(BALANCES.c.qty), 0))


def value_receipt(conn: Connection, item_id: int, qty: int, unit_cost: Decimal) -> Decimal:
    """Fold a receipt into the item's average cost; call it before the receipt is posted.

    The item row is locked first, so two receipts of one item (at any locations) blend one
    after the other. Every status counts as on hand: reserved, quarantined and in-transit
    units are still the company's and carry its cost.
    """
    unit, average = conn.execute(_ITEM_COSTS.where(ITEMS.c.id == item_id)).one()
    on_hand = int(conn.scalar(_ON_HAND.where(BALANCES.c.item_id == item_id)) or 0)
    blended = moving_average(on_hand, unit if average is None else average, qty, unit_cost)
    conn.execute(update(ITEMS).where(ITEMS.c.id == item_id).values(average_cost=blended))
    return blended
