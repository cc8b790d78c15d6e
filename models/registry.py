"""The model registry: the only module that resolves `models:/NAME@alias`.

A training run logs the forecaster and registers a version as `@challenger`; `promote` moves
`@champion` to a version only when its backtest score (`mase_keel`, lower is better) beats the
champion's on the same backtest windows, or when forced with a recorded reason. Every call
passes the registry's tracking URI to MLflow itself, so nothing depends on what an earlier
call left in MLflow's process-wide state.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Run
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST, ErrorCode
from mlflow.pyfunc import PyFuncModel

from erp_core.settings import Settings
from models.forecaster_pyfunc import log_forecaster_model, model_input, write_files
from models.promotion import (
    SCORE_METRIC,
    BacktestWindows,
    MissingPromotionReason,
    Promotion,
    compare,
)

if TYPE_CHECKING:
    import pandas as pd

    from forecasting import Backtest, DemandForecaster

MODEL_NAME = "keel-demand-forecaster"
CHAMPION = "champion"
CHALLENGER = "challenger"


class ModelRegistry:
    def __init__(self, tracking_uri: str) -> None:
        self.tracking_uri = tracking_uri
        self.client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
        self._loaded: dict[str, tuple[str, PyFuncModel]] = {}  # name -> version, its model

    @classmethod
    def from_settings(cls, settings: Settings) -> ModelRegistry:
        return cls(settings.mlflow_tracking_uri)

    @contextmanager
    def training_run(self, run_name: str, experiment: str = MODEL_NAME) -> Iterator[Run]:
        """An MLflow run in the experiment; an exception inside ends it FAILED and re-raises."""
        self._point_mlflow_here()
        experiment_id = self.experiment_id(experiment)
        with mlflow.start_run(experiment_id=experiment_id, run_name=run_name) as run:
            yield run

    def log_forecaster(
        self,
        forecaster: DemandForecaster,
        backtest: Backtest,
        history: pd.DataFrame,
        params: Mapping[str, object],
        metrics: Mapping[str, float],
        artifacts: Mapping[str, object],
        name: str = MODEL_NAME,
    ) -> ModelVersion:
        """Log params, metrics, artifacts (file name -> frame, dict or PNG bytes), the backtest
        windows (as tags), errors and choices, and the pyfunc model (one series of `history` as
        its input example) in the active run; register a version and point `@challenger` at it.
        Registering comes last and is undone if the alias cannot be set, so a failed run never
        leaves a version behind."""
        self._point_mlflow_here()
        if mlflow.active_run() is None:
            raise RuntimeError("log_forecaster needs an active run: use training_run()")
        windows = BacktestWindows.of(backtest)
        mlflow.set_tags(windows.as_tags())
        mlflow.log_params(dict(params))
        mlflow.log_metrics(dict(metrics))
        record = {
            "backtest_errors.parquet": backtest.errors,
            "choices.parquet": forecaster.choices_,
        }
        with TemporaryDirectory() as folder:
            write_files(Path(folder), {**record, **artifacts})
            mlflow.log_artifacts(folder)
        first_series = history["unique_id"] == history["unique_id"].min()
        model = log_forecaster_model(forecaster, model_input(history[first_series]), windows.h)
        return self.register_challenger(model.model_uri, name)

    def register_challenger(self, model_uri: str, name: str) -> ModelVersion:
        """Register the logged model as a new version of `name` and point `@challenger` at it;
        the version is deleted again if the alias cannot be set."""
        self._point_mlflow_here()
        version = mlflow.register_model(model_uri, name)
        try:
            self.client.set_registered_model_alias(name, CHALLENGER, version.version)
        except Exception:
            self.client.delete_model_version(name, version.version)
            raise
        return version

    def alias_version(self, alias: str, name: str = MODEL_NAME) -> ModelVersion | None:
        """None when the model or the alias does not exist (yet)."""
        try:
            aliases = self.client.get_registered_model(name).aliases
        except MlflowException as missing:
            if missing.error_code != ErrorCode.Name(RESOURCE_DOES_NOT_EXIST):
                raise
            return None
        version = aliases.get(alias)
        return None if version is None else self.client.get_model_version(name, str(version))

    def versions(self, name: str = MODEL_NAME) -> list[dict[str, object]]:
        """Every version, newest first, with its aliases and backtest score."""
        try:
            aliases = self.client.get_registered_model(name).aliases
        except MlflowException as missing:
            if missing.error_code != ErrorCode.Name(RESOURCE_DOES_NOT_EXIST):
                raise
            return []
        named: dict[str, list[str]] = {}
        for alias, number in aliases.items():
            named.setdefault(str(number), []).append(alias)
        found = self.client.search_model_versions(f"name = '{name}'")
        return [
            {
                "version": str(v.version),
                "aliases": ", ".join(sorted(named.get(str(v.version), []))),
                SCORE_METRIC: self._run_of(v).data.metrics.get(SCORE_METRIC),
                "created": datetime.fromtimestamp(v.creation_timestamp / 1000, UTC),
            }
            for v in sorted(found, key=lambda v: int(v.version), reverse=True)
        ]

    def champion_version(self, name: str = MODEL_NAME) -> ModelVersion | None:
        return self.alias_version(CHAMPION, name)

    def load_alias(self, alias: str, name: str = MODEL_NAME) -> PyFuncModel | None:
        """The version the alias points at now, loaded once per version: moving the alias is
        seen on the next call, with no restart."""
        found = self.alias_version(alias, name)
        return None if found is None else self.load_version(str(found.version), name)

    def load_champion(self, name: str = MODEL_NAME) -> PyFuncModel | None:
        return self.load_alias(CHAMPION, name)

    def load_version(self, version: str, name: str = MODEL_NAME) -> PyFuncModel:
        """The model of a version; the last one loaded per name is kept for the next call."""
        kept = self._loaded.get(name)
        if kept is not None and kept[0] == version:
            return kept[1]
        self._point_mlflow_here()
        model = mlflow.pyfunc.load_model(f"models:/{name}/{version}")
        self._loaded[name] = (version, model)
        return model

    def promote(
        self,
        name: str,
        version: str,
        force: bool = False,
        reason: str | None = None,
        actor: str = "keel",
    ) -> Promotion:
        """Move `@champion` to `version` when it is the first, or when its `mase_keel` is lower
        than the champion's on the same backtest windows; with `force`, whatever the scores,
        given a reason. The version records who promoted it, how and why."""
        if force and not (reason and reason.strip()):
            raise MissingPromotionReason("a forced promotion needs a reason")
        candidate = self.client.get_model_version(name, version)
        champion = self.champion_version(name)
        number, previous = str(candidate.version), _version_of(champion)
        if previous == number:
            return Promotion(False, number, previous, "already the champion")
        if champion is None:
            beats, verdict = True, "first champion"
        else:
            beats, verdict = compare(
                candidate, self._run_of(candidate), champion, self._run_of(champion)
            )
        if not beats and not force:
            return Promotion(False, number, previous, verdict)
        why = f"forced: {reason}; {verdict}" if force else verdict
        self.crown(name, number, why, actor)
        return Promotion(True, number, previous, why)

    def crown(self, name: str, version: str, why: str, actor: str) -> None:
        """Point `@champion` at the version, recording who moved it and why."""
        self.client.set_registered_model_alias(name, CHAMPION, version)
        tags = {"promoted_by": actor, "promotion_reason": why}
        for key, value in tags.items():
            self.client.set_model_version_tag(name, version, key, value)

    def _run_of(self, version: ModelVersion) -> Run:
        if not version.run_id:
            raise ValueError(f"model version {version.version} was not logged by a run")
        return self.client.get_run(version.run_id)

    @staticmethod
    def store_of(tracking_uri: str) -> Path | None:
        """The file of a local SQLite store; None for a tracking server."""
        prefix = "sqlite:///"
        return Path(tracking_uri.removeprefix(prefix)) if tracking_uri.startswith(prefix) else None

    def experiment_id(self, name: str = MODEL_NAME) -> str:
        """The experiment's id, created on first use with its artifacts beside the store."""
        found = self.client.get_experiment_by_name(name)
        if found is not None:
            return str(found.experiment_id)
        return self.client.create_experiment(name, artifact_location=self._artifact_location())

    def _artifact_location(self) -> str | None:
        """Beside a SQLite store (`<folder>/mlartifacts`); a tracking server picks its own."""
        store = self.store_of(self.tracking_uri)
        return None if store is None else (store.resolve().parent / "mlartifacts").as_uri()

    def _point_mlflow_here(self) -> None:
        mlflow.set_tracking_uri(self.tracking_uri)
        mlflow.set_registry_uri(self.tracking_uri)


def _version_of(found: ModelVersion | None) -> str | None:
    return None if found is None else str(found.version)
