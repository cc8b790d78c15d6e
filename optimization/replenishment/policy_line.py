"""One SKU-location's replenishment suggestion, with the reasons a planner reads.

Periodic review every R days (R = 0: continuous), lead time L, protection interval T = L + R:

    position        available + inbound - reserved - backorders
    reorder point   s: the service target's level of demand over T (see reorder_level and
                    protection_demand); safety stock = s - d T
    order-up-to     S = s + d max(R, 1): one review period of demand above the reorder point,
                    so the next order falls due about a review later
    order           when position <= s: raw = S - position, rounded to MOQ and pack
    fill rate       the units an order may leave short are (1 - target) x Q with
                    Q = max(d max(R, 1), MOQ, pack), the typical order
    days of cover   max(position, 0) / d, capped at COVER_CAP_DAYS (also when d = 0)

Silver, Pyke & Thomas (2017), "Inventory and Production Management in Supply Chains", 4th ed.,
ch. 6 ((R, s, S) systems). Every step is closed-form, so the same line always gets the same
suggestion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from optimization.policy.lead_time_demand import LeadTimeDemand, reorder_level
from optimization.replenishment.line_reason import explain
from optimization.replenishment.order_rounding import order_steps, round_order
from optimization.replenishment.protection_demand import method_label, protection_demand

COVER_CAP_DAYS = 9999.0  # "never runs out" on a screen: no demand, or centuries of stock
SERVICE_TYPES = ("cycle", "fill_rate")


@dataclass(frozen=True)
class SkuPosition:
    key: tuple[str, str]  # (sku, location)
    supplier: str
    unit_cost: float
    daily_demand: float  # forecast mean per day over the protection interval
    daily_sd: float  # forecast error sd per day
    demand_class: str  # smooth/erratic/intermittent/lumpy (Syntetos-Boylan)
    history: tuple[float, ...]  # recent daily demand (may be empty)
    lead_time_mean: float
    lead_time_sd: float
    lead_time_source: str  # "receipts" | "supplier_item"
    review_period: int
    available: int
    inbound: int
    reserved: int
    backorders: int
    moq: int
    pack_size: int
    service_level: float
    service_type: str  # "cycle" | "fill_rate"

    def __post_init__(self) -> None:
        numbers = (self.daily_demand, self.daily_sd, self.lead_time_mean, self.lead_time_sd)
        if not all(math.isfinite(x) and x >= 0 for x in numbers):
            raise ValueError(f"{self.key}: demand, lead time and their sds must be >= 0")
        if self.review_period < 0 or self.moq < 0 or self.pack_size < 1:
            raise ValueError(f"{self.key}: review >= 0, MOQ >= 0 and pack size >= 1 needed")
        if not 0.0 < self.service_level < 1.0:
            raise ValueError(f"{self.key}: service level {self.service_level} not in (0, 1)")
        if self.service_type not in SERVICE_TYPES:
            raise ValueError(
                f"{self.key}: service type {self.service_type!r} not in {SERVICE_TYPES}"
            )

    @property
    def inventory_position(self) -> int:
        return self.available + self.inbound - self.reserved - self.backorders


@dataclass(frozen=True)
class LineSuggestion:
    key: tuple[str, str]
    supplier: str
    qty: int
    unit_cost: float
    cost: float
    demand_over_protection: float
    protection_days: float
    safety_stock: float
    safety_method: str
    position: int
    reorder_point: float
    order_up_to: float
    raw_qty: float
    rounding: str
    cover_days_before: float
    cover_days_after: float
    stockout_risk: float  # P(demand over the protection interval > position + qty)
    stockout_risk_without: float  # the same without this order
    distribution: LeadTimeDemand
    reason: str
    moq: int = 0
    pack_size: int = 1


def suggest(position: SkuPosition) -> LineSuggestion:
    """The order for one line by the rules in the module docstring; never negative, 0 or at
    least the MOQ in whole packs, and the same for the same input."""
    line, stock = position, position.inventory_position
    protection_days = line.lead_time_mean + line.review_period
    dist = protection_demand(line)
    cycle_units = line.daily_demand * max(line.review_period, 1)
    typical_order = max(cycle_units, line.moq, line.pack_size)
    reorder = reorder_level(dist, line.service_level, line.service_type, typical_order)
    order_up_to = reorder + cycle_units
    raw = order_up_to - stock if stock <= reorder else 0.0
    qty, rounding = round_order(raw, line.moq, line.pack_size)
    demand = line.daily_demand * protection_days
    suggestion = LineSuggestion(
        key=line.key,
        supplier=line.supplier,
        qty=qty,
        unit_cost=line.unit_cost,
        cost=qty * line.unit_cost,
        demand_over_protection=demand,
        protection_days=protection_days,
        safety_stock=reorder - demand,
        safety_method=_safety_method(dist, line.service_type),
        position=stock,
        reorder_point=reorder,
        order_up_to=order_up_to,
        raw_qty=max(raw, 0.0),
        rounding=rounding,
        cover_days_before=days_of_cover(stock, line.daily_demand),
        cover_days_after=days_of_cover(stock + qty, line.daily_demand),
        stockout_risk=dist.stockout_probability(stock + qty),
        stockout_risk_without=dist.stockout_probability(stock),
        distribution=dist,
        reason="",
        moq=line.moq,
        pack_size=line.pack_size,
    )
    return replace(suggestion, reason=explain(suggestion, line))


def options(s: LineSuggestion, max_options: int = 12) -> list[tuple[int, float]]:
    """(qty, expected units short over the protection interval) for 0, the smallest accepted
    order, and whole packs up to the suggested qty (at most `max_options`, evenly spread,
    always with the suggestion): E[(D - position - qty)^+], non-increasing in qty."""
    steps = order_steps(s.moq, s.pack_size, s.qty, max_options)
    return [(qty, s.distribution.expected_shortage(s.position + qty)) for qty in steps]


def days_of_cover(stock: float, daily_demand: float) -> float:
    """Days the stock lasts at the forecast rate, in [0, COVER_CAP_DAYS]."""
    if stock <= 0:
        return 0.0
    if daily_demand <= 0:
        return COVER_CAP_DAYS
    return min(stock / daily_demand, COVER_CAP_DAYS)


def _safety_method(dist: LeadTimeDemand, service_type: str) -> str:
    if dist.method == "normal":
        factor = "z" if service_type == "cycle" else "k(fill rate)"
        return f"normal: {factor}*sqrt(T sd_d^2 + d^2 sd_L^2), T = lead time + review"
    return f"{method_label(dist)} {'quantile' if service_type == 'cycle' else 'loss function'}"
