"""`POST /v1/allocation/channels` and `keel allocate channels`: read each SKU's stock, demand
and margins per channel, split the stock with one LP (optimization/allocation/channel_split.py)
and save and publish the split in one transaction.

A run writes only its own rows (RELIABILITY 15): the published split limits what each channel
may sell from then on; it moves and reserves nothing. A SKU whose ring-fences need more than its
stock is reported infeasible with the reason, and its previous allocation stays in force.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from erp_core.adapters.database import Database
from erp_core.clock import utcnow
from erp_core.domain.errors import InvalidInput
from erp_core.services.channel_allocations import (
    AllocatedLine,
    AllocationDraft,
    get_allocation,
    save_and_publish,
)
from optimization.allocation.channel_split import split_stock
from optimization.allocation.problem import SkuSplit, SplitResult, SplitSettings
from pipelines.channel_allocation_inputs import AllocationInputs, InputRequest, allocation_inputs

log = logging.getLogger("keel.allocation")
Progress = Callable[[str], None]  # the phase now starting

DEFAULT_HORIZON_DAYS = 14
DEFAULT_LOOKBACK_DAYS = 56
MAX_HORIZON_DAYS = 365
MAX_LOOKBACK_DAYS = 730
MAX_SKUS = 50_000
# Infeasible SKUs listed by name in the run's summary; the rest are counted.
LISTED = 100
MONEY_PLACES = Decimal("0.0001")  # as erp_core stores money


@dataclass(frozen=True)
class AllocationAsk:
    skus: tuple[str, ...] = ()  # none: every active SKU with stock
    horizon_days: int = DEFAULT_HORIZON_DAYS
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    ring_fences: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # channel, SKU
    fairness_floor: float | None = None  # None: the split's default


def run_allocation(
    db: Database, actor: str, ask: AllocationAsk, progress: Progress | None = None
) -> dict[str, Any]:
    """Split, save and publish; the saved run with every SKU's shares and reasons."""
    started = time.perf_counter()
    step = _stepper(progress)
    _check(ask)
    step("reading stock, sales and forecasts")
    now = utcnow()
    inputs = allocation_inputs(
        db,
        InputRequest(
            since=now - timedelta(days=ask.lookback_days),
            start=now.date(),
            horizon_days=ask.horizon_days,
            lookback_days=ask.lookback_days,
            skus=ask.skus,
            ring_fences=ask.ring_fences,
        ),
    )
    if len(inputs.skus) > MAX_SKUS:
        raise InvalidInput(
            f"{len(inputs.skus)} SKUs are more than one run may split; name the SKUs",
            limit=MAX_SKUS,
        )
    step(f"splitting {len(inputs.skus)} SKUs")
    settings = SplitSettings(time_limit_seconds=db.settings.solver_time_limit_seconds)
    if ask.fairness_floor is not None:
        settings = replace(settings, fairness_floor=ask.fairness_floor)
    result = split_stock(inputs.skus, settings)
    log.info("split %d SKUs: %s in %.2f s", len(result.skus), result.status, result.wall_time)
    step("saving and publishing")
    draft = _draft(ask, settings, inputs, result, time.perf_counter() - started)
    run_id = save_and_publish(db, actor, draft)
    wall = time.perf_counter() - started
    log.info("allocation %d published %d lines in %.2f s", run_id, len(draft.lines), wall)
    return get_allocation(db, run_id) | {"wall_time": wall, "skus": _skus(result)}


def _check(ask: AllocationAsk) -> None:
    if not 1 <= ask.horizon_days <= MAX_HORIZON_DAYS:
        raise InvalidInput(f"the horizon is 1 to {MAX_HORIZON_DAYS} days", horizon=ask.horizon_days)
    if not 1 <= ask.lookback_days <= MAX_LOOKBACK_DAYS:
        raise InvalidInput(
            f"the lookback is 1 to {MAX_LOOKBACK_DAYS} days", lookback=ask.lookback_days
        )
    if ask.fairness_floor is not None and not 0 <= ask.fairness_floor <= 1:
        raise InvalidInput("the fairness floor is between 0 and 1", fairness=ask.fairness_floor)
    if len(ask.skus) > MAX_SKUS:
        raise InvalidInput(f"at most {MAX_SKUS} SKUs per run", limit=MAX_SKUS)
    negative = [
        f"{channel}/{sku}"
        for channel, by_sku in ask.ring_fences.items()
        for sku, qty in by_sku.items()
        if qty < 0
    ]
    if negative:
        raise InvalidInput(f"ring-fences are at least 0: {', '.join(negative[:20])}")


def _stepper(progress: Progress | None) -> Progress:
    def step(phase: str) -> None:
        log.info("allocation: %s", phase)
        if progress:
            progress(phase)

    return step


def _draft(
    ask: AllocationAsk,
    settings: SplitSettings,
    inputs: AllocationInputs,
    result: SplitResult,
    wall: float,
) -> AllocationDraft:
    lines = [
        AllocatedLine(
            sku=split.sku,
            channel=share.channel,
            qty=share.qty,
            ring_fence=share.ring_fence,
            demand=share.demand,
            expected_sales=share.expected_sales,
            expected_margin=_money(share.expected_margin),
            why=share.why,
        )
        for split in result.skus
        if split.status != "infeasible"
        for share in split.shares
    ]
    infeasible = [s for s in result.skus if s.status == "infeasible"]
    summary = {
        "skus": len(result.skus),
        "by_status": dict(Counter(s.status for s in result.skus)),
        "infeasible": [{"sku": s.sku, "reason": s.reason} for s in infeasible[:LISTED]],
        "available_units": sum(s.available for s in result.skus),
        "allocated_units": sum(line.qty for line in lines),
        "forecast_run": inputs.forecast_run,
        "demand_sources": inputs.demand_sources,
        "solve_time_s": round(result.wall_time, 3),
        "wall_time_s": round(wall, 3),
    }
    request = {
        "skus": list(ask.skus),
        "horizon_days": ask.horizon_days,
        "lookback_days": ask.lookback_days,
        "ring_fences": {channel: dict(by_sku) for channel, by_sku in ask.ring_fences.items()},
        "fairness_floor": settings.fairness_floor,
    }
    return AllocationDraft(
        request=request,
        horizon_days=ask.horizon_days,
        status=result.status,
        objective=_money(result.objective),
        solver=result.solver,
        summary=summary,
        lines=lines,
    )


def _skus(result: SplitResult) -> list[dict[str, Any]]:
    return [_sku(split) for split in result.skus]


def _sku(split: SkuSplit) -> dict[str, Any]:
    return {
        "sku": split.sku,
        "available": split.available,
        "status": split.status,
        "reason": split.reason,
        "shares": [
            {
                "channel": share.channel,
                "qty": share.qty,
                "ring_fence": share.ring_fence,
                "demand": share.demand,
                "expected_sales": share.expected_sales,
                "expected_margin": _money(share.expected_margin),
                "why": share.why,
            }
            for share in split.shares
        ],
    }


def _money(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(MONEY_PLACES)
