"""ERP orders as the frames anomaly/ scores: the whole history for training, and one live
batch with the few past orders its features need.

Columns of an order frame: order_id, customer, channel, created_at, ship_region,
billing_region (the customer's own region), address_key, value (goods after discount),
discount, cost, max_line_qty_ratio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from anomaly.order_baseline import Baseline
from anomaly.order_features import DAY
from erp_core.adapters.database import Database
from erp_core.queries import anomaly_history as history_q
from erp_core.services.anomaly_scoring import ScoringOrder, address_key

ORDER_COLUMNS = [
    "order_id",
    "customer",
    "channel",
    "created_at",
    "ship_region",
    "billing_region",
    "address_key",
    "value",
    "discount",
    "cost",
]


@dataclass(frozen=True)
class TrainingData:
    orders: pd.DataFrame  # ORDER_COLUMNS + max_line_qty_ratio, oldest first
    lines: pd.DataFrame  # order_id, sku, qty
    outcomes: pd.Series  # order_id -> confirmed_fraud | false_positive
    planted: pd.Series  # order_id -> kind (demo evaluation only)


def training_data(db: Database, since: datetime | None = None) -> TrainingData:
    rows, line_rows, outcomes, planted = db.read(
        lambda s: (
            history_q.training_orders(s, since),
            history_q.training_lines(s, since),
            history_q.outcome_labels(s),
            history_q.planted_labels(s),
        )
    )
    orders = pd.DataFrame(
        [
            (
                order_id,
                customer or f"guest:{order_id}",
                channel,
                created_at,
                ship_to.get("country"),
                region,
                address_key(ship_to) or f"unknown:{order_id}",
                float(goods - discount),
                float(discount),
            )
            for order_id, channel, customer, region, ship_to, created_at, goods, discount in rows
        ],
        columns=ORDER_COLUMNS[:-1],
    )
    lines = pd.DataFrame(line_rows, columns=["order_id", "sku", "qty", "unit_cost"])
    lines["qty"] = lines["qty"].astype(float)
    cost = (lines["qty"] * lines["unit_cost"].astype(float)).groupby(lines["order_id"]).sum()
    orders["cost"] = orders["order_id"].map(cost).fillna(0.0).to_numpy(dtype=float)
    orders["created_at"] = pd.to_datetime(orders["created_at"], utc=True)
    return TrainingData(
        orders=orders,
        lines=lines[["order_id", "sku", "qty"]],
        outcomes=pd.Series(outcomes, dtype=object),
        planted=pd.Series(planted, dtype=object),
    )


def with_qty_ratio(orders: pd.DataFrame, lines: pd.DataFrame, baseline: Baseline) -> pd.DataFrame:
    ratio = baseline.line_qty_ratio(lines)
    return orders.assign(max_line_qty_ratio=orders["order_id"].map(ratio).fillna(1.0))


def live_frames(
    session: Session, orders: Sequence[ScoringOrder], baseline: Baseline
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The batch as an order frame, and the history its features need: every past order of
    its known customers, and the last day's orders to its addresses."""
    customers = {o.customer_id for o in orders if o.customer_id is not None}
    addresses = {o.address_key for o in orders if o.address_key}
    since = min(o.created_at for o in orders) - DAY.to_pytimedelta()
    by_customer = history_q.customer_orders(session, customers)
    by_address = history_q.address_orders(session, addresses, since)
    frame = pd.DataFrame(
        {
            "order_id": np.arange(len(orders)),
            "customer": [
                f"c{o.customer_id}" if o.customer_id is not None else f"new:{i}"
                for i, o in enumerate(orders)
            ],
            "channel": [o.channel for o in orders],
            "created_at": pd.DatetimeIndex([o.created_at for o in orders]).tz_convert("UTC"),
            "ship_region": [o.ship_region for o in orders],
            "billing_region": np.array([o.customer_region for o in orders], dtype=object),
            "address_key": [o.address_key or f"unknown:{i}" for i, o in enumerate(orders)],
            "value": np.array([o.value for o in orders]),
            "discount": np.array([o.discount for o in orders]),
            "cost": np.array([o.cost for o in orders]),
            "max_line_qty_ratio": np.array([baseline.qty_ratio(o.lines) for o in orders]),
        }
    )
    # A past order is a customer row or an address row; each counts only for its own key.
    history = pd.DataFrame(
        {
            "customer": np.array(
                [f"c{c}" for c, _, _ in by_customer] + [None] * len(by_address), dtype=object
            ),
            "address_key": np.array(
                [None] * len(by_customer) + [a for a, _ in by_address], dtype=object
            ),
            "created_at": pd.DatetimeIndex(
                [t for _, t, _ in by_customer] + [t for _, t in by_address], tz="UTC"
            ),
            "value": np.array([float(v) for _, _, v in by_customer] + [np.nan] * len(by_address)),
        }
    )
    return frame, history
