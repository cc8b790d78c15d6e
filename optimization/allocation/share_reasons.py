"""One sentence per channel on why it holds what it holds, and why a SKU cannot be split."""

from __future__ import annotations

import math

from optimization.allocation.problem import PRIORITY_STEP, ChannelDemand, SkuPlan, SkuToSplit
from optimization.allocation.sales_curve import Floats


def infeasible_reason(sku: SkuToSplit) -> str | None:
    """Why no split can hold for this SKU whatever the solver does, or None."""
    fenced = sum(ch.ring_fence for ch in sku.channels)
    if fenced > sku.available:
        return (
            f"ring-fences need {fenced} units but only {sku.available} are available "
            f"({fenced - sku.available} short)"
        )
    if not sku.channels and sku.available > 0:
        return f"no channel to hold its {sku.available} units"
    return None


def explain(sku: SkuToSplit, qty: list[int], plan: SkuPlan, surplus: Floats) -> list[str]:
    """One sentence per channel on why it holds what it holds."""
    whys = []
    for j, ch in enumerate(sku.channels):
        q, floor = qty[j], plan.floors[j]
        kind = "fairness floor" if plan.fairness[j] else "ring-fence"
        held = f"its {kind} of {floor}" if floor else "nothing"
        if plan.parked is not None:
            why = "every channel loses money on this SKU; " + (
                f"the {q - floor} units above the floors lose least here"
                if j == plan.parked and q > floor
                else f"it holds only {held}"
            )
        elif not plan.in_lp[j]:
            why = f"margin {ch.unit_margin:.2f}/unit is negative, so it holds only {held}"
        elif q == floor and floor > 0:
            why = f"{kind} of {floor} binds"
        elif q == 0 and ch.demand == 0:
            why = "no expected demand"
        elif q >= ch.demand - 0.5:
            why = _covered(ch, q, surplus[j])
        else:
            why = _scarce(sku, j, qty, plan)
        whys.append(why)
    return whys


def _covered(ch: ChannelDemand, qty: int, surplus: float) -> str:
    extra = qty - round(ch.demand)
    if extra <= 0:
        return f"covers its expected demand of {ch.demand:.1f}"
    spare = min(max(math.floor(surplus + 1e-9), 0), extra)
    parts = [f"{extra - spare} against demand swings"] if extra > spare else []
    parts += [f"{spare} of surplus by priority {ch.priority}"] if spare else []
    return f"gets its expected demand of {ch.demand:.1f} plus {' and '.join(parts)}"


def _scarce(sku: SkuToSplit, j: int, qty: list[int], plan: SkuPlan) -> str:
    ch = sku.channels[j]
    rivals = [r for k, r in enumerate(sku.channels) if k != j and plan.in_lp[k] and r.demand > 0]
    ties = [r for r in rivals if _tied(ch.unit_margin, r.unit_margin)]
    lower = [r for r in rivals if r.unit_margin < ch.unit_margin and r not in ties]
    higher = [r for r in rivals if r.unit_margin > ch.unit_margin and r not in ties]
    share = f"gets {qty[j]} of its expected {ch.demand:.1f}"
    mine = f"margin {ch.unit_margin:.2f}/unit"
    if lower:
        rival = min(lower, key=lambda r: r.unit_margin)
        return f"{mine} beats {rival.channel}'s {rival.unit_margin:.2f}; {share}"
    if ties:
        rival = ties[0]
        if ch.priority == rival.priority:
            return f"ties {rival.channel} on margin and priority; {share}"
        verb = "wins" if ch.priority < rival.priority else "yields"
        return (
            f"ties {rival.channel} on margin and {verb} on priority "
            f"({ch.priority} vs {rival.priority}); {share}"
        )
    if higher:
        rival = max(higher, key=lambda r: r.unit_margin)
        return f"{mine} trails {rival.channel}'s {rival.unit_margin:.2f}; {share}"
    if all(qty[k] == plan.floors[k] for k in range(len(qty)) if k != j):
        return f"the only channel with demand; {share}"
    return f"{mine} is too small to outweigh priority; {share}"


def _tied(a: float, b: float) -> bool:
    return abs(a - b) <= PRIORITY_STEP * max(abs(a), abs(b))
