"""The facts a router needs for one order, read in a handful of set-wise queries: the lines'
items, every active location as seen from the order's shipping zone (lane rates and transit, or
the distance-based default where nobody priced the lane), free stock, today's capacity left, the
channel's and items' rules."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_core.adapters import ledger
from erp_core.adapters.order_tables import Order, OrderAllocation, OrderLine
from erp_core.adapters.routing_tables import (
    RoutingParameters,
    ShippingLane,
    ShippingRate,
    ShippingZone,
)
from erp_core.adapters.tables import BALANCES, Channel, Item, Location
from erp_core.clock import utcnow
from erp_core.domain.errors import InvalidInput, NotFound
from erp_core.domain.orders import AllocationStatus
from erp_core.domain.routing import (
    Band,
    LineFacts,
    NodeFacts,
    RoutingFacts,
    distance_km,
    parcels_cents,
)
from erp_core.domain.stock import StockStatus
from erp_core.queries.channel_availability import ring_fenced_for_others
from erp_core.queries.orders import OPEN_QTY
from erp_core.services.lookup import by_code
from erp_core.settings import Settings

# A lane with neither a rate table nor coordinates to measure: a domestic-parcel guess.
FLAT_TRANSIT_DAYS = 3


@dataclass(frozen=True)
class AskedLine:
    line_id: int
    line_no: int
    item_id: int
    qty: int


@dataclass(frozen=True)
class Pricing:
    split_penalty: Decimal
    default_price: Decimal
    default_price_per_km: Decimal
    default_price_per_kg: Decimal
    km_per_transit_day: int


def pricing(session: Session, settings: Settings) -> Pricing:
    """The routing parameters row, or the settings' defaults when nobody set it."""
    row = session.get(RoutingParameters, 1)
    if row is not None:
        return Pricing(
            row.split_penalty,
            row.default_price,
            row.default_price_per_km,
            row.default_price_per_kg,
            row.km_per_transit_day,
        )
    return Pricing(
        settings.routing_split_penalty,
        settings.routing_default_price,
        settings.routing_default_price_per_km,
        settings.routing_default_price_per_kg,
        settings.routing_km_per_transit_day,
    )


def routing_facts(
    session: Session,
    settings: Settings,
    lines: Sequence[AskedLine],
    ship_to: Mapping[str, Any],
    channel: Channel,
    requested: date | None,
    lock: bool = False,
) -> RoutingFacts:
    """lock: release reserves what the router returns, so it locks the stock rows it reads
    (on PostgreSQL) in the order every stock action locks them."""
    item_ids = sorted({line.item_id for line in lines})
    items = {
        row.id: row
        for row in session.execute(
            select(Item.id, Item.sku, Item.weight_kg, Item.hazardous, Item.dropship_location).where(
                Item.id.in_(item_ids)
            )
        )
    }
    zone = resolve_zone(session, ship_to)
    prices = pricing(session, settings)
    nodes = _nodes(session, channel, zone, prices)
    if lock:
        rows = ledger.lock_free_stock(session.connection(), item_ids)
        stock = {(r.item_id, r.location_id): int(r.qty) for r in rows if r.qty > 0}
    else:
        stock = _free_by_location(session, item_ids)
    today = utcnow().date()
    held = ring_fenced_for_others(session, item_ids, channel.id)
    return RoutingFacts(
        lines=tuple(
            LineFacts(
                line.line_id,
                line.line_no,
                line.item_id,
                items[line.item_id].sku,
                line.qty,
                int(items[line.item_id].weight_kg * 1000),
                items[line.item_id].hazardous,
                items[line.item_id].dropship_location,
            )
            for line in lines
        ),
        nodes=nodes,
        stock=stock,
        zone=None if zone is None else zone.code,
        channel=channel.code,
        split_penalty_cents=cents(prices.split_penalty),
        ship_complete=channel.ship_complete,
        due_in_days=None if requested is None else max((requested - today).days, 0),
        caps=_caps(stock, held),
    )


def _caps(stock: Mapping[tuple[int, int], int], held: Mapping[int, int]) -> dict[int, int]:
    """What the order may take of an item: free stock less what the published channel
    allocation still holds for other channels."""
    free: dict[int, int] = {}
    for (item, _), qty in stock.items():
        free[item] = free.get(item, 0) + qty
    return {item: max(free.get(item, 0) - others, 0) for item, others in held.items()}


def _free_by_location(session: Session, item_ids: Sequence[int]) -> dict[tuple[int, int], int]:
    rows = session.execute(
        select(BALANCES.c.item_id, BALANCES.c.location_id, BALANCES.c.qty)
        .join(Location, Location.id == BALANCES.c.location_id)
        .where(
            BALANCES.c.item_id.in_(item_ids),
            BALANCES.c.status == StockStatus.AVAILABLE,
            BALANCES.c.qty > 0,
            Location.active,
        )
    )
    return {(item, place): int(qty) for item, place, qty in rows}


def resolve_zone(session: Session, ship_to: Mapping[str, Any]) -> ShippingZone | None:
    """The zone of the ship-to's region (else country) whose postcode prefix matches longest;
    a zone without a prefix covers the rest of its region."""
    postcode = str(ship_to.get("postcode") or "").replace(" ", "").upper()
    for region in (ship_to.get("region"), ship_to.get("country")):
        if not region:
            continue
        zones = session.scalars(select(ShippingZone).where(ShippingZone.region == region)).all()
        matching = [
            z for z in zones if not z.postcode_prefix or postcode.startswith(z.postcode_prefix)
        ]
        if matching:
            return max(matching, key=lambda z: len(z.postcode_prefix or ""))
    return None


def _nodes(
    session: Session, channel: Channel, zone: ShippingZone | None, prices: Pricing
) -> tuple[NodeFacts, ...]:
    locations = session.scalars(select(Location).where(Location.active).order_by(Location.code))
    lanes = _lanes(session, zone)
    used = _used_today(session)
    kinds = set(channel.ship_from_kinds or ())
    nodes = []
    for place in locations:
        transit, bands, lane = lanes.get(place.id) or _default_lane(place, zone, prices)
        orders, units = used.get(place.id, (0, 0))
        nodes.append(
            NodeFacts(
                location_id=place.id,
                code=place.code,
                handling_order_cents=cents(place.handling_cost_per_order),
                handling_unit_cents=cents(place.handling_cost_per_unit),
                transit_days=transit,
                bands=bands,
                lane=lane,
                orders_left=_left(place.daily_order_capacity, orders),
                units_left=_left(place.daily_unit_capacity, units),
                ships_hazardous=place.ships_hazardous,
                channel_allowed=not kinds or place.kind.value in kinds,
            )
        )
    return tuple(nodes)


def _lanes(
    session: Session, zone: ShippingZone | None
) -> dict[int, tuple[int, tuple[Band, ...], str]]:
    if zone is None:
        return {}
    rows = session.execute(
        select(
            ShippingLane.location_id,
            ShippingLane.transit_days,
            ShippingRate.max_weight_kg,
            ShippingRate.price,
            ShippingRate.price_per_kg,
        )
        .join(ShippingRate, ShippingRate.lane_id == ShippingLane.id)
        .where(ShippingLane.zone_id == zone.id)
    )
    found: dict[int, tuple[int, list[Band]]] = {}
    for place, transit, max_kg, price, per_kg in rows:
        band = Band(None if max_kg is None else int(max_kg * 1000), cents(price), cents(per_kg))
        found.setdefault(place, (transit, []))[1].append(band)
    return {
        place: (transit, tuple(sorted(bands, key=_band_order)), "rate table")
        for place, (transit, bands) in found.items()
    }


def _band_order(band: Band) -> tuple[bool, int]:
    return (band.max_weight_g is None, band.max_weight_g or 0)


def _default_lane(
    place: Location, zone: ShippingZone | None, prices: Pricing
) -> tuple[int, tuple[Band, ...], str]:
    """No rate table for this lane: price and time it by distance, or flat without coordinates."""
    per_kg = cents(prices.default_price_per_kg)
    if (
        zone is None
        or None in (zone.latitude, zone.longitude)
        or None in (place.latitude, place.longitude)
    ):
        return FLAT_TRANSIT_DAYS, (Band(None, cents(prices.default_price), per_kg),), "flat default"
    km = distance_km(place.latitude, place.longitude, zone.latitude, zone.longitude)  # type: ignore[arg-type]
    price = prices.default_price + prices.default_price_per_km * Decimal(str(round(km, 1)))
    transit = max(1, math.ceil(km / prices.km_per_transit_day))
    return transit, (Band(None, cents(price), per_kg),), "distance default"


def _used_today(session: Session) -> dict[int, tuple[int, int]]:
    """Location id -> (orders, units) allocated since midnight (UTC, the business clock)."""
    midnight = datetime.combine(utcnow().date(), time(0), tzinfo=UTC)
    rows = session.execute(
        select(
            OrderAllocation.location_id,
            func.count(func.distinct(OrderLine.order_id)),
            func.sum(OrderAllocation.qty),
        )
        .join(OrderLine, OrderLine.id == OrderAllocation.order_line_id)
        .where(
            OrderAllocation.created_at >= midnight,
            OrderAllocation.status != AllocationStatus.RELEASED,
        )
        .group_by(OrderAllocation.location_id)
    )
    return {place: (int(orders), int(units or 0)) for place, orders, units in rows}


def _left(capacity: int | None, used: int) -> int | None:
    return None if capacity is None else max(capacity - used, 0)


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value(ROUND_HALF_UP))


def parcel_price(
    session: Session,
    settings: Settings,
    ship_to: Mapping[str, Any],
    location_id: int,
    weight_g: int,
) -> Decimal:
    """What shipping this weight from the location to the address costs on the lane the
    router priced it on: the rate table, else the distance or flat default."""
    zone = resolve_zone(session, ship_to)
    place = session.get_one(Location, location_id)
    lane = _lanes(session, zone).get(location_id) or _default_lane(
        place, zone, pricing(session, settings)
    )
    return Decimal(parcels_cents(lane[1], weight_g)) / 100


def order_facts(session: Session, settings: Settings, order_id: int) -> RoutingFacts:
    """A stored order's open lines (neither reserved nor shipped nor cancelled), as release
    would route them."""
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound(f"order {order_id} not found", order=order_id)
    lines = open_lines_of(session, order_id)
    if not lines:
        raise InvalidInput(f"order {order_id} has nothing left to route", order=order_id)
    channel = session.get_one(Channel, order.channel_id)
    return routing_facts(
        session, settings, lines, order.ship_to, channel, order.requested_delivery_date
    )


def open_lines_of(session: Session, order_id: int) -> list[AskedLine]:
    """The order's lines with units neither reserved, shipped nor cancelled, in line order."""
    rows = session.execute(
        select(OrderLine.id, OrderLine.line_no, OrderLine.item_id, OPEN_QTY)
        .where(OrderLine.order_id == order_id)
        .order_by(OrderLine.line_no)
    )
    return [AskedLine(id_, no, item, int(left)) for id_, no, item, left in rows if left > 0]


def inline_facts(
    session: Session,
    settings: Settings,
    lines: Sequence[tuple[str, int]],
    ship_to: Mapping[str, Any],
    channel_code: str,
    requested: date | None,
) -> RoutingFacts:
    """An order that is not in Keel (yet): lines as (sku, qty), numbered from 1."""
    channel = by_code(session, Channel, channel_code)
    wanted = {sku for sku, _ in lines}
    rows = session.execute(select(Item.sku, Item.id).where(Item.sku.in_(wanted)))
    ids = {sku: item_id for sku, item_id in rows}
    if missing := sorted(wanted - set(ids)):
        raise NotFound(f"item {missing[0]!r} not found", code=missing[0])
    asked = [
        AskedLine(number, number, ids[sku], qty) for number, (sku, qty) in enumerate(lines, start=1)
    ]
    return routing_facts(session, settings, asked, ship_to, channel, requested)
