"""One MLflow training run of the order anomaly scorer: features from the ERP's order
history, fit, measure at the hold budget, log, register as `@challenger`, and promote to
`@champion` when it scores the labelled orders at least as well as the champion does.

Learning from outcomes: orders whose anomaly hold was resolved as confirmed fraud are left out
of the fit, so the forest learns what normal orders look like; every resolved hold (fraud or
false positive) is a label the run is measured on. Where nobody has resolved a hold yet, the
demo's planted anomalies are the labels (they are never used to fit). The run logs params,
metrics (precision and recall at the hold budget, hold rate, for the model and for the rules
alone), and artifacts (score distribution, reason frequencies).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import mlflow
import pandas as pd

from anomaly.order_baseline import Baseline
from anomaly.order_features import order_features
from anomaly.order_scorer import OrderScorer
from anomaly.plots import reason_frequency, reason_frequency_png, score_distribution_png
from erp_core.adapters.database import Database
from erp_core.domain.anomalies import Outcome
from erp_core.domain.errors import InvalidInput
from erp_core.settings import Settings
from models.forecaster_pyfunc import write_files
from models.order_anomaly_pyfunc import log_order_model, unwrap_scorer
from models.registry import CHAMPION, ModelRegistry
from pipelines.order_anomaly_frames import TrainingData, training_data, with_qty_ratio

Progress = Callable[[float, str], None]
# Fewer orders than this cannot say what is usual per customer and channel.
MIN_ORDERS = 200
# The oldest share of orders only serves as history (customer medians); the rest is scored.
HISTORY_SHARE = 0.3
# Below this many confirmed frauds, resolved holds are too few to judge a model by.
MIN_CONFIRMED = 10


@dataclass(frozen=True)
class AnomalyTraining:
    run_id: str
    version: str
    promoted: bool
    verdict: str
    labels: str  # what precision and recall were measured on
    metrics: dict[str, float]


def train_order_model(
    db: Database,
    settings: Settings,
    *,
    hold_rate: float | None = None,
    since: datetime | None = None,
    progress: Progress | None = None,
) -> AnomalyTraining:
    report = progress or _quiet
    rate = hold_rate or settings.anomaly_hold_rate
    report(0.0, "read order history")
    data = training_data(db, since)
    if len(data.orders) < MIN_ORDERS:
        raise InvalidInput(
            f"{len(data.orders)} orders is too few to learn what is usual; "
            f"at least {MIN_ORDERS} are needed",
            orders=len(data.orders),
        )
    registry = ModelRegistry.from_settings(settings)
    name = settings.anomaly_model_name
    with registry.training_run("order-anomaly", name) as run:
        report(0.1, "build features")
        started = time.perf_counter()
        baseline = Baseline.of(data.orders, data.lines)
        features = _features(data, baseline)
        fraud = data.outcomes[data.outcomes == Outcome.CONFIRMED_FRAUD.value].index
        report(0.3, "fit")
        scorer = OrderScorer(hold_rate=rate).fit(
            features.drop(index=fraud, errors="ignore"), baseline
        )
        seconds = time.perf_counter() - started
        report(0.5, "measure")
        scored = scorer.score(features)
        labels, label_source = _labels(data, features.index)
        metrics = {
            "orders": float(len(features)),
            "training_seconds": seconds,
            "threshold": float(scorer.threshold),
            "hold_rate_target": rate,
            **_figures("model", scored["hold"], labels),
            **_figures("rules", scorer.rules_only(features)["hold"], labels),
        }
        champion = _champion_figures(registry, name, data, labels)
        metrics.update({f"champion_{k}": v for k, v in champion.items()})
        mlflow.log_params(
            {
                "hold_rate": rate,
                "n_estimators": scorer.forest.n_estimators,
                "history_share": HISTORY_SHARE,
                "labels": label_source,
                "since": since.isoformat() if since else "all",
                "date_from": f"{data.orders['created_at'].min():%Y-%m-%d}",
                "date_to": f"{data.orders['created_at'].max():%Y-%m-%d}",
            }
        )
        mlflow.log_metrics(metrics)
        _log_artifacts(scored, scorer.threshold, labels)
        report(0.7, "log and register")
        logged = log_order_model(scorer, features.head(5))
        version = str(registry.register_challenger(logged.model_uri, name).version)
        promoted, verdict = _verdict(metrics, champion, label_source)
        if promoted:
            registry.crown(name, version, verdict, "keel anomaly train")
        mlflow.set_tags({"promotion": verdict})
        report(1.0, f"registered version {version}")
    return AnomalyTraining(run.info.run_id, version, promoted, verdict, label_source, metrics)


def _features(data: TrainingData, baseline: Baseline) -> pd.DataFrame:
    """Features of the orders after the history share, as a model with `baseline` sees them."""
    orders = with_qty_ratio(data.orders, data.lines, baseline)
    cut = int(len(orders) * HISTORY_SHARE)
    return order_features(orders.iloc[cut:], orders.iloc[:cut], baseline)


def _labels(data: TrainingData, index: pd.Index) -> tuple[pd.Series, str]:
    """True for a known anomaly, False for a known normal order, per scored order; where the
    labels come from."""
    outcomes = data.outcomes.reindex(index).dropna()
    if (outcomes == Outcome.CONFIRMED_FRAUD.value).sum() >= MIN_CONFIRMED:
        return outcomes == Outcome.CONFIRMED_FRAUD.value, "resolved holds"
    if not data.planted.empty:
        planted = pd.Series(index.isin(data.planted.index), index=index)
        return planted, "planted anomalies"
    return pd.Series(dtype=bool), "none"


def _figures(prefix: str, hold: pd.Series, labels: pd.Series) -> dict[str, float]:
    """Hold rate, and precision and recall at the hold budget on the labelled orders."""
    figures = {f"{prefix}_hold_rate": float(hold.mean())}
    if labels.empty or not labels.any():
        return figures
    held = hold.reindex(labels.index).astype(bool)
    caught = float((held & labels).sum())
    precision = caught / max(float(held.sum()), 1.0)
    recall = caught / float(labels.sum())
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    figures.update(
        {f"{prefix}_precision": precision, f"{prefix}_recall": recall, f"{prefix}_f1": f1}
    )
    return figures


def _champion_figures(
    registry: ModelRegistry, name: str, data: TrainingData, labels: pd.Series
) -> dict[str, float]:
    """The champion's figures on the same orders and labels, its features built with its own
    baseline; empty when there is no champion."""
    found = registry.alias_version(CHAMPION, name)
    if found is None:
        return {}
    champion = unwrap_scorer(registry.load_version(str(found.version), name))
    held = champion.score(_features(data, champion.baseline))["hold"]
    return {"version": float(found.version), **_figures("model", held, labels)}


def _verdict(
    metrics: dict[str, float],
    champion: dict[str, float],
    label_source: str,
) -> tuple[bool, str]:
    if not champion:
        return True, "first champion"
    version = int(champion["version"])
    if "model_f1" not in metrics or "model_f1" not in champion:
        return False, (
            f"no labelled orders to compare with champion v{version}; promote by hand with a "
            "reason if this version should score orders"
        )
    ours, theirs = metrics["model_f1"], champion["model_f1"]
    relation = ">=" if ours >= theirs else "<"
    return ours >= theirs, (
        f"F1 at the hold budget {ours:.3f} {relation} champion v{version}'s {theirs:.3f} "
        f"on the same orders ({label_source})"
    )


def _log_artifacts(scored: pd.DataFrame, threshold: float, labels: pd.Series) -> None:
    frequency = reason_frequency(scored.loc[scored["hold"], "reasons"])
    with TemporaryDirectory() as folder:
        write_files(
            Path(folder),
            {
                "reason_frequency.csv": frequency,
                "plots/score_distribution.png": score_distribution_png(
                    scored["score"], threshold, labels if not labels.empty else None
                ),
                "plots/reason_frequency.png": reason_frequency_png(frequency),
            },
        )
        mlflow.log_artifacts(folder)


def _quiet(done: float, step: str) -> None:
    """No progress shown: the default when no bar listens."""
