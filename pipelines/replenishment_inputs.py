"""The policy's inputs for every SKU-location a plan covers, built from the system of record.

- Where: stocking locations that hold, expect or shipped the SKU; a SKU known nowhere is planned
  at the first location in scope.
- Demand: the newest published forecast over the protection interval (lead time + review
  period). A per-SKU forecast is split across locations by their share of the last
  SHARE_DAYS days' shipments. Forecast error per day is read off the 80% interval.
- Supplier: the cheapest active supplier-item (then the shortest lead time) among the
  suppliers asked for; its lead time is learnt from receipts once there are enough of them.
- Backorders wait for no location in particular; they count against the location that
  serves most of the SKU's demand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from statistics import NormalDist

import numpy as np
import pandas as pd

from erp_core.queries.planning_facts import PlanningFacts, SupplyTerms
from optimization.replenishment.policy_line import SkuPosition
from optimization.replenishment.service_classes import DEFAULT_TARGETS
from pipelines.service_grades import service_grades

SHARE_DAYS = 90
HISTORY_DAYS = 365
Z_80 = NormalDist().inv_cdf(0.9)
# A SKU-location without history: smooth demand, and the least valuable, most variable class.
_UNSEEN = ("smooth", "CZ")


@dataclass(frozen=True)
class PlanRequest:
    planning_date: date
    service_type: str
    review_period: int
    min_receipts: int
    suppliers: tuple[str, ...] = ()
    class_targets: Mapping[str, float] = field(default_factory=dict)
    sku_targets: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Unplannable:
    key: tuple[str, str]
    reason: str


@dataclass(frozen=True)
class PlanInputs:
    positions: list[SkuPosition]
    unplannable: list[Unplannable]
    service_classes: dict[tuple[str, str], str]  # ABC x XYZ, e.g. "AX"


def plan_inputs(facts: PlanningFacts, history: pd.DataFrame, request: PlanRequest) -> PlanInputs:
    """`history` is the per-location demand frame (unique_id SKU@LOCATION, ds, y)."""
    daily = {
        key: y
        for key, y in _daily_history(history, request.planning_date).items()
        if key[0] in facts.items and key[1] in facts.locations
    }
    shares = _location_shares(daily)
    classes = service_grades(facts.items, daily)
    planned, unplannable = [], []
    for sku in facts.items:
        where = _locations_of(sku, facts, shares)
        main = max(where, key=lambda loc: (shares.get(sku, {}).get(loc, 0.0), loc))
        for location in where:
            key = (sku, location)
            terms = choose_supplier(facts.terms.get(sku, []), request.suppliers)
            if terms is None:
                unplannable.append(Unplannable(key, _no_supplier(request.suppliers)))
                continue
            lead_mean, lead_sd, source = learnt_lead_time(facts, sku, terms, request.min_receipts)
            protection = int(np.ceil(lead_mean)) + request.review_period
            demand = _demand(facts, sku, location, shares, protection)
            if demand is None:
                unplannable.append(Unplannable(key, _no_forecast(facts)))
                continue
            series = daily.get(key, np.zeros(0))
            planned.append(
                SkuPosition(
                    key=key,
                    supplier=terms.supplier,
                    unit_cost=float(terms.unit_cost),
                    daily_demand=demand[0],
                    daily_sd=demand[1],
                    demand_class=classes.get(key, _UNSEEN)[0],
                    history=tuple(series[-HISTORY_DAYS:].tolist()),
                    lead_time_mean=lead_mean,
                    lead_time_sd=lead_sd,
                    lead_time_source=source,
                    review_period=request.review_period,
                    available=facts.on_hand.get(key, 0),
                    inbound=sum(qty for _, qty in facts.inbound.get(key, [])),
                    reserved=facts.reserved.get(key, 0),
                    backorders=facts.backorders.get(sku, 0) if location == main else 0,
                    moq=terms.moq,
                    pack_size=terms.pack_size,
                    service_level=_target(request, sku, classes.get(key, _UNSEEN)[1]),
                    service_type=request.service_type,
                )
            )
    graded = {key: classes.get(key, _UNSEEN)[1] for key in (p.key for p in planned)}
    return PlanInputs(planned, unplannable, graded)


def _daily_history(history: pd.DataFrame, planning_date: date) -> dict[tuple[str, str], np.ndarray]:
    """Each SKU-location's daily demand up to the day before planning."""
    before = history[history["ds"] < pd.Timestamp(planning_date)]
    series = {}
    for unique_id, group in before.groupby("unique_id", sort=True):
        sku, _, location = str(unique_id).partition("@")
        series[(sku, location)] = group["y"].to_numpy(float)
    return series


def _location_shares(daily: dict[tuple[str, str], np.ndarray]) -> dict[str, dict[str, float]]:
    totals: dict[str, dict[str, float]] = {}
    for (sku, location), y in daily.items():
        totals.setdefault(sku, {})[location] = float(y[-SHARE_DAYS:].sum())
    shares = {}
    for sku, by_location in totals.items():
        whole = sum(by_location.values())
        if whole > 0:
            shares[sku] = {loc: units / whole for loc, units in by_location.items() if units}
    return shares


def _locations_of(sku: str, facts: PlanningFacts, shares: dict[str, dict[str, float]]) -> list[str]:
    where = {
        location
        for location in facts.locations
        if facts.on_hand.get((sku, location))
        or facts.inbound.get((sku, location))
        or shares.get(sku, {}).get(location)
        or (sku, location) in facts.forecast
    }
    if not where and facts.locations:
        where = {facts.locations[0]}
    return sorted(where)


def choose_supplier(terms: list[SupplyTerms], allowed: tuple[str, ...]) -> SupplyTerms | None:
    """The cheapest active offer, then the shortest lead time, among the suppliers allowed
    (any when none are named)."""
    offers = [t for t in terms if not allowed or t.supplier in allowed]
    return min(offers, key=lambda t: (t.unit_cost, t.lead_time_mean, t.supplier), default=None)


def learnt_lead_time(
    facts: PlanningFacts, sku: str, terms: SupplyTerms, min_receipts: int
) -> tuple[float, float, str]:
    actual = facts.actuals.get((sku, terms.supplier))
    if actual is not None and actual.receipts >= min_receipts:
        return actual.mean, actual.sd, f"learnt from {actual.receipts} receipts"
    return terms.lead_time_mean, terms.lead_time_sd, "supplier-item terms"


def _demand(
    facts: PlanningFacts,
    sku: str,
    location: str,
    shares: dict[str, dict[str, float]],
    days: int,
) -> tuple[float, float] | None:
    """Mean and error sd per day over the first `days` forecast days at the location."""
    if facts.forecast_grouping == "location":
        values, share = facts.forecast.get((sku, location)), 1.0
    else:
        values = facts.forecast.get((sku, ""))
        by_location = shares.get(sku) or {location: 1.0}
        share = by_location.get(location, 0.0)
    if not values:
        return None
    window = values[:days]
    mean = float(np.mean([v[1] for v in window]))
    widths = [(v[3] - v[2]) for v in window if v[2] is not None and v[3] is not None]
    sd = float(np.mean(widths)) / (2 * Z_80) if widths else mean**0.5
    return mean * share, sd * share


def _target(request: PlanRequest, sku: str, service_class: str) -> float:
    if sku in request.sku_targets:
        return request.sku_targets[sku]
    return request.class_targets.get(service_class, DEFAULT_TARGETS[service_class])


def _no_supplier(allowed: tuple[str, ...]) -> str:
    if allowed:
        return f"none of the suppliers asked for ({', '.join(allowed)}) sells this SKU"
    return "no active supplier sells this SKU"


def _no_forecast(facts: PlanningFacts) -> str:
    if facts.forecast_run is None:
        return "no forecast has been published: run `keel forecast run` first"
    return f"forecast run {facts.forecast_run} has no forecast for this SKU from the planning date"
