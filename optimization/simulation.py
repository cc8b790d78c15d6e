"""Period-by-period replay of demand under a periodic-review (s, S) policy with MOQ and pack
rounding, stochastic lead times and backorders; many series at once, as numpy columns.

Each period t, for every series, in this order:

    review   when t is a multiple of the review period R: inventory position
             IP = on hand + on order - backorders; if IP <= s and S - IP > 0, order
             q = pack x ceil(max(S - IP, MOQ) / pack), due L_t periods later (L_t = 0: at once)
    receive  the orders due at t; a receipt fills backorders first
    demand   d_t is served from on hand; what is short waits as a backorder

Measured over the T periods:

    fill rate (type 2)      sum of demand served on the period it occurs / sum of d_t
                            (1 when there is no demand)
    cycle service (type 1)  share of replenishment cycles without a shortage; a cycle runs from
                            one receipt to the next (the periods before the first receipt and
                            after the last are cycles too)
    stockout days           periods ending with backorders
    average inventory       mean end-of-period on hand, in units; x unit cost for value
    orders                  orders placed

The policy and measures follow Axsaeter (2015), "Inventory Control", 3rd ed., ch. 5 and Silver,
Pyke & Thomas (2017), "Inventory and Production Management in Supply Chains", 4th ed., ch. 6.
Lead times come pre-drawn for every (series, period), used or not, so policies replayed on the
same draws meet the same supplier (common random numbers); orders may cross.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimization.lead_time_sampler import LeadTimeSampler
from optimization.stock_replay import PanelReplay, replay

__all__ = [
    "LeadTimeSampler",
    "PanelReplay",
    "Policy",
    "SimResult",
    "draw_lead_times",
    "series_results",
    "simulate",
    "simulate_panel",
    "total_result",
]


@dataclass(frozen=True)
class Policy:
    reorder_point: float  # s: order when the inventory position is at or below it
    order_up_to: float  # S: raise the position to it
    review_period: int = 1
    moq: int = 0
    pack_size: int = 1

    def __post_init__(self) -> None:
        if self.order_up_to < self.reorder_point:
            raise ValueError("the order-up-to level cannot lie below the reorder point")
        if self.review_period < 1 or self.pack_size < 1 or self.moq < 0:
            raise ValueError("review period and pack size must be >= 1 and the MOQ >= 0")


@dataclass(frozen=True)
class SimResult:
    cycle_service: float
    fill_rate: float
    average_inventory_units: float
    average_inventory_value: float
    orders: int
    stockout_days: int
    periods: int
    trace: pd.DataFrame | None = field(default=None, compare=False, repr=False)


def simulate(
    demand: np.ndarray,
    policy: Policy,
    lead_times: LeadTimeSampler,
    unit_cost: float,
    initial_on_hand: float,
    seed: int,
    trace: bool = False,
) -> SimResult:
    """Replay one series' demand (rules in the module docstring); with `trace`, the result
    carries per period: demand, on_hand, inbound (on order), backorders, position (end of
    period), reorder_point, order_up_to, ordered and received, for plots."""
    series = np.asarray(demand, np.float64).reshape(1, -1)
    draws = lead_times.draw(np.random.default_rng(seed), series.shape)
    outcome = replay(series, _rule_columns([policy]), draws, [unit_cost], [initial_on_hand], trace)
    frame = None
    if outcome.trace is not None:
        frame = pd.DataFrame({name: column[0] for name, column in outcome.trace.items()})
        frame.insert(0, "period", np.arange(series.shape[1]))
    return _result(outcome, slice(0, 1), frame)


def simulate_panel(
    demand: np.ndarray,
    policies: Sequence[Policy],
    lead_times: np.ndarray,
    unit_cost: np.ndarray | Sequence[float],
    initial_on_hand: np.ndarray | Sequence[float],
    replans: Sequence[tuple[int, Sequence[Policy]]] = (),
    measure_from: int = 0,
) -> PanelReplay:
    """Replay every row of `demand` (series x periods) under its policy, with `lead_times`
    (series x periods, whole periods: the lead time an order placed then would take) drawn
    once, e.g. by `draw_lead_times`, and shared by the policies compared. Each (period,
    policies) of `replans` replaces the policies from that period on (a re-plan). Periods
    before `measure_from` are a warm-up: replayed but left out of every measure, so the
    stock and pipeline at the first measured period are the policy's own, not a guess."""
    demand = np.asarray(demand, np.float64)
    rules = _rule_columns(policies)
    if replans:
        rules = _scheduled_rules(rules, replans, demand.shape[1])
    return replay(demand, rules, lead_times, unit_cost, initial_on_hand, False, measure_from)


def draw_lead_times(samplers: Sequence[LeadTimeSampler], periods: int, seed: int) -> np.ndarray:
    """(series, periods) lead times, row i from samplers[i]; series sharing a sampler are
    drawn together, samplers taken in order of first appearance, so a seed fixes them all."""
    rng = np.random.default_rng(seed)
    draws = np.zeros((len(samplers), periods), np.int64)
    rows: dict[LeadTimeSampler, list[int]] = {}
    for row, sampler in enumerate(samplers):
        rows.setdefault(sampler, []).append(row)
    for sampler, members in rows.items():
        draws[members] = sampler.draw(rng, (len(members), periods))
    return draws


def series_results(outcome: PanelReplay) -> list[SimResult]:
    """One SimResult per replayed series, in row order."""
    return [_result(outcome, slice(row, row + 1), None) for row in range(len(outcome.demand))]


def total_result(outcome: PanelReplay) -> SimResult:
    """The panel as one: fill rate and cycle service pooled over all demand and cycles,
    inventory summed over series (the stock a company holds), orders and stockout days summed."""
    return _result(outcome, slice(None), None)


def _result(outcome: PanelReplay, rows: slice, trace: pd.DataFrame | None) -> SimResult:
    demand, served = outcome.demand[rows].sum(), outcome.served[rows].sum()
    cycles, short = outcome.cycles[rows].sum(), outcome.short_cycles[rows].sum()
    on_hand = outcome.average_on_hand[rows]
    return SimResult(
        cycle_service=float(1 - short / cycles),
        fill_rate=float(served / demand) if demand > 0 else 1.0,
        average_inventory_units=float(on_hand.sum()),
        average_inventory_value=float((on_hand * outcome.unit_cost[rows]).sum()),
        orders=int(outcome.orders[rows].sum()),
        stockout_days=int(outcome.stockout_days[rows].sum()),
        periods=outcome.periods,
        trace=trace,
    )


def _scheduled_rules(
    first: dict[str, np.ndarray], replans: Sequence[tuple[int, Sequence[Policy]]], periods: int
) -> dict[str, np.ndarray]:
    """Per field a (series, periods) table: `first` until the first re-plan, then each
    re-plan's policies from its period on."""
    rules = {name: np.repeat(column[:, None], periods, axis=1) for name, column in first.items()}
    for start, policies in sorted(replans, key=lambda replan: replan[0]):
        for name, column in _rule_columns(policies).items():
            rules[name][:, start:] = column[:, None]
    return rules


def _rule_columns(policies: Sequence[Policy]) -> dict[str, np.ndarray]:
    names = ("reorder_point", "order_up_to", "review_period", "moq", "pack_size")
    return {name: np.array([getattr(p, name) for p in policies]) for name in names}
