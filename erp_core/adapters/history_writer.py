"""The set-based writer of order history: closed orders, their lines, one timeline entry and one
shipment each, written a table at a time with plain executemany inserts.

The writer is an adapter: it knows tables, not the checks. The service (erp_core.services.history)
hands it orders already accepted, priced and costed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple, Protocol, cast

from sqlalchemy import Connection, Table, func, insert, select, text

from erp_core.adapters.fulfillment_tables import Shipment, ShipmentLine
from erp_core.adapters.order_tables import Order, OrderLine, OrderStatusChange
from erp_core.domain.orders import LineAmounts, OrderAmounts, OrderStatus, PaymentStatus

NOTE = "imported history"
CARRIER = "history"  # also the shipping method: how past goods travelled is not known
WRITTEN = tuple(
    cast(Table, model.__table__)
    for model in (Order, OrderLine, OrderStatusChange, Shipment, ShipmentLine)
)
ORDERS, LINES, TIMELINE, SHIPMENTS, SHIPMENT_LINES = WRITTEN


class PastOrder(Protocol):
    """What the writer reads of an order of the history (a HistoricalOrder is one); a protocol
    so that this adapter does not import the service that defines it."""

    @property
    def external_id(self) -> str: ...
    @property
    def ordered_at(self) -> datetime: ...
    @property
    def shipped_at(self) -> datetime | None: ...
    @property
    def ship_to(self) -> dict[str, str | None]: ...
    @property
    def shipping(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...


@dataclass(frozen=True)
class Ready:
    """An order that passed every check, with its lines priced and costed."""

    order: PastOrder
    channel_id: int
    location_id: int
    customer_id: int | None
    lines: list[tuple[int, LineAmounts]]  # (item id, amounts)
    amounts: OrderAmounts


class _PlacedLine(NamedTuple):
    """An order line with the ids of its order and of the shipment that shipped it."""

    order_id: int
    shipment_id: int
    line_no: int
    item_id: int
    amounts: LineAmounts


def write(conn: Connection, actor: str, chunk: list[Ready]) -> None:
    """Orders, their lines, timeline entries, shipments and shipment lines, a table at a time."""
    if not chunk:
        return  # an empty executemany would insert one row of defaults
    order_ids = _new_ids(conn, ORDERS, len(chunk))
    shipment_ids = _new_ids(conn, SHIPMENTS, len(chunk))
    placed = list(zip(chunk, order_ids, shipment_ids, strict=True))
    lines = [
        _PlacedLine(order_id, shipment_id, line_no, item_id, amounts)
        for ready, order_id, shipment_id in placed
        for line_no, (item_id, amounts) in enumerate(ready.lines, start=1)
    ]
    line_ids = _new_ids(conn, LINES, len(lines))
    conn.execute(insert(ORDERS), [_order_row(ready, order_id) for ready, order_id, _ in placed])
    conn.execute(
        insert(LINES), [_line_row(i, line) for i, line in zip(line_ids, lines, strict=True)]
    )
    conn.execute(insert(TIMELINE), [_timeline_row(r, order_id, actor) for r, order_id, _ in placed])
    conn.execute(insert(SHIPMENTS), [_shipment_row(*placing, actor) for placing in placed])
    conn.execute(
        insert(SHIPMENT_LINES),
        [
            {
                "shipment_id": line.shipment_id,
                "order_line_id": line_id,
                "qty": line.amounts.qty,
                "unit_cost": line.amounts.unit_cost,
            }
            for line_id, line in zip(line_ids, lines, strict=True)
        ],
    )


def _new_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """Ids for `count` new rows, drawn before inserting so that every table goes in with a
    plain executemany: RETURNING ids from multi-row inserts makes psycopg parse one huge
    statement per thousand rows, several times slower. PostgreSQL draws them from the table's
    sequence; on SQLite the write transaction holds the database lock, so the ids after the
    largest one are free."""
    if conn.dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, "id")
        drawn = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
        return list(conn.scalars(drawn))
    largest = int(conn.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0)
    return list(range(largest + 1, largest + 1 + count))


def _order_row(ready: Ready, order_id: int) -> dict[str, Any]:
    order, amounts = ready.order, ready.amounts
    return {
        "id": order_id,
        "channel_id": ready.channel_id,
        "external_id": order.external_id,
        "customer_id": ready.customer_id,
        "status": OrderStatus.CLOSED,
        "payment_status": PaymentStatus.CAPTURED,
        "shipping_method": CARRIER,
        "ship_to": order.ship_to,
        "currency": order.currency,
        "requested_delivery_date": None,
        "goods": amounts.goods,
        "discount": amounts.discount,
        "tax": amounts.tax,
        "shipping": order.shipping,
        "total": amounts.total,
        "created_at": order.ordered_at,
        "status_changed_at": _shipped_at(order),
    }


def _line_row(line_id: int, line: _PlacedLine) -> dict[str, Any]:
    return {
        "id": line_id,
        "order_id": line.order_id,
        "line_no": line.line_no,
        "item_id": line.item_id,
        "qty": line.amounts.qty,
        "unit_price": line.amounts.unit_price,
        "discount": line.amounts.discount,
        "tax": line.amounts.tax,
        "unit_cost": line.amounts.unit_cost,
    }


def _timeline_row(ready: Ready, order_id: int, actor: str) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "from_status": None,
        "to_status": OrderStatus.CLOSED,
        "at": _shipped_at(ready.order),
        "actor": actor,
        "note": NOTE,
    }


def _shipment_row(ready: Ready, order_id: int, shipment_id: int, actor: str) -> dict[str, Any]:
    return {
        "id": shipment_id,
        "order_id": order_id,
        "location_id": ready.location_id,
        "carrier": CARRIER,
        "tracking": None,
        "shipped_at": _shipped_at(ready.order),
        "actor": actor,
    }


def _shipped_at(order: PastOrder) -> datetime:
    return order.shipped_at or order.ordered_at


def refresh_statistics(conn: Connection) -> None:
    """PostgreSQL plans by table statistics that autovacuum refreshes only a while after a
    bulk load; until then lookups by external id (the next import's) scan the whole channel."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ANALYZE {', '.join(table.name for table in WRITTEN)}"))
