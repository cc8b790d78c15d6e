"""Per-order numeric features for anomaly scoring, built from the orders being scored and the
history before them. Everything is vectorised: velocity windows are answered with one sorted
search over (key, time) rather than a loop over history.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from anomaly.order_baseline import Baseline

HOUR = pd.Timedelta(hours=1)
DAY = pd.Timedelta(days=1)
# A window long enough to mean "ever" without overflowing timestamp arithmetic.
EVER = pd.Timedelta(days=365 * 100)

FEATURES = (
    "value_vs_customer_median",
    "value_vs_channel_median",
    "customer_orders_before",
    "is_first_order",
    "customer_orders_last_hour",
    "customer_orders_last_day",
    "address_orders_last_hour",
    "address_orders_last_day",
    "address_mismatch",
    "discount_depth",
    "margin_after_discount",
    "region_share_for_channel",
    "max_line_qty_ratio",
)


def order_features(
    orders: pd.DataFrame, history: pd.DataFrame, baseline: Baseline | None = None
) -> pd.DataFrame:
    """One row per order (index `order_id`) with the columns in `FEATURES`.

    Customer medians come from `history` only, and the channel's median and region shares from
    `baseline` (by default, the baseline of `history`), so a batch never shifts its own
    baseline; velocity and order counts see history plus earlier orders of the batch, strictly
    before each order's `created_at`. History rows without a customer or an address key count
    only for the key they have.
    """
    baseline = baseline if baseline is not None else Baseline.of(history)
    value = orders["value"].to_numpy(dtype=float)
    discount = orders["discount"].to_numpy(dtype=float)
    cost = orders["cost"].to_numpy(dtype=float)
    # The past is history plus the batch itself: arrays side by side, no frame copied.
    order_time = _ns(orders["created_at"])
    past_time = np.concatenate([_ns(history["created_at"]), order_time])
    codes = {key: _codes(history[key], orders[key]) for key in ("customer", "address_key")}
    counts = {
        name: _count_before(*codes[key], past_time, order_time, window)
        for name, key, window in (
            ("customer_orders_before", "customer", EVER),
            ("customer_orders_last_hour", "customer", HOUR),
            ("customer_orders_last_day", "customer", DAY),
            ("address_orders_last_hour", "address_key", HOUR),
            ("address_orders_last_day", "address_key", DAY),
        )
    }
    billing = orders["billing_region"].to_numpy(dtype=object)
    mismatch = pd.notna(billing) & (billing != orders["ship_region"].to_numpy(dtype=object))
    gross = value + discount
    qty_ratio = (
        orders["max_line_qty_ratio"].fillna(1.0).to_numpy(dtype=float)
        if "max_line_qty_ratio" in orders
        else np.ones(len(orders))
    )
    columns = {
        "value_vs_customer_median": _ratio_to_median(orders, history, "customer"),
        "value_vs_channel_median": _ratio(value, orders["channel"].map(baseline.channel_median)),
        **counts,
        "is_first_order": (counts["customer_orders_before"] == 0).astype(float),
        "address_mismatch": mismatch.astype(float),
        "discount_depth": np.divide(discount, gross, out=np.zeros(len(orders)), where=gross > 0),
        "margin_after_discount": _margin(value, cost),
        "region_share_for_channel": baseline.region_shares(orders),
        "max_line_qty_ratio": qty_ratio,
    }
    return pd.DataFrame(
        np.column_stack([columns[name] for name in FEATURES]) if len(orders) else None,
        index=pd.Index(orders["order_id"], name="order_id"),
        columns=list(FEATURES),
        dtype=float,
    )


def _codes(history: pd.Series, orders: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Dense integer codes of the keys of the past (history, then the batch) and of the
    batch, equal for equal keys."""
    batch = orders.to_numpy(dtype=object)
    codes, _ = pd.factorize(np.concatenate([history.to_numpy(dtype=object), batch]))
    return codes, codes[len(codes) - len(batch) :]


def _count_before(
    past_code: np.ndarray,
    order_code: np.ndarray,
    past_time: np.ndarray,
    order_time: np.ndarray,
    window: pd.Timedelta,
) -> np.ndarray:
    """Past orders with the same key code and a time in [t - window, t) for each order.

    Times are turned into dense ranks so that (key, time) packs into one sortable int64 and
    two `searchsorted` calls answer every window at once.
    """
    if len(order_code) == 0:
        return np.zeros(0)
    start_time = order_time - window.value
    times = np.unique(np.concatenate([past_time, order_time, start_time]))
    span = len(times) + 1

    def packed(code: np.ndarray, time: np.ndarray) -> np.ndarray:
        return code.astype(np.int64) * span + np.searchsorted(times, time)

    sorted_past = np.sort(packed(past_code, past_time))
    upto = np.searchsorted(sorted_past, packed(order_code, order_time), side="left")
    since = np.searchsorted(sorted_past, packed(order_code, start_time), side="left")
    return (upto - since).astype(float)


def _ns(times: pd.Series) -> np.ndarray:
    if isinstance(times.dtype, pd.DatetimeTZDtype) and times.dtype.unit == "ns":
        return times.to_numpy(dtype="int64")  # already what we need: skip the conversion
    return pd.to_datetime(times, utc=True).astype("datetime64[ns, UTC]").astype("int64").to_numpy()


def _ratio_to_median(orders: pd.DataFrame, history: pd.DataFrame, key: str) -> np.ndarray:
    """Order value over the median history value for the same `key`; 1 when there is none."""
    if history.empty:
        return np.ones(len(orders))
    medians = history.groupby(key)["value"].median()
    return _ratio(orders["value"].to_numpy(dtype=float), orders[key].map(medians))


def _ratio(value: np.ndarray, median: pd.Series) -> np.ndarray:
    median_values = median.to_numpy(dtype=float)
    known = np.nan_to_num(median_values, nan=0.0) > 0
    return np.divide(value, median_values, out=np.ones(len(value)), where=known)


def _margin(value: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """(value - cost) / value; an order given away for nothing counts as the worst margin."""
    worst = np.where(cost > 0, -1.0, 0.0)
    margin = np.divide(value - cost, value, out=worst, where=value > 0)
    # Bounded so one absurd order cannot stretch the scale every other order is judged on.
    return np.clip(margin, -10.0, 1.0)
