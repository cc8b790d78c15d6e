"""The demo's calendar: weekly and yearly seasonality per category, and promotion windows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from pipelines.demo_demand import DemandConfig

# Monthly demand factors, January first (normalised to mean 1 when used).
SEASONALITY: dict[str, tuple[float, ...]] = {
    "kitchen": (0.9, 0.85, 0.9, 0.9, 0.9, 0.9, 0.9, 0.95, 1.0, 1.1, 1.25, 1.35),
    "outdoor": (0.5, 0.55, 0.8, 1.1, 1.5, 1.75, 1.6, 1.25, 0.9, 0.7, 0.6, 0.6),
    "electronics": (0.85, 0.75, 0.8, 0.8, 0.8, 0.8, 0.8, 0.85, 0.95, 1.05, 1.7, 1.85),
    "home": (0.95, 0.95, 1.05, 1.05, 1.0, 0.95, 0.95, 1.0, 1.05, 1.05, 1.0, 1.0),
}
FLAT_SEASON = (1.0,) * 12


def promotion_prices(config: DemandConfig, rng: np.random.Generator) -> np.ndarray:
    """Price factor per SKU-day: 1, or a promotion's factor on its days. Windows per SKU are
    Poisson(promotions_per_year x days / 365), each starting on a uniform day and lasting a
    uniform number of promotion_days; a later window overwrites an earlier one it overlaps."""
    n, days = config.skus, config.days
    sku = np.repeat(np.arange(n), rng.poisson(config.promotions_per_year * days / 365, n))
    start = rng.integers(0, days, sku.size)
    length = rng.integers(*config.promotion_days, sku.size, endpoint=True)
    factor = rng.uniform(*config.promotion_price_factor, sku.size)
    window = np.repeat(np.arange(sku.size), length)
    day = start[window] + np.arange(window.size) - np.repeat(np.cumsum(length) - length, length)
    inside = day < days
    prices = np.ones((n, days), np.float32)
    prices[sku[window[inside]], day[inside]] = factor[window[inside]]
    return prices


def seasons(config: DemandConfig, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Weekly x yearly factor per category (rows) and day (columns). Both average 1; the yearly
    one is linear between mid-month factors and wraps at New Year."""
    weekend = np.where(dates.dayofweek >= 5, config.weekend_factor, 1.0)
    weekly = weekend * 7 / (5 + 2 * config.weekend_factor)
    month = (dates.dayofyear.to_numpy() - 0.5) / 365.25 * 12 - 0.5  # 0 = mid-January
    rows = {}
    for category in config.categories:
        factors = np.asarray(SEASONALITY.get(category, FLAT_SEASON))
        rows[category] = weekly * np.interp(
            month, np.arange(12), factors / factors.mean(), period=12
        )
    return pd.DataFrame.from_dict(rows, orient="index")
