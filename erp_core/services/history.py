"""Historical orders: a company's demand from before Keel, loaded in bulk as shipped orders.

History is demand that happened before Keel kept the books, so an imported order is written
closed and paid, with its lines, one timeline entry and one shipment from its location, and
nothing else. No stock moves: today's stock enters through opening balances, and shipping it
again for past sales would drive balances negative or count units twice. No journal entries
or invoices: past revenue and cost of goods are in the balances carried over, not in Keel's
books. No outbox events: customers heard about these orders long ago.

The whole load is one transaction: every order that can be loaded goes in, or (on any error)
nothing does. Orders or lines that cannot be loaded are left out and reported by source line.
Rows are written set-wise, a chunk of orders at a time, with multi-row inserts.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from erp_core.adapters import history_writer
from erp_core.adapters.database import Database
from erp_core.services import audit, history_masters
from erp_core.services.imports import RowProblem

CHUNK_ORDERS = 5_000
CHUNK_LINES = 20_000


@dataclass(frozen=True, slots=True)
class HistoricalLine:
    sku: str
    qty: int
    unit_price: Decimal | None = None  # None: the item's list price
    discount: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    source: int | None = None  # the file line it came from, for reports


@dataclass(frozen=True, slots=True)
class HistoricalOrder:
    channel: str
    external_id: str
    ordered_at: datetime  # UTC-aware
    location: str  # where it shipped from
    lines: tuple[HistoricalLine, ...]
    customer: str | None = None  # an existing customer's code; never created
    ship_to: dict[str, str | None] = field(default_factory=dict)
    shipping: Decimal = Decimal(0)
    shipped_at: datetime | None = None  # None: the day it was ordered
    currency: str = "EUR"


@dataclass
class HistoryReport:
    orders: int = 0
    lines: int = 0
    units: int = 0
    rejected: list[RowProblem] = field(default_factory=list)
    items_created: int = 0
    locations_created: int = 0
    channels_created: int = 0


def load_history(
    db: Database,
    actor: str,
    orders: Sequence[HistoricalOrder],
    rejected: Sequence[RowProblem] = (),
    progress: Callable[[int], None] | None = None,
    create_missing: bool = False,
    categories: dict[str, str] | None = None,
) -> HistoryReport:
    """Load every order that can be loaded; `rejected` (the parser's problems) joins the
    report. With `create_missing`, unknown items, locations and channels are created (items
    at cost 0, in `categories[sku]` when given); customers never are. Deactivated records
    are accepted: the history may be older than their retirement."""

    def work(session: Session) -> HistoryReport:
        report = HistoryReport(rejected=list(rejected))
        masters = history_masters.masters(
            session, actor, orders, create_missing, categories or {}, report
        )
        accepted = history_masters.accepted(session, orders, masters, report)
        conn = session.connection()
        for chunk in _chunks(accepted):
            # Priced a chunk at a time: a long history's rows never sit in memory all at once.
            ready = [
                r
                for order in chunk
                if (r := history_masters.priced(order, masters, report)) is not None
            ]
            history_writer.write(conn, actor, ready)
            _count(report, ready)
            if progress is not None:
                progress(len(chunk))
        if report.orders:
            _audit(conn, actor, report, accepted)
            history_writer.refresh_statistics(conn)
        report.rejected = sorted(set(report.rejected), key=lambda p: (p.line, p.reason))
        return report

    with _existing_objects_frozen():
        return db.transact(work)


@contextmanager
def _existing_objects_frozen() -> Iterator[None]:
    """Keeps the garbage collector off the objects that exist when the load starts (millions
    for a long history): every full collection would scan them all again, which made loading
    three million lines half again as slow."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _chunks(orders: list[HistoricalOrder]) -> Iterator[list[HistoricalOrder]]:
    """Runs of at most CHUNK_ORDERS orders and (but for one long order) CHUNK_LINES lines."""
    chunk: list[HistoricalOrder] = []
    lines = 0
    for order in orders:
        if chunk and (len(chunk) == CHUNK_ORDERS or lines + len(order.lines) > CHUNK_LINES):
            yield chunk
            chunk, lines = [], 0
        chunk.append(order)
        lines += len(order.lines)
    if chunk:
        yield chunk


def _count(report: HistoryReport, ready: list[history_writer.Ready]) -> None:
    report.orders += len(ready)
    report.lines += sum(len(r.lines) for r in ready)
    report.units += sum(amounts.qty for r in ready for _, amounts in r.lines)


def _audit(
    conn: Connection, actor: str, report: HistoryReport, accepted: list[HistoricalOrder]
) -> None:
    """One audit record for the whole load: history is one act, not one per order."""
    first = min(order.ordered_at for order in accepted)
    last = max(order.ordered_at for order in accepted)
    audit.record(
        conn,
        actor=actor,
        action="order_history.import",
        entity="order_history",
        key=f"{first:%Y-%m-%d}..{last:%Y-%m-%d}",
        before=None,
        after={
            "orders": report.orders,
            "lines": report.lines,
            "units": report.units,
            "items_created": report.items_created,
            "locations_created": report.locations_created,
            "channels_created": report.channels_created,
            "first_ordered_at": first,
            "last_ordered_at": last,
        },
    )
