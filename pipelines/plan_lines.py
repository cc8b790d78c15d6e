"""A plan's lines as they are saved: each suggestion after the limits' cut, with the figures
that explain it, and the plan's totals."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from erp_core.domain.replenishment import LineStatus
from erp_core.queries.planning_facts import PlanningFacts
from erp_core.services.replenishment_plans import PlannedLine
from optimization.replenishment.constraints import CutResult
from optimization.replenishment.policy_line import LineSuggestion, SkuPosition
from pipelines.replenishment_inputs import PlanInputs

# Expected units short are weighed in hundredths: CP-SAT wants whole numbers.
LOSS_SCALE = 100


def planned_lines(
    planning_date: date,
    facts: PlanningFacts,
    inputs: PlanInputs,
    suggestions: list[LineSuggestion],
    cut: CutResult,
) -> list[PlannedLine]:
    lines = [
        _line(planning_date, facts.inbound.get(p.key, []), inputs, p, s, cut)
        for p, s in zip(inputs.positions, suggestions, strict=True)
    ]
    lines += [
        PlannedLine(
            sku=u.key[0],
            location=u.key[1],
            supplier=None,
            status=LineStatus.CANNOT_PLAN,
            suggested_qty=0,
            qty=0,
            unit_cost=Decimal(0),
            order_by=None,
            expected_arrival=None,
            stockout_risk=None,
            binding=None,
            reason=u.reason,
            explanation={},
        )
        for u in inputs.unplannable
    ]
    return sorted(lines, key=lambda line: (line.sku, line.location))


def _line(
    planning_date: date,
    inbound: list[tuple[date, int]],
    inputs: PlanInputs,
    p: SkuPosition,
    s: LineSuggestion,
    cut: CutResult,
) -> PlannedLine:
    qty = cut.chosen.get(s.key, s.qty)
    bound_by = cut.cut_by.get(s.key, ())
    reason = s.reason
    if qty != s.qty:
        reason += f"; cut from {s.qty} to {qty} " + (
            f"by {', '.join(bound_by)}" if bound_by else "where it lost least service"
        )
    order_by = planning_date + timedelta(days=_days_until_reorder(p, s))
    lead = math.ceil(p.lead_time_mean)
    return PlannedLine(
        sku=s.key[0],
        location=s.key[1],
        supplier=s.supplier,
        status=LineStatus.ORDER if qty > 0 else LineStatus.NO_ORDER,
        suggested_qty=s.qty,
        qty=qty,
        unit_cost=Decimal(str(s.unit_cost)),
        order_by=order_by,
        expected_arrival=order_by + timedelta(days=lead),
        stockout_risk=round(s.distribution.stockout_probability(s.position + qty), 4),
        binding=", ".join(bound_by) or None,
        reason=reason,
        explanation=_explanation(p, s, qty, inputs.service_classes.get(s.key))
        | {"inbound_schedule": [[day.isoformat(), units] for day, units in inbound]},
    )


def _days_until_reorder(p: SkuPosition, s: LineSuggestion) -> int:
    """Days before the position, drawn down by forecast demand, reaches the reorder point
    (a year at most: a plan does not look further)."""
    if s.position <= s.reorder_point:
        return 0
    if p.daily_demand <= 0:
        return 365
    return min(365, math.floor((s.position - s.reorder_point) / p.daily_demand))


def _explanation(
    p: SkuPosition, s: LineSuggestion, qty: int, service_class: str | None
) -> dict[str, Any]:
    after = (s.position + qty) / p.daily_demand if p.daily_demand > 0 else None
    return {
        "service_class": service_class,
        "service_level": p.service_level,
        "service_type": p.service_type,
        "demand_class": p.demand_class,
        "daily_demand": round(p.daily_demand, 4),
        "protection_days": s.protection_days,
        "demand_over_protection": round(s.demand_over_protection, 2),
        "lead_time_days": round(p.lead_time_mean, 2),
        "lead_time_sd_days": round(p.lead_time_sd, 2),
        "lead_time_source": p.lead_time_source,
        "review_period_days": p.review_period,
        "safety_stock": round(s.safety_stock, 2),
        "safety_method": s.safety_method,
        "on_hand": p.available,
        "inbound": p.inbound,
        "reserved": p.reserved,
        "backorders": p.backorders,
        "position": s.position,
        "reorder_point": round(s.reorder_point, 2),
        "order_up_to": round(s.order_up_to, 2),
        "raw_qty": round(s.raw_qty, 2),
        "rounding": s.rounding,
        "moq": p.moq,
        "pack_size": p.pack_size,
        "cover_days_before": round(s.cover_days_before, 1),
        "cover_days_after": None if after is None else round(after, 1),
        "stockout_risk_without_order": round(s.stockout_risk_without, 4),
    }


def plan_summary(
    inputs: PlanInputs,
    suggestions: list[LineSuggestion],
    cut: CutResult,
    lines: list[PlannedLine],
    seconds: float,
) -> dict[str, Any]:
    ordered = [line for line in lines if line.status == LineStatus.ORDER]
    return {
        "sku_locations": len(lines),
        "unplannable": len(inputs.unplannable),
        "suggested_value": _money(Decimal(str(s.unit_cost)) * s.qty for s in suggestions),
        "planned_value": _money(line.unit_cost * line.qty for line in ordered),
        "lines_cut": len(cut.cut),
        "solver": {
            "status": cut.status,
            "objective_units_short": cut.objective / LOSS_SCALE,
            "bound_units_short": cut.bound / LOSS_SCALE,
            "wall_time_s": round(cut.wall_time, 3),
            "binding": cut.binding,
        },
        "wall_time_s": round(seconds, 3),
    }


def _money(amounts: Iterable[Decimal]) -> str:
    return str(sum(amounts, Decimal(0)).quantize(Decimal("0.01")))
