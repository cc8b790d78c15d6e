"""The order anomaly scorer as an MLflow pyfunc model.

The artifact is the fitted `OrderScorer` (forest, scaler, hold threshold, training baseline)
saved with joblib. `predict` takes order features (the columns of `anomaly.order_features.
FEATURES`) and answers `score, hold, reasons, model_score, rule_score`, reasons joined by
"; ". The live scorer unwraps the model and calls the scorer directly, which skips pyfunc's
schema checks on the hot path; both give the same numbers. The `anomaly` and `models`
packages travel with the model (`code_paths`), so a version loads with the code that logged it.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import joblib
import mlflow
import pandas as pd
from mlflow.models.model import ModelInfo
from mlflow.pyfunc import PythonModel, PythonModelContext

import anomaly
import models
from anomaly.order_scorer import OrderScorer

SCORER = "order_scorer.joblib"
# Pinned so that MLflow never resolves requirements itself (that would reach the network).
REQUIREMENTS = ("mlflow", "scikit-learn", "pandas", "numpy", "joblib")


class OrderAnomalyModel(PythonModel):
    def load_context(self, context: PythonModelContext) -> None:
        self.scorer: OrderScorer = joblib.load(context.artifacts[SCORER])

    def predict(
        self,
        context: PythonModelContext | None,
        model_input: pd.DataFrame,
        params: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        scored = self.scorer.score(model_input)
        return scored.assign(reasons=scored["reasons"].map("; ".join)).reset_index(drop=True)


def log_order_model(scorer: OrderScorer, features_example: pd.DataFrame) -> ModelInfo:
    """Log the scorer as a pyfunc model named `order_anomaly` in the active run, then load it
    back and score the example: a model that cannot score must fail the run."""
    with TemporaryDirectory() as folder:
        path = Path(folder) / SCORER
        joblib.dump(scorer, path)
        logged = mlflow.pyfunc.log_model(
            name="order_anomaly",
            python_model=OrderAnomalyModel(),
            artifacts={SCORER: str(path)},
            input_example=features_example.reset_index(drop=True),
            pip_requirements=[f"{package}=={version(package)}" for package in REQUIREMENTS],
            code_paths=[package.__path__[0] for package in (anomaly, models)],
        )
    mlflow.pyfunc.load_model(logged.model_uri).predict(features_example.reset_index(drop=True))
    return logged


def unwrap_scorer(model: Any) -> OrderScorer:
    """The fitted scorer inside a loaded pyfunc model."""
    return model.unwrap_python_model().scorer
