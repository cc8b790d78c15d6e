"""Order validation: which checks an order must pass before release, per channel policy, and
who may resolve the hold each failed check opens."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from erp_core.domain.access import Role
from erp_core.domain.orders import OrderAmounts, PaymentStatus


class HoldReason(StrEnum):
    PAYMENT = "payment"
    ADDRESS = "address"
    RESTRICTED_ITEM = "restricted_item"
    MARGIN = "margin"
    MAX_VALUE = "max_value"
    SHIPPING_METHOD = "shipping_method"
    ANOMALY = "anomaly"
    STOCK = "stock"


class HoldStatus(StrEnum):
    OPEN = "open"
    RELEASED = "released"
    CANCELLED = "cancelled"


# Admins resolve anything; otherwise the team that owns the risk decides.
RESOLVERS: dict[HoldReason, frozenset[Role]] = {
    HoldReason.PAYMENT: frozenset({Role.FINANCE}),
    HoldReason.MARGIN: frozenset({Role.FINANCE}),
    HoldReason.MAX_VALUE: frozenset({Role.FINANCE}),
    HoldReason.ADDRESS: frozenset({Role.CUSTOMER_SERVICE, Role.OPERATIONS}),
    HoldReason.SHIPPING_METHOD: frozenset({Role.CUSTOMER_SERVICE, Role.OPERATIONS}),
    HoldReason.RESTRICTED_ITEM: frozenset({Role.OPERATIONS}),
    HoldReason.ANOMALY: frozenset({Role.OPERATIONS}),
    HoldReason.STOCK: frozenset({Role.OPERATIONS, Role.PLANNER}),
}

REQUIRED_ADDRESS_FIELDS = ("name", "line1", "city", "postcode", "country")


def may_resolve(role: Role, reason: HoldReason) -> bool:
    return role == Role.ADMIN or role in RESOLVERS[reason]


@dataclass(frozen=True)
class OrderPolicy:
    """A channel's validation rules; None switches a check off."""

    accepted_payment: frozenset[PaymentStatus] = frozenset(
        {PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED}
    )
    margin_floor: Decimal | None = None
    max_order_value: Decimal | None = None
    shipping_methods: frozenset[str] | None = None
    anomaly_check: bool = True
    # Overrides the model's own threshold (set from its target hold rate) for this channel.
    anomaly_threshold: float | None = None
    hold_without_stock: bool = False
    ship_partial: bool = True


@dataclass(frozen=True)
class OrderFacts:
    """What validation needs to know about one order, gathered by the capture service."""

    ship_to: Mapping[str, str | None]
    payment: PaymentStatus
    shipping_method: str
    amounts: OrderAmounts
    restricted_regions: Mapping[str, list[str]] = field(default_factory=dict)
    short_skus: list[str] = field(default_factory=list)
    anomaly: AnomalyVerdict | None = None


@dataclass(frozen=True)
class Finding:
    reason: HoldReason
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AnomalyVerdict:
    """An order's anomaly score (0-1, higher is stranger), the score it is held at, and the
    reasons in business words; `scored_by` is 'model', or 'rules' when no model could score
    and `note` says why."""

    score: float
    threshold: float
    reasons: list[str]
    features: dict[str, float]
    scored_by: str
    model_version: str | None = None
    note: str | None = None

    @property
    def hold(self) -> bool:
        return self.score >= self.threshold


def failed_checks(facts: OrderFacts, policy: OrderPolicy) -> list[Finding]:
    """Every check the order fails, in a fixed order; an empty list means ready to release."""
    checks = (_payment, _address, _restricted, _margin, _max_value, _shipping, _anomaly, _stock)
    return [finding for check in checks if (finding := check(facts, policy)) is not None]


def _payment(facts: OrderFacts, policy: OrderPolicy) -> Finding | None:
    if facts.payment in policy.accepted_payment:
        return None
    return Finding(
        HoldReason.PAYMENT,
        f"payment is {facts.payment.value}",
        {"payment_status": facts.payment.value},
    )


def _address(facts: OrderFacts, policy: OrderPolicy) -> Finding | None:
    missing = [f for f in REQUIRED_ADDRESS_FIELDS if not (facts.ship_to.get(f) or "").strip()]
    if not missing:
        return None
    return Finding(
        HoldReason.ADDRESS, f"ship-to address lacks {', '.join(missing)}", {"missing": missing}
    )


def _restricted(facts: OrderFacts, policy: OrderPolicy) -> Finding | None:
    places = {p for p in (facts.ship_to.get("country"), facts.ship_to.get("region")) if p}
    blocked = sorted(
        sku for sku, regions in facts.restricted_regions.items() if places & set(regions)
    )
    if not blocked:
        return None
    return Finding(
        HoldReason.RESTRICTED_ITEM,
        f"{', '.join(blocked)} may not ship to {', '.join(sorted(places))}",
        {"skus": blocked},
    )


def _margin(facts: OrderFacts, policy: OrderPolicy) -> Finding | None:
    margin = facts.amounts.margin_rate
    if policy.margin_floor is None or margin is None or margin >= policy.margin_floor:
        return None
    return Finding(
        HoldReason.MARGIN,
        f"margin after discount {margin:.1%} is below the floor {policy.margin_floor:.1%}",
        {"margin_rate": str(round(margin, 4)), "floor": str(policy.margin_floor)},
    )


def _max_value(facts: OrderFacts, policy: OrderPolicy) -> Finding | None:
    total = facts.amounts.total
    if policy.max_order_value is None or total <= policy.max_order_value:
        return None
    return Finding(
        HoldReason.MAX_VALUE,
        f"order total {total} is above the limit {policy.max_order_value}",
        {"total": str(total), "limit": str(policy.max_order_value)},
    )


def _shipping(facts: OrderFacts, policy: OrderPolicy) -> Finding | None:
    allowed = policy.shipping_methods
    if allowed is None or facts.shipping_method in allowed:
        return None
    return Finding(
        HoldReason.SHIPPING_METHOD,
        f"shipping method {facts.shipping_method!r} is not offered on this channel",
        {"method": facts.shipping_method, "allowed": sorted(allowed)},
    )


def _anomaly(facts: OrderFacts, policy: OrderPolicy) -> Finding | None:
    verdict = facts.anomaly
    if not policy.anomaly_check or verdict is None:
        return None
    threshold = verdict.threshold if policy.anomaly_threshold is None else policy.anomaly_threshold
    if verdict.score < threshold:
        return None
    message = "; ".join(verdict.reasons) or f"anomaly score {verdict.score:.2f}"
    if verdict.note:
        message = f"{message} ({verdict.note})"
    return Finding(
        HoldReason.ANOMALY,
        message[:500],
        {
            "score": round(verdict.score, 6),
            "threshold": round(threshold, 6),
            "reasons": verdict.reasons,
            "scored_by": verdict.scored_by,
            "model_version": verdict.model_version,
        },
    )


def _stock(facts: OrderFacts, policy: OrderPolicy) -> Finding | None:
    if not policy.hold_without_stock or not facts.short_skus:
        return None
    return Finding(
        HoldReason.STOCK,
        f"not enough free stock for {', '.join(facts.short_skus)}",
        {"skus": facts.short_skus},
    )
