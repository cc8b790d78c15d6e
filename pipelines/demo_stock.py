"""The demo company's stock before the replay: day by day, what each node shipped, received
and took back, under the simple reorder-point rule a small seller's planner would follow.

Per SKU-node p and day t, with mu and sigma the mean and spread of the node's demand over the
last REVIEW_WINDOW days (a launch forecast before that), L the supplier's mean lead time:

    reorder point   ROP = mu x L + Z x sigma x sqrt(L)
    order-up-to     OUT = ROP + mu x REVIEW_DAYS
    when stock + on order <= ROP: order max(MOQ, ceil((OUT - position) / pack) x pack)

The actual lead time is Normal(L, std) rounded, at least a day, plus a slip of up to the
supplier's slip days with its slip chance. Demand a node cannot meet is lost (a shopper sees
"out of stock"), so stockouts show in the history as days with nothing shipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipelines.demo_company import CATEGORY_RETURN_RATE, CHANNELS, supplier

REVIEW_WINDOW = 28
REVIEW_DAYS = 14
Z = 1.28  # about a 90% cycle service level: stockouts happen, as they do
SECOND_NODE_SHARE = 0.35  # of a two-node SKU's demand, what lands nearer the second node
RESTOCK_SHARE = 0.85  # of returned units, what goes back on the shelf
RETURN_LAG = (5, 21)  # days from shipment to the return reaching the node
AVERAGE_CHANNEL_RETURN_FACTOR = sum(c.unit_share * c.return_factor for c in CHANNELS)


@dataclass(frozen=True)
class Receipt:
    day: int
    pair: int
    qty: int
    ordered_day: int


@dataclass
class StockStory:
    pairs: pd.DataFrame  # sku_index, sku, node, supplier, unit_cost
    shipped: np.ndarray  # int (pairs, days)
    returned: np.ndarray  # int (pairs, days), restocked units back on the shelf
    receipts: list[Receipt] = field(default_factory=list)
    in_flight: list[Receipt] = field(default_factory=list)  # arriving after the last day
    stock: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def simulate_stock(
    catalogue: pd.DataFrame, demand: np.ndarray, days: int, rng: np.random.Generator
) -> StockStory:
    """Run `days` days of `demand` (skus x days, units asked per SKU and day) through the
    catalogue's nodes; the story's arrays have one row per SKU-node pair."""
    pairs = _pairs(catalogue)
    split = _node_demand(pairs, demand[:, :days], rng)
    lead = mean_lead_times(pairs)
    moq = pairs["moq"].to_numpy()
    pack = pairs["pack_size"].to_numpy()
    first_day, prior = _launch_forecast(split)
    active_until = _last_order_day(split, lead)
    story = StockStory(pairs, np.zeros_like(split), np.zeros_like(split))
    stock = np.zeros(len(pairs), dtype=np.int64)
    on_order = np.zeros(len(pairs), dtype=np.int64)
    arrivals = _launch_stock(first_day, prior, lead, moq, pack, on_order)
    rate = _return_rates(pairs)
    for t in range(days):
        for receipt in arrivals.pop(t, []):
            stock[receipt.pair] += receipt.qty
            on_order[receipt.pair] -= receipt.qty
            story.receipts.append(receipt)
        stock += story.returned[:, t]
        served = np.minimum(split[:, t], stock)
        stock -= served
        story.shipped[:, t] = served
        _schedule_returns(story.returned, served, rate, t, rng)
        mu, sigma = _demand_estimate(split, prior, t)
        buying = (t >= first_day) & (t < active_until)
        for p, qty in reorders(mu, sigma, lead, stock + on_order, moq, pack, buying).items():
            arrive = t + lead_time(pairs["supplier"].iat[p], rng)
            on_order[p] += qty
            arrivals.setdefault(arrive, []).append(Receipt(arrive, int(p), qty, t))
    story.in_flight = [r for waiting in arrivals.values() for r in waiting]
    story.stock = stock
    return story


def _pairs(catalogue: pd.DataFrame) -> pd.DataFrame:
    rows = [
        {
            "sku_index": index,
            "sku": item.sku,
            "node": node,
            "rank": rank,
            "supplier": item.supplier,
            "category": item.category,
            "unit_cost": item.unit_cost,
            "moq": item.moq,
            "pack_size": item.pack_size,
        }
        for index, item in enumerate(catalogue.itertuples())
        for rank, node in enumerate(item.nodes)
    ]
    return pd.DataFrame(rows)


def _node_demand(pairs: pd.DataFrame, demand: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each SKU's daily units divided among its nodes: a share lands nearer the second node."""
    split = np.zeros((len(pairs), demand.shape[1]), dtype=np.int64)
    index = pairs["sku_index"].to_numpy()
    rank = pairs["rank"].to_numpy()
    second = rng.binomial(demand[index[rank == 1]], SECOND_NODE_SHARE)
    split[rank == 0] = demand[index[rank == 0]]
    split[np.flatnonzero(rank == 0)[np.isin(index[rank == 0], index[rank == 1])]] -= second
    split[rank == 1] = second
    return split


def _launch_forecast(split: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each node's first day of demand, and what the planner expects it to sell per day before
    it has a sales record: the mean of its first REVIEW_WINDOW days of life (a good launch
    forecast, as the demo assumes)."""
    first_day = np.full(split.shape[0], split.shape[1])
    prior = np.zeros(split.shape[0])
    for p, row in enumerate(split):
        sold = np.flatnonzero(row)
        if sold.size:
            first_day[p] = sold[0] if sold[0] >= REVIEW_WINDOW else 0
            prior[p] = row[first_day[p] : first_day[p] + REVIEW_WINDOW].mean()
    return first_day, prior


def _launch_stock(
    first_day: np.ndarray,
    prior: np.ndarray,
    lead: np.ndarray,
    moq: np.ndarray,
    pack: np.ndarray,
    on_order: np.ndarray,
) -> dict[int, list[Receipt]]:
    """Stock up to the order-up-to level arrives on each node's first day (the opening stock
    of SKUs selling from the start, the launch buy of the others)."""
    arrivals: dict[int, list[Receipt]] = {}
    level = prior * lead + Z * np.sqrt(prior * lead) + prior * REVIEW_DAYS
    for p in np.flatnonzero(prior > 0):
        qty = order_qty(level[p], moq[p], pack[p])
        on_order[p] += qty
        day = int(first_day[p])
        arrivals.setdefault(day, []).append(Receipt(day, int(p), qty, day - int(lead[p])))
    return arrivals


def _last_order_day(split: np.ndarray, lead: np.ndarray) -> np.ndarray:
    """Planners stop buying a discontinued SKU a lead time before its last sale."""
    last_sale = np.array([np.flatnonzero(row)[-1] if row.any() else -1 for row in split])
    ends_early = last_sale < split.shape[1] - REVIEW_WINDOW
    return np.where(ends_early, last_sale - lead, split.shape[1]).astype(int)


def _demand_estimate(split: np.ndarray, prior: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
    if t < REVIEW_WINDOW:
        return prior, np.sqrt(prior)
    window = split[:, t - REVIEW_WINDOW : t]
    return window.mean(axis=1), window.std(axis=1)


def mean_lead_times(pairs: pd.DataFrame) -> np.ndarray:
    return np.array([supplier(code).lead_time_mean for code in pairs["supplier"]], dtype=float)


def reorders(
    mu: np.ndarray,
    sigma: np.ndarray,
    lead: np.ndarray,
    position: np.ndarray,
    moq: np.ndarray,
    pack: np.ndarray,
    buying: np.ndarray | bool = True,
) -> dict[int, int]:
    """The reorder-point rule of the module docstring: what to order per SKU-node whose
    position fell to its reorder point (where `buying`)."""
    rop = mu * lead + Z * sigma * np.sqrt(lead)
    due = (position <= rop) & (mu > 0) & buying
    return {
        int(p): order_qty(rop[p] + mu[p] * REVIEW_DAYS - position[p], moq[p], pack[p])
        for p in np.flatnonzero(due)
    }


def order_qty(gap: float, moq: int, pack: int) -> int:
    return int(max(moq, np.ceil(max(gap, 1) / pack) * pack))


def lead_time(supplier_code: str, rng: np.random.Generator) -> int:
    terms = supplier(supplier_code)
    days = max(1, round(rng.normal(terms.lead_time_mean, terms.lead_time_std)))
    if rng.random() < terms.slip_chance:
        days += int(rng.integers(1, terms.slip_days + 1))
    return days


def _return_rates(pairs: pd.DataFrame) -> np.ndarray:
    category = pairs["category"].map(CATEGORY_RETURN_RATE).to_numpy()
    return category * AVERAGE_CHANNEL_RETURN_FACTOR * RESTOCK_SHARE


def _schedule_returns(
    returned: np.ndarray, served: np.ndarray, rate: np.ndarray, t: int, rng: np.random.Generator
) -> None:
    back = rng.binomial(served, rate)
    for p in np.flatnonzero(back):
        day = t + int(rng.integers(*RETURN_LAG))
        if day < returned.shape[1]:
            returned[p, day] += back[p]
