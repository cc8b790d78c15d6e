"""Fulfillment routing: where an order should ship from (never reserving), the same over a
what-if, and the cost model the answers are priced with."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from api.deps import Db, require
from api.schemas.routing import Band as BandIn
from api.schemas.routing import (
    CostModel,
    RouteAnswer,
    RouteAsk,
    SimulateAsk,
    WaveAnswer,
    WaveAsk,
)
from erp_core.domain.access import Permission, Principal
from erp_core.domain.routing import Band
from erp_core.queries.routing_facts import cents
from erp_core.services.routing_cost_model import cost_model, replace_cost_model
from pipelines.routing_answers import InlineAsk, NodeWhatIf, WhatIf, route, simulate
from pipelines.routing_waves import route_wave_of

router = APIRouter(tags=["routing"])
Asker = Annotated[Principal, Depends(require(Permission.ROUTING_QUERY))]
Configurer = Annotated[Principal, Depends(require(Permission.ROUTING_CONFIGURE))]


@router.post(
    "/v1/routing/route",
    response_model=RouteAnswer,
    summary="Where each line should ship from, at least cost, with the cost split, the "
    "promised date and the alternatives; reserves nothing",
)
def post_route(body: RouteAsk, db: Db, _: Asker) -> Any:
    return route(db, body.order_id, _inline(body))


@router.post(
    "/v1/routing/simulate",
    response_model=RouteAnswer,
    summary="Route over a hypothetical stock, cost or capacity; writes nothing",
)
def post_simulate(body: SimulateAsk, db: Db, _: Asker) -> Any:
    what_if = WhatIf(
        stock=[(s.sku, s.location, s.qty) for s in body.stock],
        nodes=[
            NodeWhatIf(
                change.location,
                change.handling_cost_per_order,
                change.handling_cost_per_unit,
                change.orders_left,
                change.units_left,
                change.transit_days,
                None if change.rates is None else tuple(_bands(change.rates)),
            )
            for change in body.locations
        ],
        split_penalty=body.split_penalty,
    )
    return simulate(db, body.order_id, _inline(body), what_if)


@router.post(
    "/v1/routing/waves",
    response_model=WaveAnswer,
    summary="Route orders jointly under shared stock and capacity: least cost plus weighted "
    "unfilled units, with the bound, the gap and the saving against one-by-one greedy routing; "
    "reserves nothing",
)
def post_wave(body: WaveAsk, db: Db, _: Asker) -> Any:
    return route_wave_of(db, body.order_ids, body.time_limit_seconds)


@router.get("/v1/routing/cost-model", response_model=CostModel)
def get_cost_model(db: Db, _: Asker) -> Any:
    return cost_model(db)


@router.put(
    "/v1/routing/cost-model",
    response_model=CostModel,
    summary="Replace the zones, lanes, weight-band rates and parameters at once",
)
def put_cost_model(body: CostModel, db: Db, who: Configurer) -> Any:
    return replace_cost_model(db, who.actor, body.to_command())


def _inline(body: RouteAsk) -> InlineAsk | None:
    if body.order is None:
        return None
    return InlineAsk(
        body.order.channel,
        [(line.sku, line.qty) for line in body.order.lines],
        body.order.ship_to.model_dump(),
        body.order.requested_delivery_date,
    )


def _bands(rates: list[BandIn]) -> list[Band]:
    return [
        Band(
            None if band.max_weight_kg is None else int(band.max_weight_kg * 1000),
            cents(band.price),
            cents(band.price_per_kg),
        )
        for band in rates
    ]
