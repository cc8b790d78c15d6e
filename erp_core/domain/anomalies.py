"""Anomaly flags: their kinds, how a flag ends, and who may end it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from erp_core.domain.access import Role
from erp_core.domain.errors import Conflict


class FlagKind(StrEnum):
    ORDER = "order"  # an order held at validation (worked through its hold)
    RETURN = "return"  # a return whose refund should wait for a look
    CUSTOMER = "customer"  # a serial returner
    SKU = "sku"  # a SKU's return rate far above its own history
    DEMAND = "demand"  # a day of demand far outside its forecast interval


class FlagStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"  # a real anomaly
    DISMISSED = "dismissed"  # a false alarm


class Outcome(StrEnum):
    """What resolving an anomaly hold taught: the label the next training reads."""

    CONFIRMED_FRAUD = "confirmed_fraud"
    FALSE_POSITIVE = "false_positive"


class FlagOpen(Conflict):
    """Money waits while an anomaly flag on what it pays for is open."""

    code = "anomaly_flag_open"


# Admins resolve anything; otherwise the team that acts on the flag decides.
FLAG_RESOLVERS: dict[FlagKind, frozenset[Role]] = {
    FlagKind.ORDER: frozenset({Role.OPERATIONS}),
    FlagKind.RETURN: frozenset({Role.OPERATIONS, Role.FINANCE}),
    FlagKind.CUSTOMER: frozenset({Role.OPERATIONS, Role.FINANCE}),
    FlagKind.SKU: frozenset({Role.OPERATIONS, Role.PLANNER}),
    FlagKind.DEMAND: frozenset({Role.PLANNER, Role.OPERATIONS}),
}


def may_resolve_flag(role: Role, kind: FlagKind) -> bool:
    return role == Role.ADMIN or role in FLAG_RESOLVERS[kind]


@dataclass(frozen=True)
class NewFlag:
    """A flag a scan raises. `subject` names it readably and is unique per kind, so a rescan
    of the same subject refreshes the flag rather than adding one."""

    kind: FlagKind
    subject: str
    score: float
    reasons: list[str]
    details: dict[str, Any] = field(default_factory=dict)
    order_id: int | None = None
    return_id: int | None = None
    customer_id: int | None = None
    item_id: int | None = None
    location_id: int | None = None
    day: date | None = None
