"""Order anomaly scorer: an IsolationForest on robust-scaled features plus the explicit rules,
with a hold threshold set from a target hold rate on the training orders.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.preprocessing import RobustScaler

from anomaly.order_baseline import Baseline
from anomaly.order_features import FEATURES
from anomaly.order_rules import rules_on

# Heavy-tailed features are compared on a log scale so a 10x order is not 100 times
# as far out as a 2x one.
LOG_FEATURES = ("value_vs_customer_median", "value_vs_channel_median", "max_line_qty_ratio")
COUNT_FEATURES = (
    "customer_orders_before",
    "customer_orders_last_hour",
    "customer_orders_last_day",
    "address_orders_last_hour",
    "address_orders_last_day",
)
LOG_COLUMNS = [FEATURES.index(name) for name in LOG_FEATURES]
COUNT_COLUMNS = [FEATURES.index(name) for name in COUNT_FEATURES]
# Weight of the forest in the combined score; the rest is the rule score. Equal weights let
# either a fired rule or a strongly unusual feature mix reach the hold budget.
MODEL_WEIGHT = 0.5
# A feature is named as a reason when it sits at least this many interquartile ranges from
# the training median (binary flags sit exactly one away when set).
REASON_MIN_DEVIATION = 1.0
MAX_FEATURE_REASONS = 3

PHRASES = {
    "value_vs_customer_median": lambda v: f"order value {v:.1f}x this customer's median",
    "value_vs_channel_median": lambda v: f"order value {v:.1f}x the channel's median",
    "customer_orders_before": lambda v: (
        f"customer has {v:.0f} earlier orders" if v else "first order from this customer"
    ),
    "is_first_order": lambda v: "first order from this customer" if v else "returning customer",
    "customer_orders_last_hour": lambda v: f"{v + 1:.0f} orders from this customer in 1 hour",
    "customer_orders_last_day": lambda v: f"{v + 1:.0f} orders from this customer in 1 day",
    "address_orders_last_hour": lambda v: f"{v + 1:.0f} orders to this address in 1 hour",
    "address_orders_last_day": lambda v: f"{v + 1:.0f} orders to this address in 1 day",
    "address_mismatch": lambda v: (
        "billing and shipping regions differ" if v else "billing and shipping regions match"
    ),
    "discount_depth": lambda v: f"discount of {v:.0%}",
    "margin_after_discount": lambda v: f"margin after discount {v:.0%}",
    "region_share_for_channel": lambda v: f"ship-to region gets {v:.1%} of this channel's orders",
    "max_line_qty_ratio": lambda v: f"a line's quantity is {v:.1f}x the SKU's usual",
}

COLUMNS = ["score", "hold", "reasons", "model_score", "rule_score"]


class OrderScorer:
    """Fit on a batch of order features, then score orders: model and rules, or rules only."""

    def __init__(
        self,
        contamination: float | str = "auto",
        n_estimators: int = 200,
        random_state: int = 0,
        hold_rate: float = 0.01,
    ) -> None:
        if not 0 < hold_rate < 1:
            raise ValueError("hold_rate must be between 0 and 1")
        self.hold_rate = hold_rate
        self.forest = IsolationForest(
            n_estimators=n_estimators,
            contamination=contamination,
            random_state=random_state,
            n_jobs=1,
        )
        self.scaler = RobustScaler()

    def fit(self, features: pd.DataFrame, baseline: Baseline | None = None) -> OrderScorer:
        """Fit on `features`; `baseline` (what is usual per channel and SKU) travels with the
        model so live scoring builds features the way training did."""
        self.baseline = baseline or Baseline()
        x = _matrix(features)
        scaled = self.scaler.fit_transform(_transform(x))
        self.forest.fit(scaled)
        self._paths = ForestPaths(self.forest)
        # Training scores as a sorted reference: the forest's raw score is mapped to its rank
        # among training orders so it is on the same [0, 1] footing as the rule score.
        model = self._paths.anomaly_score(scaled)
        self._reference = np.sort(model)
        rules = rules_on(x).score
        combined = self._combine(self._rank(model), rules)
        self.threshold = hold_threshold(combined, self.hold_rate)
        self.rules_threshold = hold_threshold(rules, self.hold_rate)
        return self

    def score(self, features: pd.DataFrame) -> pd.DataFrame:
        """`score, hold, reasons, model_score, rule_score` per order (index as `features`)."""
        return _result(features.index, *self.score_matrix(_matrix(features)), self.threshold)

    def score_matrix(
        self, x: np.ndarray
    ) -> tuple[np.ndarray, list[list[str]], np.ndarray, np.ndarray]:
        """(score, reasons, model score, rule score) per row of a `FEATURES` matrix: the whole
        of `score` without a DataFrame, for one live order at a time."""
        # RobustScaler's own transform, without its input checks on the hot path.
        scaled = (_transform(x) - self.scaler.center_) / self.scaler.scale_
        model = self._paths.anomaly_score(scaled)
        rules = rules_on(x)
        score = np.clip(self._combine(self._rank(model), rules.score), 0.0, 1.0)
        reasons = [
            [*fired, *_feature_reasons(row, deviation, covered)]
            for row, deviation, fired, covered in zip(
                x, np.abs(scaled), rules.reasons, rules.covered, strict=True
            )
        ]
        return score, reasons, model, rules.score

    def rules_only(self, features: pd.DataFrame) -> pd.DataFrame:
        """The rules-only baseline, held at the same hold rate on the training orders."""
        rules = rules_on(_matrix(features))
        model = np.full(len(features), np.nan)
        return _result(
            features.index, rules.score, rules.reasons, model, rules.score, self.rules_threshold
        )

    def _rank(self, model: np.ndarray) -> np.ndarray:
        return np.searchsorted(self._reference, model, side="right") / len(self._reference)

    @staticmethod
    def _combine(model_rank: np.ndarray, rules: np.ndarray) -> np.ndarray:
        return MODEL_WEIGHT * model_rank + (1 - MODEL_WEIGHT) * rules


def hold_threshold(scores: np.ndarray, hold_rate: float) -> float:
    """The (1 - hold_rate) quantile of `scores`, raised past ties so that holding every score
    at or above it never exceeds the hold rate on these scores."""
    ordered = np.sort(scores)[::-1]
    budget = int(np.floor(hold_rate * len(ordered)))
    if budget == 0:
        return float(np.nextafter(ordered[0], np.inf)) if len(ordered) else 1.0
    last = ordered[budget - 1]
    if budget < len(ordered) and ordered[budget] == last:
        above = ordered[ordered > last]
        return float(above[-1]) if len(above) else float(np.nextafter(last, np.inf))
    return float(last)


class ForestPaths:
    """The fitted forest flattened into arrays and walked for all trees at once.

    Scores equal `-IsolationForest.score_samples`; scikit-learn walks tree by tree through
    joblib, which costs about 8 ms for a single order, while this takes well under one.
    """

    # Rows scored per step, bounding the (rows x trees) working arrays to a few megabytes.
    CHUNK = 2048

    def __init__(self, forest: IsolationForest) -> None:
        trees = [estimator.tree_ for estimator in forest.estimators_]
        offsets = np.cumsum([0] + [tree.node_count for tree in trees])
        self.roots = offsets[:-1]
        left, right, feature, threshold, leaf_value = [], [], [], [], []
        for tree, offset, columns in zip(
            trees, self.roots, forest.estimators_features_, strict=True
        ):
            is_leaf = tree.children_left < 0
            left.append(np.where(is_leaf, -1, tree.children_left + offset))
            right.append(np.where(is_leaf, -1, tree.children_right + offset))
            feature.append(np.where(is_leaf, 0, np.asarray(columns)[np.maximum(tree.feature, 0)]))
            threshold.append(tree.threshold)
            # Same leaf value as scikit-learn: depth counted from 1 at the root, plus the expected
            # depth still to go among the training points left in the leaf, minus one.
            depth = tree.compute_node_depths()
            leaf_value.append(depth + _average_path_length(tree.n_node_samples) - 1.0)
        self.left, self.right = np.concatenate(left), np.concatenate(right)
        self.feature, self.threshold = np.concatenate(feature), np.concatenate(threshold)
        self.leaf_value = np.concatenate(leaf_value)
        self.denominator = len(trees) * _average_path_length(np.array([forest.max_samples_]))[0]

    def anomaly_score(self, x: np.ndarray) -> np.ndarray:
        """Anomaly score in (0, 1] per row; higher is more isolated."""
        # The trees were grown on float32 inputs, so splits compare float32 values.
        x = np.asarray(x, dtype=np.float32).astype(np.float64)
        parts = [
            self._chunk(x[start : start + self.CHUNK]) for start in range(0, len(x), self.CHUNK)
        ]
        depths = np.concatenate(parts) if parts else np.zeros(0)
        if self.denominator == 0:
            return np.ones(len(x))
        return np.power(2.0, -depths / self.denominator)

    def _chunk(self, x: np.ndarray) -> np.ndarray:
        rows = np.arange(len(x))[:, None]
        node = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()
        inner = self.left[node] >= 0
        while inner.any():
            goes_left = x[rows, self.feature[node]] <= self.threshold[node]
            step = np.where(goes_left, self.left[node], self.right[node])
            node = np.where(inner, step, node)
            inner = self.left[node] >= 0
        return self.leaf_value[node].sum(axis=1)


def _average_path_length(n: np.ndarray) -> np.ndarray:
    """Expected path length of an unsuccessful search in a binary tree of `n` points."""
    n = np.asarray(n, dtype=np.float64)
    safe = np.maximum(n, 3.0)
    grown = 2.0 * (np.log(safe - 1.0) + np.euler_gamma) - 2.0 * (safe - 1.0) / safe
    return np.where(n <= 1, 0.0, np.where(n == 2, 1.0, grown))


def _matrix(features: pd.DataFrame) -> np.ndarray:
    return features[list(FEATURES)].to_numpy(dtype=np.float64)


def _transform(x: np.ndarray) -> np.ndarray:
    x = np.array(x, dtype=np.float64)
    x[:, LOG_COLUMNS] = np.log(np.maximum(x[:, LOG_COLUMNS], 1e-3))
    x[:, COUNT_COLUMNS] = np.log1p(x[:, COUNT_COLUMNS])
    return x


def _feature_reasons(row: np.ndarray, deviation: np.ndarray, covered: set[str]) -> list[str]:
    """The features furthest from the training median, skipping those a rule already named."""
    order = np.argsort(-deviation, kind="stable")
    picked = [
        i for i in order if deviation[i] >= REASON_MIN_DEVIATION and FEATURES[i] not in covered
    ][:MAX_FEATURE_REASONS]
    # Two features can tell the same story (no earlier orders, first order): say it once.
    return list(dict.fromkeys(PHRASES[FEATURES[i]](row[i]) for i in picked))


def _result(
    index: pd.Index,
    score: np.ndarray,
    reasons: list[list[str]],
    model: np.ndarray,
    rules: np.ndarray,
    threshold: float,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "score": score,
            "hold": score >= threshold,
            "reasons": pd.Series(reasons, index=index, dtype=object),
            "model_score": model,
            "rule_score": rules,
        },
        index=index,
    )[COLUMNS]
