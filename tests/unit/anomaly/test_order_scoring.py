"""Order anomaly scoring on generated orders with injected anomalies of known kinds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomaly.order_features import FEATURES, order_features
from anomaly.order_scorer import OrderScorer, _transform

START = pd.Timestamp("2026-01-01", tz="UTC")
CHANNELS = ["web", "marketplace", "b2b", "service"]
CHANNEL_SCALE = {"web": 1.0, "marketplace": 0.8, "b2b": 5.0, "service": 1.2}
REGIONS = [f"R{i}" for i in range(8)]
REGION_WEIGHTS = np.array([30, 25, 15, 10, 8, 6, 4, 2], dtype=float) / 100


def _normal_orders(rng: np.random.Generator, n: int, days: int, prefix: str) -> pd.DataFrame:
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


def _inject(rng: np.random.Generator, orders: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Returns orders with anomalies mixed in and each anomalous order's kind."""
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


@pytest.fixture(scope="module")
def scenario() -> tuple[pd.DataFrame, pd.Series, OrderScorer]:
    rng = np.random.default_rng(42)
    history = _normal_orders(rng, 15_000, 60, "H")
    recent = _normal_orders(rng, 10_000, 14, "O")
    recent["created_at"] += pd.Timedelta(days=60)
    orders, kinds = _inject(rng, recent)
    features = order_features(orders, history)
    return features, kinds, OrderScorer(hold_rate=0.01).fit(features)


@pytest.fixture(scope="module")
def scored(scenario) -> pd.DataFrame:
    features, _, scorer = scenario
    return scorer.score(features)


def _precision_recall(hold: pd.Series, kinds: pd.Series) -> tuple[float, float]:
    anomalous = kinds.reindex(hold.index) != ""
    caught = (hold & anomalous).sum()
    return caught / max(hold.sum(), 1), caught / anomalous.sum()


def test_model_and_rules_recall_at_least_rules_only_at_one_percent(scenario, scored):
    features, kinds, scorer = scenario
    combined = scored
    baseline = scorer.rules_only(features)
    precision, recall = _precision_recall(combined["hold"], kinds)
    base_precision, base_recall = _precision_recall(baseline["hold"], kinds)
    assert combined["hold"].mean() <= 0.01 and baseline["hold"].mean() <= 0.01
    assert recall >= base_recall and recall > 0.7
    assert precision >= 0.7


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("value spike", "this customer's median"),
        ("deep discount", "discount of"),
        ("velocity burst", "to this address in 1 hour"),
        ("address mismatch", "billing and shipping regions differ"),
    ],
)
def test_reasons_of_held_injected_orders_name_their_cause(scenario, scored, kind, words):
    _, kinds, _ = scenario
    result = scored
    held = result[result["hold"] & (kinds.reindex(result.index) == kind)]
    assert len(held) > 0
    for reasons in held["reasons"]:
        assert any(words in reason for reason in reasons), reasons


def test_scoring_is_deterministic(scenario):
    features, _, scorer = scenario
    sample = features.iloc[::50]
    first, second = scorer.score(sample), scorer.score(sample)
    pd.testing.assert_frame_equal(first, second)
    # An order scores the same alone as inside a batch.
    single = scorer.score(sample.iloc[[3]])
    pd.testing.assert_frame_equal(single, first.iloc[[3]])


def _order(order_id: str, minutes: float, customer: str = "C1", address: str = "A1") -> dict:
    return {
        "order_id": order_id,
        "customer": customer,
        "channel": "web",
        "created_at": START + pd.Timedelta(minutes=minutes),
        "ship_region": "R0",
        "billing_region": None,
        "address_key": address,
        "value": 50.0,
        "discount": 0.0,
        "cost": 30.0,
        "lines": 1,
        "units": 1,
    }


def test_velocity_counts_only_look_backwards():
    history = pd.DataFrame([_order("h1", -90), _order("h2", -30)])
    orders = pd.DataFrame(
        [
            _order("o3", 50, customer="C2"),  # later in time, listed first
            _order("o1", 0),
            _order("o2", 0, customer="C2"),  # same instant as o1: not before it
            _order("o4", 24 * 60 + 5),
        ]
    )
    features = order_features(orders, history)
    assert features["address_orders_last_hour"].to_dict() == {
        "o3": 2.0,
        "o1": 1.0,
        "o2": 1.0,
        "o4": 0.0,
    }
    assert features["address_orders_last_day"].to_dict() == {
        "o3": 4.0,
        "o1": 2.0,
        "o2": 2.0,
        "o4": 1.0,
    }
    assert features["customer_orders_before"].to_dict() == {
        "o3": 1.0,
        "o1": 2.0,
        "o2": 0.0,
        "o4": 3.0,
    }
    assert features["is_first_order"]["o2"] == 1.0


def test_features_on_empty_history():
    orders = pd.DataFrame([_order("o1", 0), _order("o2", 5, customer="C2")])
    orders.loc[1, ["billing_region", "discount", "cost"]] = ["R3", 50.0, 60.0]
    history = orders.iloc[0:0]
    features = order_features(orders, history)
    assert list(features.columns) == list(FEATURES)
    row = features.loc["o2"]
    assert row["value_vs_customer_median"] == 1.0 and row["value_vs_channel_median"] == 1.0
    assert row["region_share_for_channel"] == 1.0
    assert row["address_orders_last_hour"] == 1.0 and row["is_first_order"] == 1.0
    assert row["address_mismatch"] == 1.0 and row["discount_depth"] == 0.5
    assert row["margin_after_discount"] == pytest.approx(-0.2)
    assert features.loc["o1", "max_line_qty_ratio"] == 1.0


def test_flattened_forest_scores_match_scikit_learn(scenario):
    features, _, scorer = scenario
    scaled = scorer.scaler.transform(_transform(features.iloc[::10]))
    expected = -scorer.forest.score_samples(scaled)
    np.testing.assert_allclose(scorer._paths.anomaly_score(scaled), expected, rtol=0, atol=1e-12)
