"""Order anomaly scoring on generated orders with injected anomalies of known kinds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomaly.order_features import FEATURES, order_features
from anomaly.order_scorer import MODEL_WEIGHT, OrderScorer, _matrix, _transform
from anomaly.synthetic_orders import START
from anomaly.synthetic_orders import scenario as synthetic_scenario


@pytest.fixture(scope="module")
def scenario() -> tuple[pd.DataFrame, pd.Series, OrderScorer]:
    history, orders, kinds = synthetic_scenario(42, 15_000, 10_000)
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
    f1, base_f1 = (
        2 * p * r / (p + r) for p, r in ((precision, recall), (base_precision, base_recall))
    )
    assert f1 > base_f1
    # Held to as many orders as the rules hold, the model loses no precision.
    same_count = combined["score"].rank(ascending=False, method="first") <= baseline["hold"].sum()
    assert _precision_recall(same_count, kinds)[0] >= base_precision


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
    scaled = scorer.scaler.transform(_transform(_matrix(features.iloc[::10])))
    expected = -scorer.forest.score_samples(scaled)
    np.testing.assert_allclose(scorer._paths.anomaly_score(scaled), expected, rtol=0, atol=1e-12)


def test_the_matrix_path_scores_as_scikit_learns_scaler_would(scenario):
    features, _, scorer = scenario
    sample = _matrix(features.iloc[::25])
    scaled = scorer.scaler.transform(_transform(sample))
    expected = scorer._combine(scorer._rank(scorer._paths.anomaly_score(scaled)), 0.0)
    score, _, model, rules = scorer.score_matrix(sample)
    np.testing.assert_allclose(score - (1 - MODEL_WEIGHT) * rules, expected, rtol=0, atol=1e-12)
