"""The channel split's inputs for every SKU in scope, read from the system of record in a handful
of set queries (no query per SKU).

- Stock: available units at active stocking locations (drop-ship vendors sell their own).
- Demand per channel over the horizon: from the newest published forecast when it covers the
  SKU (a per-channel run directly; a per-SKU or per-location run split by each channel's share
  of the SKU's units sold over the lookback, evenly when it sold none), else each channel's
  sales rate over the lookback times the horizon.
- Spread: a forecast's error is read off its 80% interval; a channel's part of a SKU forecast
  is a thinned count, so its variance is s^2 var + s (1 - s) mean. Without a forecast: Poisson.
- Unit margin: the SKU's average realised net price on the channel over the lookback (else
  its list price) less the channel's fee, less the unit cost (moving average when known).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import NormalDist

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.forecast_tables import ForecastRun, ForecastValue
from erp_core.adapters.order_tables import Order, OrderLine
from erp_core.adapters.tables import Channel, Item
from erp_core.domain.errors import NotFound
from erp_core.domain.forecasts import RunStatus
from erp_core.domain.orders import OrderStatus
from erp_core.queries.channel_availability import free_stock
from optimization.allocation.problem import ChannelDemand, SkuToSplit

Z_80 = NormalDist().inv_cdf(0.9)


@dataclass(frozen=True)
class InputRequest:
    since: datetime  # start of the lookback
    start: date  # first day of the horizon
    horizon_days: int
    lookback_days: int
    skus: tuple[str, ...] = ()  # none: every active SKU with stock
    ring_fences: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # channel, SKU


@dataclass(frozen=True)
class AllocationInputs:
    skus: list[SkuToSplit]
    forecast_run: int | None
    demand_sources: dict[str, int]  # "forecast" / "sales_rate" -> SKUs


@dataclass(frozen=True)
class _Channel:
    id: int
    code: str
    fee_rate: Decimal
    priority: int


@dataclass(frozen=True)
class _Item:
    id: int
    list_price: Decimal
    unit_cost: Decimal


@dataclass
class _Facts:
    channels: list[_Channel]
    items: dict[str, _Item]  # active items by SKU
    free: dict[int, int]
    sold: dict[tuple[int, int], tuple[int, Decimal]]  # (item, channel) -> units, net revenue
    run: int | None = None
    grouping: str | None = None
    # (item, channel or None) -> sum of daily means, sum of daily variances, days covered
    forecast: dict[tuple[int, int | None], tuple[float, float, int]] = field(default_factory=dict)


def allocation_inputs(db: Database, request: InputRequest) -> AllocationInputs:
    facts = db.read(lambda session: _read(session, request))
    scope = _scope(facts, request)
    sources: Counter[str] = Counter()
    skus = []
    for sku in scope:
        item = facts.items[sku]
        demand, source = _demand(facts, item.id, request)
        sources[source] += 1
        skus.append(
            SkuToSplit(
                sku=sku,
                available=facts.free.get(item.id, 0),
                channels=tuple(
                    ChannelDemand(
                        channel=ch.code,
                        demand=mean,
                        demand_std=std,
                        unit_margin=_unit_margin(facts, item, ch),
                        priority=ch.priority,
                        ring_fence=request.ring_fences.get(ch.code, {}).get(sku, 0),
                    )
                    for ch, (mean, std) in zip(facts.channels, demand, strict=True)
                ),
            )
        )
    return AllocationInputs(skus, facts.run if sources["forecast"] else None, dict(sources))


def _read(session: Session, request: InputRequest) -> _Facts:
    channels = [
        _Channel(*row)
        for row in session.execute(
            select(Channel.id, Channel.code, Channel.fee_rate, Channel.allocation_priority)
            .where(Channel.active)
            .order_by(Channel.allocation_priority, Channel.code)
        )
    ]
    items = {
        sku: _Item(item_id, price, average if average is not None else cost)
        for item_id, sku, price, cost, average in session.execute(
            select(Item.id, Item.sku, Item.list_price, Item.unit_cost, Item.average_cost).where(
                Item.active
            )
        )
    }
    facts = _Facts(channels, items, free_stock(session), _sold(session, request.since))
    _read_forecast(session, facts, request)
    return facts


def _sold(session: Session, since: datetime) -> dict[tuple[int, int], tuple[int, Decimal]]:
    """Units sold per (item, channel) since `since`, and their revenue net of line discounts
    (a line's discount spread over its units, cancelled units taken out)."""
    units = OrderLine.qty - OrderLine.qty_cancelled
    # Floating division: SQLite would divide a whole-number discount as integers.
    net = units * (OrderLine.unit_price - OrderLine.discount / cast(OrderLine.qty, Float))
    rows = session.execute(
        select(OrderLine.item_id, Order.channel_id, func.sum(units), func.sum(net))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.created_at >= since, Order.status != OrderStatus.CANCELLED)
        .group_by(OrderLine.item_id, Order.channel_id)
    )
    return {
        (item, channel): (int(qty), Decimal(str(value)))
        for item, channel, qty, value in rows
        if qty and qty > 0
    }


def _read_forecast(session: Session, facts: _Facts, request: InputRequest) -> None:
    """Sums over the horizon's days of the newest succeeded run (any grouping)."""
    run = session.execute(
        select(ForecastRun.id, ForecastRun.grouping)
        .where(ForecastRun.status == RunStatus.SUCCEEDED)
        .order_by(ForecastRun.id.desc())
        .limit(1)
    ).one_or_none()
    if run is None:
        return
    facts.run, facts.grouping = run.id, run.grouping
    value = ForecastValue
    width = value.hi_80 - value.lo_80
    variance = case((width.is_not(None), width * width / (4 * Z_80**2)), else_=value.mean)
    end = request.start + timedelta(days=request.horizon_days)
    rows = session.execute(
        select(
            value.item_id,
            value.channel_id,
            func.sum(value.mean),
            func.sum(variance),
            func.count(func.distinct(value.ds)),
        )
        .where(value.run_id == run.id, value.ds >= request.start, value.ds < end)
        .group_by(value.item_id, value.channel_id)
    )
    # Per-SKU and per-location runs carry no channel: their key is (item, None).
    facts.forecast = {
        (item_id, channel_id): (float(mean), float(var), int(days))
        for item_id, channel_id, mean, var, days in rows
    }


def _scope(facts: _Facts, request: InputRequest) -> list[str]:
    fenced = {sku for by_sku in request.ring_fences.values() for sku in by_sku}
    unknown_channels = sorted(set(request.ring_fences) - {ch.code for ch in facts.channels})
    if unknown_channels:
        raise NotFound(
            f"unknown or inactive channel: {', '.join(unknown_channels)}",
            kind="channel",
            unknown=unknown_channels,
        )
    asked = set(request.skus) | fenced
    unknown = sorted(asked - set(facts.items))
    if unknown:
        raise NotFound(
            f"unknown or inactive SKU: {', '.join(unknown[:20])}", kind="SKU", unknown=unknown
        )
    if request.skus:
        return sorted(asked)
    stocked = {sku for sku, item in facts.items.items() if facts.free.get(item.id, 0) > 0}
    return sorted(stocked | fenced)


def _demand(
    facts: _Facts, item_id: int, request: InputRequest
) -> tuple[list[tuple[float, float | None]], str]:
    """(mean, std or None for Poisson) per channel over the horizon, and where it came from."""
    horizon, channels = request.horizon_days, facts.channels
    if not channels:
        return [], "sales_rate"
    if facts.grouping == "channel":
        own = [facts.forecast.get((item_id, ch.id)) for ch in channels]
        if any(own):
            return [_over(f, horizon) if f else (0.0, None) for f in own], "forecast"
    units = [facts.sold.get((item_id, ch.id), (0, Decimal(0)))[0] for ch in channels]
    whole = facts.forecast.get((item_id, None))
    if whole is not None:
        mean, std = _over(whole, horizon)
        var = std * std
        total = sum(units)
        shares = [u / total for u in units] if total else [1 / len(channels)] * len(channels)
        return [(s * mean, math.sqrt(s * s * var + s * (1 - s) * mean)) for s in shares], "forecast"
    rate = horizon / request.lookback_days
    return [(u * rate, None) for u in units], "sales_rate"


def _over(sums: tuple[float, float, int], horizon: int) -> tuple[float, float]:
    """Mean and std over the horizon; a forecast shorter than the horizon is stretched."""
    mean, var, days = sums
    stretch = horizon / days if days else 0.0
    return max(0.0, mean * stretch), math.sqrt(max(0.0, var * stretch))


def _unit_margin(facts: _Facts, item: _Item, channel: _Channel) -> float:
    units, revenue = facts.sold.get((item.id, channel.id), (0, Decimal(0)))
    price = revenue / units if units else item.list_price
    return float(price * (1 - channel.fee_rate) - item.unit_cost)
