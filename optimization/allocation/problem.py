"""The channel split's inputs and answers, and the checks every input passes first."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

SOLVERS = ("GLOP", "PDLP")
# Priority decides near-ties: each level below the first values its sales 1% lower, so margins
# within ~1% go to the higher-priority channel while a clearly better margin still wins. Capped
# so that many levels never erase a margin.
PRIORITY_STEP = 0.01
MAX_PRIORITY_DISCOUNT = 0.05


@dataclass(frozen=True)
class ChannelDemand:
    channel: str
    demand: float  # expected units over the horizon (>= 0)
    demand_std: float | None  # None: Poisson, sqrt(demand)
    unit_margin: float  # margin per unit sold (price net of fee less unit cost); may be negative
    priority: int  # lower is more important (channels.allocation_priority)
    ring_fence: int = 0  # units the channel must hold at least


@dataclass(frozen=True)
class SkuToSplit:
    sku: str
    available: int  # available-to-sell across stocking locations, >= 0
    channels: tuple[ChannelDemand, ...]


@dataclass(frozen=True)
class SplitSettings:
    fairness_floor: float = 0.5
    segments: int = 8
    solver: str = "GLOP"  # or "PDLP"
    time_limit_seconds: float = 30.0


@dataclass(frozen=True)
class ChannelShare:
    channel: str
    qty: int
    ring_fence: int
    demand: float
    expected_sales: float  # E[min(qty, D)] under the same demand model
    expected_margin: float  # unit_margin * expected_sales
    why: str


@dataclass(frozen=True)
class SkuSplit:
    sku: str
    available: int
    status: str  # "optimal" | "feasible" | "infeasible"
    shares: tuple[ChannelShare, ...]
    reason: str | None


@dataclass(frozen=True)
class SplitResult:
    status: str  # the LP's status: optimal | feasible | infeasible | unknown
    objective: float  # total expected margin after rounding
    solver: str
    wall_time: float
    skus: tuple[SkuSplit, ...]


@dataclass(frozen=True)
class SkuPlan:
    """Per channel of one SKU: the least it must hold and how the LP may add to it."""

    floors: tuple[int, ...]
    fairness: tuple[bool, ...]  # the floor is the fairness floor, not the ring-fence
    in_lp: tuple[bool, ...]  # False: pinned to its floor (plus parked units)
    ranks: tuple[int, ...]  # dense priority rank, 0 first
    parked: int | None  # every channel loses money: this one takes the units above the floors
    dropped: str | None  # why the fairness floor was dropped


def validate(skus: Sequence[SkuToSplit], settings: SplitSettings) -> None:
    if not 0.0 <= settings.fairness_floor <= 1.0:
        raise ValueError(f"fairness_floor must be in [0, 1], got {settings.fairness_floor}")
    if settings.segments < 1:
        raise ValueError(f"segments must be at least 1, got {settings.segments}")
    if settings.solver not in SOLVERS:
        raise ValueError(f"solver must be one of {', '.join(SOLVERS)}, got {settings.solver!r}")
    if not settings.time_limit_seconds > 0:
        raise ValueError(f"time_limit_seconds must be positive, got {settings.time_limit_seconds}")
    seen: set[str] = set()
    for sku in skus:
        if sku.sku in seen:
            raise ValueError(f"SKU {sku.sku} appears more than once")
        seen.add(sku.sku)
        if sku.available < 0:
            raise ValueError(f"SKU {sku.sku}: available must be >= 0, got {sku.available}")
        names = [ch.channel for ch in sku.channels]
        if len(set(names)) < len(names):
            raise ValueError(f"SKU {sku.sku}: a channel appears more than once in {names}")
        for ch in sku.channels:
            where = f"SKU {sku.sku}, channel {ch.channel}"
            if not (math.isfinite(ch.demand) and ch.demand >= 0):
                raise ValueError(f"{where}: demand must be finite and >= 0, got {ch.demand}")
            std = ch.demand_std
            if std is not None and not (math.isfinite(std) and std >= 0):
                raise ValueError(f"{where}: demand_std must be finite and >= 0, got {std}")
            if not math.isfinite(ch.unit_margin):
                raise ValueError(f"{where}: unit_margin must be finite, got {ch.unit_margin}")
            if ch.ring_fence < 0:
                raise ValueError(f"{where}: ring_fence must be >= 0, got {ch.ring_fence}")
