"""Generated orders with injected anomalies of known kinds, in the frame `order_features`
takes: the evaluation data of the order anomaly tests and benchmark."""

from __future__ import annotations

import numpy as np
import pandas as pd

START = pd.Timestamp("2026-01-01", tz="UTC")
CHANNELS = ["web", "marketplace", "b2b", "service"]
CHANNEL_SCALE = {"web": 1.0, "marketplace": 0.8, "b2b": 5.0, "service": 1.2}
REGIONS = [f"R{i}" for i in range(8)]
REGION_WEIGHTS = np.array([30, 25, 15, 10, 8, 6, 4, 2], dtype=float) / 100


def normal_orders(rng: np.random.Generator, n: int, days: int, prefix: str) -> pd.DataFrame:
    """Ordinary orders of 1,500 customers with their own value level, region and channel."""
    customers = rng.integers(0, 1500, n)
    cust_rng = np.random.default_rng(7)  # customers keep their traits across frames
    typical = np.exp(cust_rng.normal(4.0, 0.5, 1500))
    home = cust_rng.choice(len(REGIONS), 1500, p=REGION_WEIGHTS)
    channel_of = cust_rng.choice(len(CHANNELS), 1500, p=[0.5, 0.3, 0.1, 0.1])
    channel = np.array(CHANNELS)[channel_of[customers]]
    scale = np.array([CHANNEL_SCALE[c] for c in channel])
    value = np.round(typical[customers] * scale * np.exp(rng.normal(0, 0.3, n)), 2)
    discount = np.where(rng.random(n) < 0.3, value * rng.uniform(0.05, 0.3, n), 0.0)
    ship = home[customers]
    ship = np.where(rng.random(n) < 0.05, rng.integers(0, len(REGIONS), n), ship)
    billing = np.where(rng.random(n) < 0.03, rng.integers(0, len(REGIONS), n), ship)
    billing_region = pd.Series(np.array(REGIONS)[billing], dtype=object)
    billing_region[rng.random(n) < 0.3] = None
    lines = rng.integers(1, 6, n)
    return pd.DataFrame(
        {
            "order_id": [f"{prefix}{i}" for i in range(n)],
            "customer": [f"C{c}" for c in customers],
            "channel": channel,
            "created_at": START + pd.to_timedelta(rng.uniform(0, days * 86400, n), unit="s"),
            "ship_region": np.array(REGIONS)[ship],
            "billing_region": billing_region,
            "address_key": [
                f"A{c}-{k}" for c, k in zip(customers, rng.integers(0, 2, n), strict=True)
            ],
            "value": value,
            "discount": np.round(discount, 2),
            "cost": np.round((value + discount) * rng.uniform(0.45, 0.65, n), 2),
            "lines": lines,
            "units": lines + rng.integers(0, 3, n),
            "max_line_qty_ratio": np.exp(rng.normal(0, 0.3, n)),
        }
    )


def inject(rng: np.random.Generator, orders: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Orders with 110 anomalies mixed in (25 value spikes, 25 deep discounts, 6 bursts of 5
    orders to one address, 20 billing/shipping mismatches), and each order's kind ("" for
    an ordinary one)."""
    orders = orders.copy()
    kinds = pd.Series("", index=orders.index)
    picks = rng.choice(len(orders), 50, replace=False)
    spikes, discounts = picks[:25], picks[25:]
    orders.loc[spikes, ["value", "cost"]] *= rng.uniform(8, 15, (25, 1))
    kinds[spikes] = "value spike"
    gross = orders.loc[discounts, "value"] + orders.loc[discounts, "discount"]
    orders.loc[discounts, "discount"] = gross * rng.uniform(0.45, 0.7, 25)
    orders.loc[discounts, "value"] = gross - orders.loc[discounts, "discount"]
    kinds[discounts] = "deep discount"
    extra = []
    for burst in range(6):
        when = START + pd.Timedelta(days=60 + 2 * burst, hours=3)
        for k in range(5):
            row = orders.iloc[0].copy()
            row["order_id"], row["customer"] = f"burst{burst}-{k}", f"N{burst}-{k}"
            row["address_key"], row["channel"] = f"drop{burst}", "web"
            row["created_at"] = when + pd.Timedelta(minutes=8 * k)
            row["value"], row["discount"], row["cost"] = 90.0, 0.0, 50.0
            row["ship_region"] = row["billing_region"] = "R7"
            extra.append((row, "velocity burst"))
    for i in range(20):
        row = orders.iloc[0].copy()
        row["order_id"], row["customer"], row["channel"] = f"mis{i}", f"M{i}", "web"
        row["address_key"] = f"mis-addr{i}"
        row["created_at"] = START + pd.Timedelta(days=60.5 + 0.6 * i)
        row["ship_region"], row["billing_region"] = "R7", "R0"
        row["value"], row["discount"] = 130.0, 0.0
        row["cost"], row["max_line_qty_ratio"] = 70.0, 2.5
        extra.append((row, "address mismatch"))
    added = pd.DataFrame([row for row, _ in extra])
    orders = pd.concat([orders, added], ignore_index=True)
    kinds = pd.concat([kinds, pd.Series([kind for _, kind in extra])], ignore_index=True)
    orders["kind"] = kinds
    orders = orders.sort_values("created_at", kind="stable", ignore_index=True)
    return orders.drop(columns="kind"), pd.Series(
        orders["kind"].to_numpy(), index=orders["order_id"]
    )


def scenario(
    seed: int, history_orders: int, recent_orders: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """(history, recent orders with anomalies injected, kind per recent order): 60 days of
    history, then 14 days of recent orders."""
    rng = np.random.default_rng(seed)
    history = normal_orders(rng, history_orders, 60, "H")
    recent = normal_orders(rng, recent_orders, 14, "O")
    recent["created_at"] += pd.Timedelta(days=60)
    orders, kinds = inject(rng, recent)
    return history, orders, kinds
