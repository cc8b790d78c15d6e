"""Where each order line ships from. Release gathers the routing facts (lines, the locations as
seen from the order's ship-to, free stock, today's capacity, the channel's rules) and asks a
Router; the OR-Tools optimiser in pipelines/ is the router Keel composes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Band:
    """A package up to max_weight_g (None: any weight) costs price + per_kg x its weight."""

    max_weight_g: int | None
    price_cents: int
    per_kg_cents: int


@dataclass(frozen=True)
class NodeFacts:
    """A location as the order sees it: what it charges to reach the order's zone, how fast,
    what capacity it has left today and whether the order's rules let it ship."""

    location_id: int
    code: str
    handling_order_cents: int
    handling_unit_cents: int
    transit_days: int
    bands: tuple[Band, ...]
    lane: str  # rate table | distance default | flat default
    orders_left: int | None
    units_left: int | None
    ships_hazardous: bool
    channel_allowed: bool


@dataclass(frozen=True)
class LineFacts:
    line_id: int  # the order line's id: what release reserves for
    line_no: int  # its number on the order: what people read
    item_id: int
    sku: str
    qty: int
    weight_g: int
    hazardous: bool
    vendor: str | None  # a drop-ship item ships only from its vendor's location (code)


@dataclass(frozen=True)
class RoutingFacts:
    lines: tuple[LineFacts, ...]
    nodes: tuple[NodeFacts, ...]
    stock: Mapping[tuple[int, int], int]  # (item id, location id) -> free units
    zone: str | None
    channel: str
    split_penalty_cents: int
    ship_complete: bool
    due_in_days: int | None
    # Item id -> most units the order may take, where a published channel allocation ring-fences
    # stock for other channels; an item absent here is not limited.
    caps: Mapping[int, int]


@dataclass(frozen=True)
class Assignment:
    line_id: int
    location_id: int
    qty: int


def parcels_cents(bands: tuple[Band, ...], weight_g: int) -> int:
    """What a shipment of this weight costs on a lane: in as few packages as its heaviest band
    allows, each at the first (lightest) band that carries it. Bands come lightest first."""
    heaviest = bands[-1].max_weight_g
    if heaviest is None or weight_g <= heaviest:
        packages = [weight_g]
    else:
        full, rest = divmod(weight_g, heaviest)
        packages = [heaviest] * full + ([rest] if rest else [])
    total = 0
    for weight in packages:
        band = next(b for b in bands if b.max_weight_g is None or weight <= b.max_weight_g)
        total += band.price_cents + round(band.per_kg_cents * weight / 1000)
    return total


class Router(Protocol):
    def route(self, facts: RoutingFacts) -> list[Assignment]:
        """Assignments never exceed a line's qty, a location's free stock, nor a ring-fence
        cap; what is left of a line unassigned is backordered."""
        ...


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), the default lane's measure."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))
