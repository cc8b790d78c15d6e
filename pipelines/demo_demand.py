"""Daily demand per SKU for the demo company, as plain arrays, deterministic for a seed.

Each SKU gets a target Syntetos-Boylan class and a generative process that lands in it. A
calendar intensity scales the process day by day:

    intensity[s, t] = weekly[t] x yearly[category(s), t] x (1 + trend[s] x t / (days - 1))
                      x price_factor[s, t] ** -elasticity[s]

Smooth and erratic SKUs sell nearly every day, so the intensity scales the size of a day's
demand; intermittent and lumpy SKUs sell on few days, so it scales the chance of a sale:

    smooth        units ~ Poisson(mean_size x intensity)
    erratic       units = B(occurrence) x max(1, round(mean_size x intensity x G))
    intermittent  units = B(min(cap, occurrence x intensity)) x (1 + Poisson(mean_size - 1))
    lumpy         units = B(min(cap, occurrence x intensity)) x max(1, round(mean_size x G))

B is a Bernoulli draw, G a gamma factor of mean 1 and squared CV size_cv2, and cap is
OCCURRENCE_CAP. Gamma rather than lognormal: its lighter tail keeps the CV2 measured on a
handful of sales near size_cv2, so short histories still show their class. Launched SKUs sell
nothing before launch_day, discontinued ones nothing from end_day on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from forecasting.demand_classes import DemandClass
from pipelines.demo_calendar import promotion_prices, seasons

# Intermittent and lumpy SKUs never sell on more than this share of days, so their average
# interval between sales stays above 1 / 0.6 = 1.67 > ADI_CUTOFF whatever the season.
OCCURRENCE_CAP = 0.6
BLOCK_SKUS = 1024  # SKUs drawn at once: bounds the temporaries to BLOCK_SKUS x days floats


@dataclass(frozen=True)
class DemandProcess:
    """Ranges, drawn uniformly per SKU, of one class's process; size_cv2 is the squared CV of
    the gamma size factor, NaN where a Poisson law sets the sizes."""

    occurrence: tuple[float, float]
    mean_size: tuple[float, float]
    size_cv2: tuple[float, float] = (np.nan, np.nan)


PROCESSES: dict[DemandClass, DemandProcess] = {
    DemandClass.SMOOTH: DemandProcess((1.0, 1.0), (2.0, 15.0)),
    DemandClass.ERRATIC: DemandProcess((0.9, 0.98), (3.0, 20.0), (0.8, 2.0)),
    DemandClass.INTERMITTENT: DemandProcess((0.05, 0.5), (1.2, 2.0)),
    DemandClass.LUMPY: DemandProcess((0.05, 0.5), (4.0, 25.0), (1.0, 3.0)),
}


@dataclass(frozen=True)
class DemandConfig:
    """What the demo company sells and how; `start` is the first day of the history."""

    skus: int = 300
    days: int = 730
    start: date = date(2024, 11, 27)
    seed: int = 7
    class_shares: Mapping[DemandClass, float] = field(
        default_factory=lambda: {
            DemandClass.SMOOTH: 0.35,
            DemandClass.ERRATIC: 0.15,
            DemandClass.INTERMITTENT: 0.35,
            DemandClass.LUMPY: 0.15,
        }
    )
    share_tolerance: float = 0.08  # how far a measured class share may lie from its target
    categories: Mapping[str, float] = field(
        default_factory=lambda: {"kitchen": 0.3, "outdoor": 0.25, "electronics": 0.25, "home": 0.2}
    )
    launch_share: float = 0.08
    discontinue_share: float = 0.05
    promotions_per_year: float = 3.0  # Poisson mean of promotion windows per SKU-year
    promotion_days: tuple[int, int] = (3, 10)
    promotion_price_factor: tuple[float, float] = (0.70, 0.85)
    elasticity: tuple[float, float] = (1.5, 3.5)
    weekend_factor: float = 1.3  # Saturday and Sunday demand over a weekday's (B2C shoppers)
    trend: tuple[float, float] = (-0.30, 0.50)  # total change over the horizon

    def __post_init__(self) -> None:
        if self.days < 28:
            raise ValueError("a demand history shorter than four weeks says nothing of its class")
        if set(self.class_shares) - set(PROCESSES):
            raise ValueError(f"class shares only for {', '.join(PROCESSES)}")
        if self.launch_share + self.discontinue_share > 1:
            raise ValueError("launched and discontinued SKUs cannot exceed all SKUs")


@dataclass(frozen=True, eq=False)
class DemandSet:
    skus: pd.DataFrame
    units: np.ndarray  # int32 (skus, days)
    price_factor: np.ndarray  # float32 (skus, days), below 1 on promotion days
    dates: pd.DatetimeIndex

    def active(self) -> np.ndarray:
        """True on the days each SKU is on sale: launch_day <= day < end_day."""
        return _active(self.skus, len(self.dates))

    def to_long(self) -> pd.DataFrame:
        """`unique_id, ds, y` over each SKU's active days, zeros included, by SKU then day."""
        active = self.active()
        sku, day = np.nonzero(active)
        columns = {
            "unique_id": self.skus["sku"].to_numpy()[sku],
            "ds": self.dates.to_numpy()[day],
            "y": self.units[active],
        }
        return pd.DataFrame(columns, copy=False)


def generate_demand(config: DemandConfig) -> DemandSet:
    """Draw the SKU table, the promotions and the daily units (laws in the module docstring)."""
    rng = np.random.default_rng(config.seed)
    dates = pd.date_range(config.start, periods=config.days, freq="D")
    skus = _sku_table(config, rng)
    active = _active(skus, config.days)
    prices = np.where(active, promotion_prices(config, rng), np.float32(1))
    units = _units(skus, seasons(config, dates), prices, rng) * active
    return DemandSet(skus, units, prices, dates)


def _sku_table(config: DemandConfig, rng: np.random.Generator) -> pd.DataFrame:
    """One row per SKU; occurrence is 1 for smooth SKUs, whose Poisson law decides the days
    without demand, and base_rate = occurrence x mean_size is the units per day before the
    calendar intensity."""
    n = config.skus
    target = _allocate({str(k): v for k, v in config.class_shares.items()}, n, rng)
    category = _allocate(config.categories, n, rng)
    skus = pd.DataFrame(
        {
            "sku": [f"{name[:3].upper()}-{i:06d}" for i, name in enumerate(category)],
            "category": category,
            "target_class": target,
            **_process_parameters(target, rng),
            "elasticity": rng.uniform(*config.elasticity, n),
            "trend": rng.uniform(*config.trend, n),
        }
    )
    skus["launch_day"], skus["end_day"] = _lifecycle(config, rng)
    skus.insert(3, "base_rate", skus["occurrence"] * skus["mean_size"])
    return skus


def _allocate(shares: Mapping[str, float], n: int, rng: np.random.Generator) -> np.ndarray:
    """n labels in the given shares, rounded by largest remainder, in random order."""
    labels = list(shares)
    exact = np.array([shares[label] for label in labels]) / sum(shares.values()) * n
    counts = np.floor(exact).astype(np.int64)
    counts[np.argsort(counts - exact, kind="stable")[: n - counts.sum()]] += 1
    return rng.permutation(np.repeat(np.array(labels, dtype=object), counts))


def _process_parameters(target: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    draws = rng.random((3, len(target)))
    parameters = {}
    for draw, name in zip(draws, ("occurrence", "mean_size", "size_cv2"), strict=True):
        ranges = [getattr(PROCESSES[DemandClass(label)], name) for label in target]
        low, high = np.array(ranges, dtype=np.float64).reshape(-1, 2).T
        parameters[name] = low + draw * (high - low)
    return parameters


def _lifecycle(config: DemandConfig, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Launch and end day (exclusive) per SKU. Launches fall in the first 60% of the horizon
    and discontinuations in its second half, so each SKU keeps enough days to show its class."""
    n, days = config.skus, config.days
    order = rng.permutation(n)
    launched = order[: round(config.launch_share * n)]
    ended = order[len(launched) : len(launched) + round(config.discontinue_share * n)]
    launch = np.zeros(n, np.int64)
    end = np.full(n, days, np.int64)
    launch[launched] = rng.integers(days // 10, days * 6 // 10, len(launched), endpoint=True)
    end[ended] = rng.integers(days // 2, days * 9 // 10, len(ended), endpoint=True)
    return launch, end


def _active(skus: pd.DataFrame, days: int) -> np.ndarray:
    day = np.arange(days)
    launch = skus["launch_day"].to_numpy()[:, None]
    return (day >= launch) & (day < skus["end_day"].to_numpy()[:, None])


def _units(
    skus: pd.DataFrame, seasons: pd.DataFrame, prices: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Each class's SKUs drawn by its law, BLOCK_SKUS at a time."""
    units = np.zeros(prices.shape, np.int32)
    target = skus["target_class"].to_numpy()
    for demand_class, draw in DRAWS.items():
        rows = np.flatnonzero(target == demand_class)
        for first in range(0, len(rows), BLOCK_SKUS):
            block = rows[first : first + BLOCK_SKUS]
            sku = skus.iloc[block]
            units[block] = draw(sku, _intensity(sku, seasons, prices[block]), rng).astype(np.int32)
    return units


def _intensity(sku: pd.DataFrame, seasons: pd.DataFrame, prices: np.ndarray) -> np.ndarray:
    days = prices.shape[1]
    growth = 1 + _column(sku, "trend") * np.arange(days) / (days - 1)
    uplift = prices.astype(np.float64) ** -_column(sku, "elasticity")
    return seasons.loc[sku["category"]].to_numpy() * growth * uplift


def _smooth(sku: pd.DataFrame, intensity: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return rng.poisson(_column(sku, "mean_size") * intensity)


def _erratic(sku: pd.DataFrame, intensity: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    sells = rng.random(intensity.shape) < _column(sku, "occurrence")
    size = _column(sku, "mean_size") * intensity * _gamma_factor(sku, intensity.shape, rng)
    return sells * np.maximum(1, np.rint(size))


def _intermittent(sku: pd.DataFrame, intensity: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    size = 1 + rng.poisson(_column(sku, "mean_size") - 1, intensity.shape)
    return _sells(sku, intensity, rng) * size


def _lumpy(sku: pd.DataFrame, intensity: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    size = _column(sku, "mean_size") * _gamma_factor(sku, intensity.shape, rng)
    return _sells(sku, intensity, rng) * np.maximum(1, np.rint(size))


def _sells(sku: pd.DataFrame, intensity: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    chance = np.minimum(OCCURRENCE_CAP, _column(sku, "occurrence") * intensity)
    return rng.random(intensity.shape) < chance


def _gamma_factor(
    sku: pd.DataFrame, shape: tuple[int, ...], rng: np.random.Generator
) -> np.ndarray:
    """Mean 1 and squared CV size_cv2: Gamma(shape = 1 / size_cv2, scale = size_cv2)."""
    cv2 = _column(sku, "size_cv2")
    return rng.gamma(1 / cv2, cv2, shape)


def _column(sku: pd.DataFrame, name: str) -> np.ndarray:
    return sku[name].to_numpy()[:, None]


Draw = Callable[[pd.DataFrame, np.ndarray, np.random.Generator], np.ndarray]
DRAWS: dict[DemandClass, Draw] = {
    DemandClass.SMOOTH: _smooth,
    DemandClass.ERRATIC: _erratic,
    DemandClass.INTERMITTENT: _intermittent,
    DemandClass.LUMPY: _lumpy,
}
