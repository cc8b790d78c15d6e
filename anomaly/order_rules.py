"""Explicit order rules on the features of `order_features`: each rule that fires adds a
strength in (0, 1] and a reason in business words; strengths combine as independent alarms.

The rules read feature columns as numpy arrays, so scoring one live order costs microseconds
rather than a DataFrame's overhead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd

from anomaly.order_features import FEATURES

Columns = Mapping[str, np.ndarray]

# A customer's orders rarely spread more than 3x around their median; 5x is a different buyer.
CUSTOMER_VALUE_RATIO = 5.0
# New accounts placing big first orders are the classic stolen-card pattern; 3x the channel's
# median is well above what a first basket usually costs.
FIRST_ORDER_CHANNEL_RATIO = 3.0
# A third order to one address within an hour is a burst, not a customer topping up a basket.
ADDRESS_ORDERS_IN_HOUR = 2
# Ten orders to one address in a day outgrows even a busy office reception.
ADDRESS_ORDERS_IN_DAY = 9
# Same for one customer: the third order in an hour usually means a scripted checkout.
CUSTOMER_ORDERS_IN_HOUR = 2
# Promotions in the catalogue stop at about 30% off; deeper means a leaked or stacked code.
DISCOUNT_DEPTH = 0.35
# Selling below cost after discount is never planned.
MARGIN_FLOOR = 0.0
# Billing and shipping regions differ for gifts too, so alone it is a weak signal.
MISMATCH_STRENGTH = 0.3
# Base strength of a fired rule; it rises to 1 as the breach grows to the rule's `full` level.
FIRED_STRENGTH = 0.6


@dataclass(frozen=True)
class Rule:
    """Fires where `measure` reaches `threshold`; strength grows until `full`."""

    name: str
    measure: Callable[[Columns], np.ndarray]
    threshold: float
    full: float
    reason: Callable[[SimpleNamespace], str]
    covers: tuple[str, ...]

    def strength(self, features: Columns) -> np.ndarray:
        x = np.asarray(self.measure(features), dtype=float)
        growth = np.clip((x - self.threshold) / (self.full - self.threshold), 0.0, 1.0)
        return np.where(x >= self.threshold, FIRED_STRENGTH + (1 - FIRED_STRENGTH) * growth, 0.0)


def _column(name: str) -> Callable[[Columns], np.ndarray]:
    return lambda f: f[name]


def _first_order_ratio(f: Columns) -> np.ndarray:
    return np.where(f["is_first_order"] > 0, f["value_vs_channel_median"], 0.0)


def _lost_margin(f: Columns) -> np.ndarray:
    return -f["margin_after_discount"]


RULES = (
    Rule(
        "value_vs_customer",
        _column("value_vs_customer_median"),
        CUSTOMER_VALUE_RATIO,
        4 * CUSTOMER_VALUE_RATIO,
        lambda r: f"order value {r.value_vs_customer_median:.1f}x this customer's median",
        ("value_vs_customer_median",),
    ),
    Rule(
        "first_order_value",
        _first_order_ratio,
        FIRST_ORDER_CHANNEL_RATIO,
        4 * FIRST_ORDER_CHANNEL_RATIO,
        lambda r: f"first order, value {r.value_vs_channel_median:.1f}x the channel's median",
        ("value_vs_channel_median", "is_first_order", "customer_orders_before"),
    ),
    Rule(
        "address_hour",
        _column("address_orders_last_hour"),
        ADDRESS_ORDERS_IN_HOUR,
        3 * ADDRESS_ORDERS_IN_HOUR,
        lambda r: f"{r.address_orders_last_hour + 1:.0f} orders to this address in 1 hour",
        ("address_orders_last_hour",),
    ),
    Rule(
        "address_day",
        _column("address_orders_last_day"),
        ADDRESS_ORDERS_IN_DAY,
        3 * ADDRESS_ORDERS_IN_DAY,
        lambda r: f"{r.address_orders_last_day + 1:.0f} orders to this address in 1 day",
        ("address_orders_last_day",),
    ),
    Rule(
        "customer_hour",
        _column("customer_orders_last_hour"),
        CUSTOMER_ORDERS_IN_HOUR,
        3 * CUSTOMER_ORDERS_IN_HOUR,
        lambda r: f"{r.customer_orders_last_hour + 1:.0f} orders from this customer in 1 hour",
        ("customer_orders_last_hour",),
    ),
    Rule(
        "deep_discount",
        _column("discount_depth"),
        DISCOUNT_DEPTH,
        0.8,
        lambda r: f"discount of {r.discount_depth:.0%}",
        ("discount_depth",),
    ),
    Rule(
        "negative_margin",
        _lost_margin,
        # Strictly below the floor: a zero-margin order is break-even, not a loss.
        MARGIN_FLOOR + 1e-9,
        0.5,
        lambda r: f"negative margin after discount ({r.margin_after_discount:.0%})",
        ("margin_after_discount",),
    ),
)


@dataclass(frozen=True)
class RuleResult:
    """Per order: `score` in [0, 1], the reasons that fired, and the features they explain."""

    score: np.ndarray
    reasons: list[list[str]]
    covered: list[set[str]]


def apply_rules(features: pd.DataFrame) -> RuleResult:
    """Score every order of a feature frame by the rules; reasons are strongest first."""
    return rules_on(features[list(FEATURES)].to_numpy(dtype=float))


def rules_on(x: np.ndarray) -> RuleResult:
    """The rules on a feature matrix whose columns are `FEATURES`, in that order."""
    n = len(x)
    columns = {name: x[:, i] for i, name in enumerate(FEATURES)}
    strengths = np.column_stack([rule.strength(columns) for rule in RULES] + [np.zeros(n)])
    mismatch = columns["address_mismatch"] > 0
    strengths[:, -1] = np.where(mismatch, MISMATCH_STRENGTH, 0.0)
    score = 1.0 - np.prod(1.0 - strengths, axis=1)
    reasons: list[list[str]] = [[] for _ in range(n)]
    covered: list[set[str]] = [set() for _ in range(n)]
    # Only the few orders where a rule fired need words.
    for position in np.flatnonzero(score > 0):
        row = SimpleNamespace(**dict(zip(FEATURES, x[position].tolist(), strict=True)))
        row_strengths = strengths[position]
        fired = [i for i in np.argsort(-row_strengths, kind="stable") if row_strengths[i] > 0]
        reasons[position] = [_reason(i, row) for i in fired]
        covered[position] = {name for i in fired for name in _covers(i)}
    return RuleResult(score=score, reasons=reasons, covered=covered)


def _reason(index: int, row: SimpleNamespace) -> str:
    if index == len(RULES):
        return "billing and shipping regions differ"
    return RULES[index].reason(row)


def _covers(index: int) -> tuple[str, ...]:
    return ("address_mismatch",) if index == len(RULES) else RULES[index].covers
