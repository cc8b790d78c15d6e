"""Split each SKU's available-to-sell stock across sales channels with one LP over all SKUs.

For SKU i and channel c with floor l_ic (its ring-fence, or its fairness floor when larger):

    a_ic = l_ic + sum_k x_ick + u_ic,      0 <= x_ick <= w_ick,  u_ic >= 0
    max  sum_ic v_ic sum_k g_ick x_ick  +  e_ic (sum_k x_ick + u_ic)
    s.t. sum_c (sum_k x_ick + u_ic) = available_i - sum_c l_ic

x_ick are the pieces of the expected-sales curve E[min(a, D)] above the floor, with widths w and
chord slopes g (sales_curve); u_ic is stock beyond mu + 3 sigma; v_ic is the unit margin scaled
by the SKU's largest |margin| and discounted 1% per priority level below the first; e_ic is a
tiny per-unit weight by priority. This is the textbook s_k <= a_c model with the floor moved into
the bounds, so it needs one row per SKU. A channel with a negative margin holds just its floor:
moving a unit there from a channel with margin >= 0 can only lose. When every channel loses money
the objective is convex, so its maximum is a vertex: all units above the floors go to the one
channel where they lose least, with no LP. Fractional answers become whole units by largest
remainder and then single-unit trades on the same objective over the exact curve (rounding).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import linear_solver_pb2, pywraplp

from optimization.allocation.problem import (
    MAX_PRIORITY_DISCOUNT,
    PRIORITY_STEP,
    ChannelDemand,
    ChannelShare,
    SkuPlan,
    SkuSplit,
    SkuToSplit,
    SplitResult,
    SplitSettings,
    validate,
)
from optimization.allocation.rounding import largest_remainder, trade_units
from optimization.allocation.sales_curve import (
    Floats,
    curve_end,
    demand_sigma,
    expected_sales,
    sales_pieces,
)
from optimization.allocation.share_reasons import explain, infeasible_reason

STATUS = {
    pywraplp.Solver.OPTIMAL: "optimal",
    pywraplp.Solver.FEASIBLE: "feasible",
    pywraplp.Solver.INFEASIBLE: "infeasible",
}
# Stock beyond every channel's demand curve must still go somewhere: a per-unit weight far below
# any sales value (margins are scaled to at most 1) hands it out by priority.
SURPLUS_STEP = 1e-5
# PDLP's default 1e-6 tolerances take over a minute on 10,000 SKUs; 1e-4 is met in seconds and is
# far finer than the whole units the split is rounded to.
PDLP_PARAMS = (
    "termination_criteria { simple_optimality_criteria "
    "{ eps_optimal_relative: 1e-4 eps_optimal_absolute: 1e-4 } }"
)


@dataclass(frozen=True)
class _Rows:
    """The channels of every SKU that can be split, SKU by SKU, as arrays."""

    start: np.ndarray  # rows of SKU i are start[i]:start[i + 1]
    floor: Floats
    base: Floats  # floor, plus the parked units of an all-losing SKU
    rest: Floats  # per SKU: available less the base
    in_lp: np.ndarray
    value: Floats  # scaled, priority-discounted margin of a unit sold
    tie: Floats  # surplus weight by priority
    mean: Floats
    sigma: Floats
    widths: Floats
    slopes: Floats


DEFAULT_SETTINGS = SplitSettings()


def split_stock(
    skus: Sequence[SkuToSplit], settings: SplitSettings = DEFAULT_SETTINGS
) -> SplitResult:
    """Split every SKU's stock across its channels to maximise sum_c margin_c E[min(a_c, D_c)]."""
    started = time.perf_counter()
    validate(skus, settings)
    plans = [_plan(sku, settings.fairness_floor) for sku in skus]
    rows = _rows(skus, plans, settings.segments)
    status, alloc = _solve(rows, settings)
    fallback = None
    if alloc is None:
        alloc = _proportional(rows)
        fallback = (
            f"the {settings.solver} LP ended {status} without a solution; stock above the "
            "floors is split in proportion to demand, then improved unit by unit"
        )
    splits, objective = _finish(skus, plans, rows, alloc, status, fallback)
    wall = time.perf_counter() - started
    return SplitResult(status, objective, settings.solver, wall, tuple(splits))


def _plan(sku: SkuToSplit, fairness: float) -> SkuPlan | None:
    """Floors of one SKU, or None when no split can hold (see infeasible_reason)."""
    if infeasible_reason(sku) is not None:
        return None
    channels, available = sku.channels, sku.available
    rings = [ch.ring_fence for ch in channels]
    total_demand = sum(ch.demand for ch in channels)
    fair = [
        math.floor(fairness * min(ch.demand, available * ch.demand / total_demand) + 1e-9)
        if total_demand > 0
        else 0
        for ch in channels
    ]
    floors = [max(r, f) for r, f in zip(rings, fair, strict=True)]
    dropped = None
    if sum(floors) > available:
        dropped = (
            f"fairness floor dropped: ring-fences and fairness floors need {sum(floors)} "
            f"units of {available}"
        )
        floors = rings
    levels = sorted({ch.priority for ch in channels})
    ranks = tuple(levels.index(ch.priority) for ch in channels)
    all_lose = bool(channels) and all(ch.unit_margin < 0 for ch in channels)
    return SkuPlan(
        floors=tuple(floors),
        fairness=tuple(f > r for f, r in zip(floors, rings, strict=True)),
        in_lp=tuple(ch.unit_margin >= 0 for ch in channels),
        ranks=ranks,
        parked=_least_loss(channels, floors, available - sum(floors), ranks) if all_lose else None,
        dropped=dropped,
    )


def _least_loss(
    channels: Sequence[ChannelDemand], floors: list[int], rest: int, ranks: tuple[int, ...]
) -> int:
    """The channel where `rest` more units lose the least expected margin (ties: priority)."""
    mean = np.array([ch.demand for ch in channels], dtype=float)
    std = np.array([np.nan if ch.demand_std is None else ch.demand_std for ch in channels])
    sigma = demand_sigma(mean, std.astype(float))
    held = np.array(floors, dtype=float)
    more = expected_sales(held + rest, mean, sigma) - expected_sales(held, mean, sigma)
    loss = [ch.unit_margin * float(m) for ch, m in zip(channels, more, strict=True)]
    return max(range(len(channels)), key=lambda j: (loss[j], -ranks[j]))


def _rows(skus: Sequence[SkuToSplit], plans: list[SkuPlan | None], segments: int) -> _Rows:
    counts = [len(s.channels) if p else 0 for s, p in zip(skus, plans, strict=True)]
    start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    chans = [ch for s, p in zip(skus, plans, strict=True) if p for ch in s.channels]
    kept = [p for p in plans if p]
    parked = [
        s.available - sum(p.floors) if p.parked == j else 0
        for s, p in zip(skus, plans, strict=True)
        if p
        for j in range(len(p.floors))
    ]
    floor = np.array([v for p in kept for v in p.floors], dtype=float)
    base = floor + np.array(parked, dtype=float)
    in_lp = np.array([v for p in kept for v in p.in_lp], dtype=bool)
    rank = np.array([v for p in kept for v in p.ranks], dtype=float)
    levels = np.repeat([max(p.ranks, default=0) + 1 for p in kept], [len(p.ranks) for p in kept])
    scale = np.repeat(
        [max([abs(c.unit_margin) for c in s.channels] + [0.0]) or 1.0 for s in skus],
        counts,
    )
    margin = np.array([c.unit_margin for c in chans], dtype=float)
    discount = np.minimum(PRIORITY_STEP * rank, MAX_PRIORITY_DISCOUNT)
    value = np.maximum(margin, 0.0) / scale * (1.0 - discount)
    mean = np.array([c.demand for c in chans], dtype=float)
    std = np.array([np.nan if c.demand_std is None else c.demand_std for c in chans])
    sigma = demand_sigma(mean, std.astype(float))
    widths, slopes = sales_pieces(floor, mean, sigma, segments)
    owner = np.repeat(np.arange(len(skus)), counts)
    available = np.array([s.available for s in skus], dtype=float)
    rest = available - np.bincount(owner, weights=base, minlength=len(skus)).astype(float)
    tie = SURPLUS_STEP * (levels - rank)
    return _Rows(start, floor, base, rest, in_lp, value, tie, mean, sigma, widths, slopes)


def _solve(rows: _Rows, settings: SplitSettings) -> tuple[str, Floats | None]:
    """The LP's status and, when it has a solution, the fractional allocation per row."""
    if not rows.in_lp.any():
        return "optimal", rows.base.copy()
    solver, _variables = build_model(rows, settings.solver)
    solver.SetTimeLimit(max(1, int(settings.time_limit_seconds * 1000)))
    if settings.solver == "PDLP" and not solver.SetSolverSpecificParametersAsString(PDLP_PARAMS):
        raise RuntimeError("PDLP rejected its parameters")
    status = STATUS.get(solver.Solve(), "unknown")
    if status in ("optimal", "feasible"):
        return status, extract(solver, rows)
    return status, None


def build_model(rows: _Rows, solver_name: str) -> tuple[pywraplp.Solver, list[pywraplp.Variable]]:
    solver = pywraplp.Solver.CreateSolver(solver_name)
    if solver is None:
        raise RuntimeError(f"this OR-Tools build has no {solver_name} solver")
    lp = np.flatnonzero(rows.in_lp)
    upper = np.hstack([rows.widths[lp], np.full((len(lp), 1), solver.infinity())])
    sold = np.hstack([rows.slopes[lp], np.zeros((len(lp), 1))])
    gain = rows.value[lp, None] * sold + rows.tie[lp, None]
    make = solver.NumVar
    variables = [make(0.0, ub, "") for ub in upper.ravel().tolist()]
    objective = solver.Objective()
    for var, coef in zip(variables, gain.ravel().tolist(), strict=True):
        objective.SetCoefficient(var, coef)
    objective.SetMaximization()
    # Every unit goes to some channel: the units above the floors add up to what is left.
    per_row = upper.shape[1]
    owner = np.searchsorted(rows.start, lp, side="right") - 1
    skus, first, count = np.unique(owner, return_index=True, return_counts=True)
    for sku, lo, n in zip(skus.tolist(), first.tolist(), count.tolist(), strict=True):
        rest = float(rows.rest[sku])
        row = solver.Constraint(rest, rest, "")
        for var in variables[lo * per_row : (lo + n) * per_row]:
            row.SetCoefficient(var, 1.0)
    return solver, variables


def extract(solver: pywraplp.Solver, rows: _Rows) -> Floats:
    response = linear_solver_pb2.MPSolutionResponse()
    solver.FillSolutionResponseProto(response)
    per_row = rows.widths.shape[1] + 1
    # A first-order solver (PDLP) may leave values a hair below zero.
    values = np.clip(np.asarray(response.variable_value), 0.0, None).reshape(-1, per_row)
    alloc = rows.base.copy()
    alloc[rows.in_lp] += values.sum(axis=1)
    return alloc


def _proportional(rows: _Rows) -> Floats:
    """A feasible split without the LP: floors, then the rest in proportion to demand over the
    channels that may take more (all of it to the highest-priority one when none has demand)."""
    alloc = rows.base.copy()
    for sku in range(len(rows.start) - 1):
        span = np.arange(rows.start[sku], rows.start[sku + 1])
        idx = span[rows.in_lp[span]]
        if len(idx) == 0:
            continue
        weight = rows.mean[idx]
        if weight.sum() <= 0:
            weight = (rows.tie[idx] == rows.tie[idx].max()).astype(float)
        alloc[idx] += rows.rest[sku] * weight / weight.sum()
    return alloc


def _finish(
    skus: Sequence[SkuToSplit],
    plans: list[SkuPlan | None],
    rows: _Rows,
    alloc: Floats,
    status: str,
    fallback: str | None,
) -> tuple[list[SkuSplit], float]:
    qty = _whole_units(skus, plans, rows, alloc)
    sales = expected_sales(qty.astype(float), rows.mean, rows.sigma)
    surplus = qty - curve_end(rows.floor, rows.mean, rows.sigma)
    splits, objective = [], 0.0
    for i, (sku, plan) in enumerate(zip(skus, plans, strict=True)):
        if plan is None:
            reason = infeasible_reason(sku)
            splits.append(SkuSplit(sku.sku, sku.available, "infeasible", (), reason))
            continue
        span = slice(rows.start[i], rows.start[i + 1])
        held = qty[span].tolist()
        whys = explain(sku, held, plan, surplus[span])
        shares = []
        for ch, q, sold, why in zip(sku.channels, held, sales[span], whys, strict=True):
            margin = ch.unit_margin * float(sold)
            objective += margin
            shares.append(
                ChannelShare(ch.channel, q, ch.ring_fence, ch.demand, float(sold), margin, why)
            )
        solved_here = any(plan.in_lp)
        status_here = ("feasible" if fallback else status) if solved_here else "optimal"
        reason = "; ".join(r for r in (plan.dropped, fallback if solved_here else None) if r)
        splits.append(SkuSplit(sku.sku, sku.available, status_here, tuple(shares), reason or None))
    return splits, objective


def _whole_units(
    skus: Sequence[SkuToSplit], plans: list[SkuPlan | None], rows: _Rows, alloc: Floats
) -> np.ndarray:
    """Largest remainder per SKU, then unit trades on the LP's own objective over the exact
    sales curve, so rounding and chords cost nothing and priority still decides near-ties."""
    qty = np.zeros(len(rows.base), dtype=np.int64)
    for i, (sku, plan) in enumerate(zip(skus, plans, strict=True)):
        if plan is not None:
            span = slice(rows.start[i], rows.start[i + 1])
            shares = alloc[span].tolist()
            qty[span] = largest_remainder(
                shares, plan.floors, sku.available, plan.ranks, plan.in_lp
            )
    end = curve_end(rows.floor, rows.mean, rows.sigma)

    def next_unit(at: np.ndarray, held: Floats) -> Floats:
        # As in the LP, sales stop counting at the curve's end: beyond it priority alone decides.
        mean, sigma = rows.mean[at], rows.sigma[at]
        upto = np.minimum(held + 1.0, end[at])
        more = expected_sales(upto, mean, sigma) - expected_sales(
            np.minimum(held, upto), mean, sigma
        )
        return rows.value[at] * more + rows.tie[at]

    owner = np.repeat(np.arange(len(skus)), np.diff(rows.start))
    return trade_units(qty, rows.floor, owner, rows.in_lp, next_unit)
