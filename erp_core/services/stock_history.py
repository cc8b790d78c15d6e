"""Stock history written in bulk: the receipts and shipments of days before the replay, as
ledger moves stamped on their day, and the balances they add up to.

The services post one move at a time, each checked against its balance; two years of a
company's daily flows would take minutes that way. Here the moves of a whole history are
appended set-based and each touched balance grows by the net of its moves, in one
transaction. The caller vouches that no bucket went negative on any day (the demo's simulator
keeps stock per day); `keel check` proves afterwards that balances equal the sum of moves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.journal import post_journal
from erp_core.adapters.ledger import ADD_TO_BALANCE
from erp_core.adapters.tables import Item, Location, StockBalance, StockMove
from erp_core.clock import utcnow
from erp_core.domain.errors import NotFound
from erp_core.domain.journal import stock_value_postings
from erp_core.domain.stock import StockStatus
from erp_core.domain.valuation import current_cost

CHUNK = 10_000


@dataclass(frozen=True)
class StockFlow:
    """Units that came in (qty > 0) or went out (qty < 0) of available stock at a location."""

    at: datetime
    sku: str
    location: str
    qty: int
    reason: str
    reference: str
    unit_cost: Decimal | None = None


def load_stock_history(
    db: Database,
    actor: str,
    flows: Sequence[StockFlow],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Append the flows as moves into or out of `available`; returns how many were written."""

    def work(session: Session) -> int:
        conn = session.connection()
        items = dict(conn.execute(select(Item.sku, Item.id)).all())
        places = dict(conn.execute(select(Location.code, Location.id)).all())
        net: dict[tuple[int, int], int] = defaultdict(int)
        for start in range(0, len(flows), CHUNK):
            rows = [_move(flow, items, places, actor) for flow in flows[start : start + CHUNK]]
            conn.execute(insert(StockMove), rows)
            for flow in flows[start : start + CHUNK]:
                net[(items[flow.sku], places[flow.location])] += flow.qty
            if progress:
                progress(len(rows))
        negative_ok = set(conn.scalars(select(Item.id).where(Item.allow_negative_stock)))
        _add_to_balances(conn, net, negative_ok)
        _bring_onto_books(conn, actor, net)
        return len(flows)

    return db.transact(work)


def _move(
    flow: StockFlow, items: dict[str, int], places: dict[str, int], actor: str
) -> dict[str, object]:
    if flow.sku not in items or flow.location not in places:
        raise NotFound(
            f"unknown item {flow.sku!r} or location {flow.location!r} in the stock history",
            sku=flow.sku,
            location=flow.location,
        )
    inward = flow.qty > 0
    return {
        "item_id": items[flow.sku],
        "location_id": places[flow.location],
        "from_status": None if inward else StockStatus.AVAILABLE,
        "to_status": StockStatus.AVAILABLE if inward else None,
        "qty": abs(flow.qty),
        "reason": flow.reason,
        "reference": flow.reference,
        "unit_cost": flow.unit_cost if inward else None,
        "actor": actor,
        "created_at": flow.at,
    }


def _bring_onto_books(conn: Connection, actor: str, net: dict[tuple[int, int], int]) -> None:
    """The stock the history leaves on hand enters the books at each item's current cost
    against opening balances: the history's sales were never invoiced, so its flows carry no
    revenue or cost of sale, and the journal starts from what is on the shelf."""
    units: dict[int, int] = defaultdict(int)
    for (item_id, _), qty in net.items():
        units[item_id] += qty
    costs = {
        item_id: current_cost(unit, average)
        for item_id, unit, average in conn.execute(
            select(Item.id, Item.unit_cost, Item.average_cost)
        )
    }
    value = sum((qty * costs[item_id] for item_id, qty in units.items()), Decimal(0))
    postings = stock_value_postings(value, "opening_balance", value)
    if postings:
        post_journal(conn, "stock history brought onto the books", "stock_history", actor, postings)


def _add_to_balances(
    conn: Connection, net: dict[tuple[int, int], int], negative_ok: set[int]
) -> None:
    existing = {
        (item_id, location_id)
        for item_id, location_id in conn.execute(
            select(StockBalance.item_id, StockBalance.location_id).where(
                StockBalance.status == StockStatus.AVAILABLE
            )
        )
    }
    now = utcnow()
    fresh = [
        {
            "item_id": item_id,
            "location_id": location_id,
            "status": StockStatus.AVAILABLE,
            "qty": qty,
            "allow_negative": item_id in negative_ok,
            "updated_at": now,
        }
        for (item_id, location_id), qty in net.items()
        if (item_id, location_id) not in existing
    ]
    if fresh:
        conn.execute(insert(StockBalance), fresh)
    grown = [
        {"b_item_id": i, "b_location_id": loc, "b_status": StockStatus.AVAILABLE}
        | {"change": qty, "now": now}
        for (i, loc), qty in net.items()
        if (i, loc) in existing and qty
    ]
    if grown:
        conn.execute(ADD_TO_BALANCE, grown)
