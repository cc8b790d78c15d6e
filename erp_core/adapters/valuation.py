"""Keeping each item's moving-average cost in step with the ledger, in the caller's
transaction (SQLAlchemy Core, like the ledger it sits beside).

Inventory in the journal equals on-hand units x each item's cost at every moment: each
function here answers how much the stock's value changes, and the caller posts exactly that.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, func, select, update

from erp_core.adapters.tables import BALANCES, ITEMS
from erp_core.domain.valuation import current_cost, moving_average

# FOR NO KEY UPDATE: valued changes of one item queue on it, while every stock move's
# foreign-key check (FOR KEY SHARE on the item) passes; a plain FOR UPDATE would block those
# checks and deadlock against moves already holding balance rows.
_ITEM_COSTS = select(ITEMS.c.unit_cost, ITEMS.c.average_cost).with_for_update(key_share=True)
_ON_HAND = select(func.coalesce(func.sum(BALANCES.c.qty), 0))


@dataclass(frozen=True)
class Valuation:
    """How a stock change moves the books: `value` is the change in on-hand x cost, `at_cost`
    what the units were charged at (their receipt cost, or the average for other moves)."""

    value: Decimal
    at_cost: Decimal


def value_receipt(conn: Connection, item_id: int, qty: int, unit_cost: Decimal) -> Valuation:
    """Fold a receipt into the item's average cost; call it before the receipt is posted.

    The item row is locked first, so two receipts of one item (at any locations) blend one
    after the other. Every status counts as on hand: reserved, quarantined and in-transit
    units are still the company's and carry its cost. The average is rounded to 4 places, so
    the value change differs from qty x unit_cost by that rounding.
    """
    unit, average = conn.execute(_ITEM_COSTS.where(ITEMS.c.id == item_id)).one()
    on_hand = _on_hand(conn, item_id)
    before = current_cost(unit, average)
    blended = moving_average(on_hand, before, qty, unit_cost)
    conn.execute(update(ITEMS).where(ITEMS.c.id == item_id).values(average_cost=blended))
    value = (on_hand + qty) * blended - on_hand * before
    return Valuation(value, qty * unit_cost)


def value_at_cost(conn: Connection, item_id: int, qty: int) -> Valuation:
    """Units in (qty > 0) or out (qty < 0) at the item's current cost, which they leave
    unchanged."""
    value = qty * lock_cost(conn, item_id)
    return Valuation(value, value)


def lock_cost(conn: Connection, item_id: int) -> Decimal:
    """The item's current cost, its row locked until the transaction ends.

    On PostgreSQL a receipt blends the average from the units on hand; a stock change of the
    same item committing meanwhile would be valued at the old average while the blend missed
    its units. Every valued stock change takes this lock first (before any balance row, the
    order receipts lock in), so they queue.
    """
    unit, average = conn.execute(_ITEM_COSTS.where(ITEMS.c.id == item_id)).one()
    return current_cost(unit, average)


def _on_hand(conn: Connection, item_id: int) -> int:
    return int(conn.scalar(_ON_HAND.where(BALANCES.c.item_id == item_id)) or 0)
