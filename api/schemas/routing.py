"""Routing bodies: the order to route (stored or inline), what-if overrides, waves, the cost
model, and the answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, field_validator, model_validator

from api.schemas.common import Code, Input, Money, Region
from api.schemas.orders import Address
from erp_core.queries.routing_facts import Pricing
from erp_core.services.routing_cost_model import BandCmd, CostModelCmd, LaneCmd, ZoneCmd

OrderId = Annotated[int, Field(ge=1, le=2**63 - 1)]
Qty = Annotated[int, Field(ge=1, le=1_000_000)]
Count = Annotated[int, Field(ge=0, le=10_000_000)]
Kg = Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=3)]


class AskedLine(Input):
    sku: Code
    qty: Qty


class InlineOrder(Input):
    channel: Code
    lines: Annotated[list[AskedLine], Field(min_length=1, max_length=200)]
    ship_to: Address
    requested_delivery_date: date | None = None


class RouteAsk(Input):
    """A stored order by id, or an order that is not in Keel: one of the two."""

    order_id: OrderId | None = None
    order: InlineOrder | None = None

    @model_validator(mode="after")
    def _one_order(self) -> RouteAsk:
        if (self.order_id is None) == (self.order is None):
            raise ValueError("give either order_id or order")
        return self


class Band(Input):
    max_weight_kg: Kg | None = Field(
        default=None, description="Heaviest package of the band; null: any heavier package."
    )
    price: Money
    price_per_kg: Money = Decimal(0)


def rising(rates: list[Band] | None) -> list[Band] | None:
    bounds = [band.max_weight_kg for band in rates or ()]
    closed = [b for b in bounds if b is not None]
    if None in bounds[:-1] or closed != sorted(set(closed)):
        raise ValueError("weight bands must rise, and only the last may be open-ended")
    return rates


class StockWhatIf(Input):
    sku: Code
    location: Code
    qty: Count


class LocationWhatIf(Input):
    location: Code
    handling_cost_per_order: Money | None = None
    handling_cost_per_unit: Money | None = None
    orders_left: Count | None = None
    units_left: Count | None = None
    transit_days: Annotated[int, Field(ge=0, le=365)] | None = None
    rates: Annotated[list[Band], Field(min_length=1, max_length=20)] | None = None

    _rising = field_validator("rates")(rising)


class SimulateAsk(RouteAsk):
    stock: Annotated[list[StockWhatIf], Field(max_length=10_000)] = []
    locations: Annotated[list[LocationWhatIf], Field(max_length=500)] = []
    split_penalty: Money | None = None


class WaveAsk(Input):
    order_ids: Annotated[list[OrderId], Field(min_length=1, max_length=10_000)]
    time_limit_seconds: Annotated[float, Field(gt=0, le=600)] | None = None


class Zone(Input):
    code: Code
    region: Region
    postcode_prefix: Annotated[str, Field(min_length=1, max_length=20)] | None = None
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None


class Lane(Input):
    location: Code
    zone: Code
    transit_days: Annotated[int, Field(ge=0, le=365)]
    rates: Annotated[list[Band], Field(min_length=1, max_length=20)]

    _rising = field_validator("rates")(rising)


class Parameters(Input):
    split_penalty: Money
    default_price: Money
    default_price_per_km: Money
    default_price_per_kg: Money
    km_per_transit_day: Annotated[int, Field(ge=1, le=100_000)]


class CostModel(Input):
    """The whole cost model, replaced at once: zones, the lanes priced between locations and
    zones, and the parameters for what no lane prices."""

    parameters: Parameters
    zones: Annotated[list[Zone], Field(max_length=10_000)]
    lanes: Annotated[list[Lane], Field(max_length=100_000)]

    def to_command(self) -> CostModelCmd:
        return CostModelCmd(
            parameters=Pricing(**self.parameters.model_dump()),
            zones=[ZoneCmd(**zone.model_dump()) for zone in self.zones],
            lanes=[
                LaneCmd(
                    lane.location,
                    lane.zone,
                    lane.transit_days,
                    [BandCmd(**band.model_dump()) for band in lane.rates],
                )
                for lane in self.lanes
            ],
        )


class Source(BaseModel):
    location: str
    qty: int


class RoutedLine(BaseModel):
    line: int
    sku: str
    qty: int
    sources: list[Source]
    short: int


class Package(BaseModel):
    location: str
    units: int
    weight_kg: Decimal
    transit_days: int
    lane: str


class Costs(BaseModel):
    total: Decimal
    handling: Decimal
    shipping: Decimal
    split_penalty: Decimal


class Solver(BaseModel):
    status: str
    bound: Decimal | None
    wall_time_ms: float


class Alternative(BaseModel):
    name: str
    cost: Decimal | None
    why_lost: str


class RouteAnswer(BaseModel):
    status: str = Field(description="optimal | feasible | infeasible | unknown")
    channel: str
    zone: str | None
    lines: list[RoutedLine]
    packages: list[Package]
    cost: Costs | None
    promised_delivery_date: date | None
    solver: Solver
    alternatives: list[Alternative]
    reasons: list[str]


class WaveOrderAnswer(BaseModel):
    order_id: int
    lines: list[RoutedLine]
    cost: Decimal
    unfilled_units: int


class WaveAnswer(BaseModel):
    status: str
    orders: int
    objective: Decimal
    bound: Decimal
    gap: float
    routing_cost: Decimal
    unfilled_penalty: Decimal
    unfilled_units: int
    greedy_objective: Decimal
    saving_vs_greedy: Decimal
    wall_time_ms: float
    routes: list[WaveOrderAnswer]
