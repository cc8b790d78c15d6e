"""The live order scorer capture calls: the champion `keel-order-anomaly` from the MLflow
registry, or the explicit rules when there is no usable model.

A missing, unloadable or failing model never blocks capture: the batch is scored by the rules
alone, held when a rule fires at full strength, and the verdict's note says why the model was
not used (the order's timeline and anomaly score show it). The champion is looked up again at
most every `anomaly_model_refresh_seconds`, so a promotion reaches a running API.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from anomaly.order_baseline import Baseline
from anomaly.order_features import FEATURES, order_features
from anomaly.order_rules import FIRED_STRENGTH, rules_on
from anomaly.order_scorer import OrderScorer
from erp_core.domain.order_rules import AnomalyVerdict
from erp_core.services.anomaly_scoring import ScoringOrder
from erp_core.settings import Settings
from models.order_anomaly_pyfunc import unwrap_scorer
from models.registry import CHAMPION, ModelRegistry
from pipelines.order_anomaly_frames import live_frames

log = logging.getLogger(__name__)
# Without a model there is no hold budget to set a threshold from: hold what a rule flags
# outright (any rule at its firing strength); a mismatch alone stays below it.
RULES_HOLD_SCORE = FIRED_STRENGTH


@dataclass(frozen=True)
class LoadedScorer:
    version: str
    scorer: OrderScorer


Loader = Callable[[], LoadedScorer | None]


def champion_loader(settings: Settings) -> Loader:
    name = settings.anomaly_model_name
    # Connecting to a SQLite store creates it, so the store is only opened once it exists.
    store = ModelRegistry.store_of(settings.mlflow_tracking_uri)
    registry: ModelRegistry | None = None

    def load() -> LoadedScorer | None:
        nonlocal registry
        if store is not None and not store.exists():
            return None
        registry = registry or ModelRegistry.from_settings(settings)
        found = registry.alias_version(CHAMPION, name)
        if found is None:
            return None
        model = registry.load_version(str(found.version), name)
        return LoadedScorer(str(found.version), unwrap_scorer(model))

    return load


class LiveOrderScorer:
    def __init__(
        self,
        load: Loader,
        refresh_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._refresh = refresh_seconds
        self._clock = clock
        self._loaded: LoadedScorer | None = None
        self._note: str | None = None
        self._checked_at: float | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> LiveOrderScorer:
        return cls(champion_loader(settings), settings.anomaly_model_refresh_seconds)

    def model(self) -> tuple[LoadedScorer | None, str | None]:
        """The champion to score with, or None and why not."""
        now = self._clock()
        if self._checked_at is None or now - self._checked_at >= self._refresh:
            self._checked_at = now
            try:
                self._loaded = self._load()
                self._note = None if self._loaded else "no champion model registered"
            except Exception as error:  # a broken registry or model must not stop capture
                log.warning("order anomaly model could not be loaded: %s", error)
                self._loaded = None
                self._note = f"model could not be loaded ({type(error).__name__})"
        return self._loaded, self._note

    def score(self, session: Session, orders: Sequence[ScoringOrder]) -> list[AnomalyVerdict]:
        if not orders:
            return []
        loaded, note = self.model()
        baseline = loaded.scorer.baseline if loaded else Baseline()
        frame, history = live_frames(session, orders, baseline)
        x = order_features(frame, history, baseline)[list(FEATURES)].to_numpy(dtype=float)
        if loaded is not None:
            try:
                score, reasons, _, _ = loaded.scorer.score_matrix(x)
                threshold = float(loaded.scorer.threshold)
                return _verdicts(x, score, reasons, threshold, "model", loaded.version, None)
            except Exception as error:
                log.warning("order anomaly model v%s failed: %s", loaded.version, error)
                note = f"model v{loaded.version} failed ({type(error).__name__})"
        rules = rules_on(x)
        why = f"scored by rules only: {note}"
        return _verdicts(x, rules.score, rules.reasons, RULES_HOLD_SCORE, "rules", None, why)


def _verdicts(
    x: np.ndarray,
    score: np.ndarray,
    reasons: list[list[str]],
    threshold: float,
    scored_by: str,
    version: str | None,
    note: str | None,
) -> list[AnomalyVerdict]:
    return [
        AnomalyVerdict(
            score=float(value),
            threshold=threshold,
            reasons=list(why),
            features={name: round(float(f), 6) for name, f in zip(FEATURES, row, strict=True)},
            scored_by=scored_by,
            model_version=version,
            note=note,
        )
        for value, why, row in zip(score, reasons, x, strict=True)
    ]
