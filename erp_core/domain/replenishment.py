"""Replenishment plans: their life, their lines' states, and what a plan request may ask."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum

from erp_core.domain.errors import IllegalTransition, InvalidInput

SERVICE_TYPES = ("cycle", "fill_rate")


class PlanStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"


class LineStatus(StrEnum):
    ORDER = "order"  # the plan suggests buying
    NO_ORDER = "no_order"  # position is above the reorder point
    CANNOT_PLAN = "cannot_plan"  # no forecast, no supplier, ...: the line says why
    DROPPED = "dropped"  # a planner took it out before approval


def check_budget(budget: Decimal | None) -> None:
    if budget is not None and budget < 0:
        raise InvalidInput("a budget cannot be negative", budget=str(budget))


def check_service_levels(levels: Mapping[str, float]) -> None:
    for key, level in levels.items():
        if not 0 < level < 1:
            raise InvalidInput(
                f"the service target for {key} must lie strictly between 0 and 1",
                key=key,
                level=level,
            )


def check_service_type(service_type: str) -> None:
    if service_type not in SERVICE_TYPES:
        raise InvalidInput(
            f"the service type is one of {', '.join(SERVICE_TYPES)}",
            service_type=service_type,
            allowed=SERVICE_TYPES,
        )


def check_limits(limits: Mapping[str, int]) -> None:
    for key, limit in limits.items():
        if limit < 0:
            raise InvalidInput(f"the limit for {key} cannot be negative", key=key, limit=limit)


def check_editable(plan_id: int, status: PlanStatus) -> None:
    if status != PlanStatus.PROPOSED:
        raise IllegalTransition(
            f"plan {plan_id} is {status.value}; only a proposed plan changes",
            id=plan_id,
            status=status.value,
        )


def check_line_qty(qty: int, moq: int, pack_size: int) -> None:
    """A planner's edit keeps to what the supplier sells: zero, or MOQ and whole packs."""
    if qty < 0:
        raise InvalidInput("a quantity cannot be negative", qty=qty)
    if qty and (qty < moq or qty % pack_size):
        raise InvalidInput(
            f"the supplier sells at least {moq}, in packs of {pack_size}",
            qty=qty,
            moq=moq,
            pack_size=pack_size,
        )
