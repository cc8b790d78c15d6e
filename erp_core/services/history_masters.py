"""What an order history names, found (or created) and checked before it is written: the
channels, locations, customers and items by code, the orders imported before, and the lines
priced and costed. Problems are added to the load's report, by source line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from erp_core.adapters.history_writer import Ready
from erp_core.adapters.order_tables import Order
from erp_core.adapters.tables import Channel, Customer, Item, Location
from erp_core.domain.master import ChannelKind, LocationKind
from erp_core.domain.orders import LineAmounts, OrderAmounts
from erp_core.domain.valuation import current_cost
from erp_core.services import master_data as md
from erp_core.services.imports import RowProblem

if TYPE_CHECKING:  # history imports this module to run the load
    from erp_core.services.history import HistoricalOrder, HistoryReport

LOOKUP_BATCH = 1_000  # codes per IN (...) lookup, well under every database's parameter limit
NO_REGION = "ZZ"  # ISO 3166 "unknown": a location created for history has no known region


class _ItemFacts(NamedTuple):
    id: int
    cost: Decimal
    list_price: Decimal


@dataclass
class Masters:
    """The ids of the master records the orders name, by code."""

    channels: dict[str, int]
    locations: dict[str, int]
    customers: dict[str, int]
    items: dict[str, _ItemFacts]


def masters(
    session: Session,
    actor: str,
    orders: Sequence[HistoricalOrder],
    create_missing: bool,
    categories: dict[str, str],
    report: HistoryReport,
) -> Masters:
    channels = {o.channel for o in orders}
    locations = {o.location for o in orders}
    customers = {o.customer for o in orders if o.customer is not None}
    skus = {line.sku for order in orders for line in order.lines}
    item_columns = (Item.id, Item.unit_cost, Item.average_cost, Item.list_price)
    found = Masters(
        channels=dict(_lookup(session, Channel.code, (Channel.id,), channels)),
        locations=dict(_lookup(session, Location.code, (Location.id,), locations)),
        customers=dict(_lookup(session, Customer.code, (Customer.id,), customers)),
        items={
            sku: _ItemFacts(item_id, current_cost(unit_cost, average), list_price)
            for sku, item_id, unit_cost, average, list_price in _lookup(
                session, Item.sku, item_columns, skus
            )
        },
    )
    if create_missing:
        _create_missing(session, actor, found, (channels, locations, skus), categories, report)
    return found


def _create_missing(
    session: Session,
    actor: str,
    masters: Masters,
    wanted: tuple[set[str], set[str], set[str]],
    categories: dict[str, str],
    report: HistoryReport,
) -> None:
    """Channels are created as web stores (no marketplace fees or settlements are implied),
    locations as own DCs in no known region, items at cost and list price 0."""
    channels, locations, skus = wanted
    new_channels = _created(
        session,
        actor,
        md.CHANNELS,
        channels - masters.channels.keys(),
        lambda code: {"code": code, "name": code, "kind": ChannelKind.WEB_STORE},
    )
    new_locations = _created(
        session,
        actor,
        md.LOCATIONS,
        locations - masters.locations.keys(),
        lambda code: {"code": code, "name": code, "kind": LocationKind.OWN_DC, "region": NO_REGION},
    )
    new_items = _created(
        session,
        actor,
        md.ITEMS,
        skus - masters.items.keys(),
        lambda sku: {"sku": sku, "name": sku, "category": categories.get(sku)},
    )
    masters.channels.update(new_channels)
    masters.locations.update(new_locations)
    masters.items.update(
        {sku: _ItemFacts(i, Decimal(0), Decimal(0)) for sku, i in new_items.items()}
    )
    report.channels_created = len(new_channels)
    report.locations_created = len(new_locations)
    report.items_created = len(new_items)


def _created(
    session: Session,
    actor: str,
    kind: md.RecordKind,
    codes: set[str],
    values: Callable[[str], dict[str, Any]],
) -> dict[str, int]:
    """Records made through master data, so each has its audit record."""
    return {code: md.add_record(session, actor, kind, values(code))["id"] for code in sorted(codes)}


def _lookup(
    session: Session,
    key: InstrumentedAttribute[str],
    columns: tuple[InstrumentedAttribute[Any], ...],
    codes: Iterable[str],
    *where: ColumnElement[bool],
) -> list[Any]:
    """(code, *columns) of the records whose key is one of `codes`, read in batches."""
    wanted = sorted(codes)
    rows: list[Any] = []
    for start in range(0, len(wanted), LOOKUP_BATCH):
        batch = wanted[start : start + LOOKUP_BATCH]
        rows.extend(session.execute(select(key, *columns).where(key.in_(batch), *where)))
    return rows


def _imported_before(
    session: Session, orders: Sequence[HistoricalOrder], channels: dict[str, int]
) -> set[tuple[str, str]]:
    wanted: dict[str, set[str]] = {code: set() for code in channels}
    for order in orders:
        if order.channel in wanted:
            wanted[order.channel].add(order.external_id)
    return {
        (code, external_id)
        for code, external_ids in wanted.items()
        for (external_id,) in _lookup(
            session, Order.external_id, (), external_ids, Order.channel_id == channels[code]
        )
    }


# --- checks ---------------------------------------------------------------------------------


def accepted(
    session: Session, orders: Sequence[HistoricalOrder], masters: Masters, report: HistoryReport
) -> list[HistoricalOrder]:
    """The orders whose channel, location and customer exist and that are new."""
    imported = _imported_before(session, orders, masters.channels)
    first_copy: dict[tuple[str, str], HistoricalOrder] = {}
    passed: list[HistoricalOrder] = []
    for order in orders:
        key = (order.channel, order.external_id)
        problem = _order_problem(order, masters, key in imported, first_copy.get(key))
        first_copy.setdefault(key, order)
        if problem is None:
            passed.append(order)
        else:
            report.rejected.extend(RowProblem(line.source or 0, problem) for line in order.lines)
    return passed


def _order_problem(
    order: HistoricalOrder, masters: Masters, imported: bool, first: HistoricalOrder | None
) -> str | None:
    name = f"order {order.external_id} of channel {order.channel}"
    if order.channel not in masters.channels:
        return f"channel {order.channel!r} not found"
    if order.location not in masters.locations:
        return f"location {order.location!r} not found"
    if order.customer is not None and order.customer not in masters.customers:
        return f"customer {order.customer!r} not found"
    if imported:
        return f"{name} was imported before"
    if first is not None:
        lines = sorted(line.source or 0 for line in first.lines)
        return f"{name} is in the input twice (first copy from line {lines[0] if lines else 0})"
    if order.shipping < 0:
        return f"{name} has a negative shipping charge"
    return None


def priced(order: HistoricalOrder, masters: Masters, report: HistoryReport) -> Ready | None:
    """The order with the lines that can be loaded, priced; None if none can. A line without
    a price is sold at the item's list price; every line costs the item's current cost."""
    lines: list[tuple[int, LineAmounts]] = []
    for line in order.lines:
        item = masters.items.get(line.sku)
        if item is None:
            report.rejected.append(RowProblem(line.source or 0, f"item {line.sku!r} not found"))
            continue
        price = item.list_price if line.unit_price is None else line.unit_price
        amounts = LineAmounts(line.qty, price, line.discount, line.tax, item.cost)
        problem = _amounts_problem(amounts)
        if problem is not None:
            report.rejected.append(RowProblem(line.source or 0, f"{line.sku}: {problem}"))
            continue
        lines.append((item.id, amounts))
    if not lines:
        return None
    return Ready(
        order,
        masters.channels[order.channel],
        masters.locations[order.location],
        masters.customers[order.customer] if order.customer else None,
        lines,
        OrderAmounts(tuple(amounts for _, amounts in lines), order.shipping),
    )


def _amounts_problem(line: LineAmounts) -> str | None:
    if line.qty <= 0:
        return f"quantity {line.qty} is not positive"
    if min(line.unit_price, line.discount, line.tax) < 0:
        return "price, discount and tax cannot be negative"
    if line.net < 0:
        return "the discount exceeds the goods"
    return None
