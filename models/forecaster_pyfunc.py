"""The demand forecaster as an MLflow pyfunc model.

The logged model holds no fitted state: its artifacts are the forecaster's config (JSON) and
the per-SKU model choices (parquet). `predict` takes a demand history, refits each series'
chosen model on it (`DemandForecaster.from_config(config, choices).fit_chosen(history)`, no
backtest) and forecasts from its end, so a forecast always starts from the latest demand while
the choices stay those the training run's backtest made. The `forecasting` and `models`
packages travel with the model (`code_paths`), so a version loads with the code that logged it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib.metadata import version
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import mlflow
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.models.model import ModelInfo
from mlflow.pyfunc import PythonModel, PythonModelContext
from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema, TensorSpec

import forecasting
import models
from forecasting import DemandForecaster

CONFIG = "forecaster_config.json"
CHOICES = "choices.parquet"
# Pinned so that MLflow never resolves requirements itself (that would reach the network).
REQUIREMENTS = ("mlflow", "statsforecast", "pandas", "numpy", "pyarrow")


class DemandForecasterModel(PythonModel):
    """Input: the history frame `unique_id, ds, y[, censored]`. Params: `h` (periods ahead) and
    `level` (interval levels, percent). Output: `unique_id, ds, model, mean, lo-<l>, hi-<l>`."""

    def __init__(self, horizon: int, levels: tuple[int, ...]) -> None:
        self.horizon = horizon
        self.levels = levels

    def load_context(self, context: PythonModelContext) -> None:
        self.config = json.loads(Path(context.artifacts[CONFIG]).read_text())
        self.choices = pd.read_parquet(context.artifacts[CHOICES])

    def predict(
        self,
        context: PythonModelContext | None,
        model_input: pd.DataFrame,
        params: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        given = params or {}
        horizon = int(given.get("h", self.horizon))
        levels = [int(level) for level in given.get("level", self.levels)]
        forecaster = DemandForecaster.from_config(self.config, self.choices)
        return forecaster.fit_chosen(model_input).predict(h=horizon, level=levels)


def log_forecaster_model(
    forecaster: DemandForecaster, history_example: pd.DataFrame, horizon: int
) -> ModelInfo:
    """Log the forecaster as a pyfunc model named `forecaster` in the active run, with its
    signature (default params: `horizon` and the forecaster's levels) and `history_example`
    (part of the training history) as input example. The logged model is loaded back and must
    forecast the example: MLflow's own check of it only warns, and a model that cannot
    predict must fail the run."""
    levels = tuple(forecaster.config_["level"])
    with TemporaryDirectory() as folder:
        artifacts = write_files(
            Path(folder),
            {CONFIG: forecaster.config_, CHOICES: forecaster.choices_},
        )
        logged = mlflow.pyfunc.log_model(
            name="forecaster",
            python_model=DemandForecasterModel(horizon, levels),
            artifacts={name: str(path) for name, path in artifacts.items()},
            signature=forecast_signature(horizon, levels),
            input_example=(history_example, {"h": horizon, "level": list(levels)}),
            pip_requirements=[f"{package}=={version(package)}" for package in REQUIREMENTS],
            code_paths=[package.__path__[0] for package in (forecasting, models)],
        )
    mlflow.pyfunc.load_model(logged.model_uri).predict(history_example)
    return logged


def model_input(history: pd.DataFrame) -> pd.DataFrame:
    """`history` in the signature's types, which the served model enforces (MLflow refuses
    integer ids or integer demand as not safely convertible): unique_id str, y float,
    censored bool with a missing mark read as not censored."""
    frame = history[["unique_id", "ds", "y"]].astype({"unique_id": str, "y": "float64"})
    if "censored" in history:
        frame["censored"] = history["censored"].fillna(False).astype(bool)
    return frame


def forecast_signature(horizon: int, levels: tuple[int, ...]) -> ModelSignature:
    bounds = [f"{side}-{level}" for level in levels for side in ("lo", "hi")]
    history: list[ColSpec | TensorSpec] = [
        ColSpec("string", "unique_id"),
        ColSpec("datetime", "ds"),
        ColSpec("double", "y"),
        ColSpec("boolean", "censored", required=False),
    ]
    forecast: list[ColSpec | TensorSpec] = [
        ColSpec("string", "unique_id"),
        ColSpec("datetime", "ds"),
        ColSpec("string", "model"),
        *(ColSpec("double", column) for column in ["mean", *bounds]),
    ]
    params = [
        ParamSpec("h", "long", horizon),
        ParamSpec("level", "long", list(levels), shape=(-1,)),
    ]
    return ModelSignature(Schema(history), Schema(forecast), ParamSchema(params))


def write_files(folder: Path, contents: Mapping[str, object]) -> dict[str, Path]:
    """Write each named content into `folder`: a frame as parquet or CSV (by its file name's
    suffix), a dict as JSON, bytes (a PNG) as they are. Returns the paths by name."""
    written = {}
    for name, content in contents.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, pd.DataFrame):
            if path.suffix == ".parquet":
                content.to_parquet(path, index=False)
            else:
                content.to_csv(path, index=False)
        elif isinstance(content, dict):
            path.write_text(json.dumps(content, indent=2, sort_keys=True))
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            raise TypeError(f"cannot write {name}: {type(content).__name__}")
        written[name] = path
    return written
