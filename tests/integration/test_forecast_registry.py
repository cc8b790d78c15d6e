"""The demand forecaster in MLflow: promotion, failed runs, and the registered pyfunc model.

Each test gets its own MLflow SQLite store under tmp_path (no ERP database). One backtest of a
dozen generated series is shared by the tests that only need versions to promote.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from erp_core.settings import Settings
from forecasting import Backtest, DemandForecaster
from models.registry import MODEL_NAME, MissingPromotionReason, ModelRegistry
from models.training_run import train_and_log

H, N_WINDOWS = 14, 2
Chosen = tuple[DemandForecaster, Backtest]


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    """Six weekly-seasonal and six intermittent daily series over 120 days; SKU-00 was out of
    stock for three days (censored)."""
    rng = np.random.default_rng(6)
    days = pd.date_range("2025-01-06", periods=120, freq="D")
    weekly = 20 + 8 * np.sin(2 * np.pi * np.arange(120) / 7)
    frames = []
    for i in range(12):
        if i < 6:
            y = rng.poisson(weekly * (1 + i / 4))
        else:
            y = rng.binomial(1, 0.15, 120) * rng.poisson(6, 120)
        frames.append(pd.DataFrame({"unique_id": f"SKU-{i:02d}", "ds": days, "y": y}))
    history = pd.concat(frames, ignore_index=True).astype({"y": float})
    history["censored"] = history.index.isin([40, 41, 42])
    history.loc[history["censored"], "y"] = 0.0
    return history


@pytest.fixture(scope="module")
def chosen(history: pd.DataFrame) -> Chosen:
    chooser = DemandForecaster("D", selection_horizon=H, n_windows=N_WINDOWS)
    backtest = chooser.backtest(history)
    forecaster = DemandForecaster.from_config(chooser.config_, backtest.choice)
    return forecaster.fit_chosen(history), backtest


@pytest.fixture
def tracking_uri(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


@pytest.fixture
def registry(tracking_uri: str) -> ModelRegistry:
    return ModelRegistry(tracking_uri)


def log_version(registry: ModelRegistry, chosen: Chosen, history: pd.DataFrame, mase: float) -> str:
    forecaster, backtest = chosen
    with registry.training_run("test"):
        logged = registry.log_forecaster(
            forecaster, backtest, history, {"h": H}, {"mase_keel": mase}, {}
        )
    return str(logged.version)


def champion(registry: ModelRegistry) -> str | None:
    found = registry.champion_version()
    return None if found is None else str(found.version)


def test_the_first_version_becomes_champion_and_only_a_lower_score_replaces_it(
    registry: ModelRegistry, chosen: Chosen, history: pd.DataFrame
) -> None:
    first = log_version(registry, chosen, history, mase=0.8)
    assert registry.promote(MODEL_NAME, first).promoted

    worse = log_version(registry, chosen, history, mase=0.9)
    refused = registry.promote(MODEL_NAME, worse)
    assert not refused.promoted and refused.previous_champion == first
    tied = log_version(registry, chosen, history, mase=0.8)
    assert not registry.promote(MODEL_NAME, tied).promoted
    assert champion(registry) == first

    better = log_version(registry, chosen, history, mase=0.7)
    promotion = registry.promote(MODEL_NAME, better)
    assert promotion.promoted and promotion.previous_champion == first
    assert champion(registry) == better
    assert str(registry.alias_version("challenger").version) == better  # type: ignore[union-attr]


def test_scores_on_other_backtest_windows_are_only_taken_when_forced_with_a_reason(
    registry: ModelRegistry, chosen: Chosen, history: pd.DataFrame
) -> None:
    first = log_version(registry, chosen, history, mase=0.8)
    registry.promote(MODEL_NAME, first)
    elsewhere = log_version(registry, chosen, history, mase=0.5)
    run_id = run_of(registry, elsewhere)
    registry.client.set_tag(run_id, "backtest.last_cutoff", "2024-01-01T00:00:00")

    refused = registry.promote(MODEL_NAME, elsewhere)
    assert not refused.promoted and "windows differ" in refused.reason
    with pytest.raises(MissingPromotionReason):
        registry.promote(MODEL_NAME, elsewhere, force=True, reason="  ")
    assert champion(registry) == first

    forced = registry.promote(
        MODEL_NAME, elsewhere, force=True, reason="new windows after a data fix", actor="ana"
    )
    assert forced.promoted and champion(registry) == elsewhere
    tags = registry.client.get_model_version(MODEL_NAME, elsewhere).tags
    assert tags["promoted_by"] == "ana"
    assert "new windows after a data fix" in tags["promotion_reason"]


@pytest.mark.parametrize("failure", ["negative demand", "alias cannot be set"])
def test_a_failed_training_run_registers_nothing(
    failure: str,
    history: pd.DataFrame,
    tracking_uri: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second failure comes after the version was created: it is deleted again."""
    if failure == "negative demand":
        history = history.assign(y=history["y"].where(history.index != 5, -1.0))
        expected: type[Exception] = ValueError
    else:
        expected = ConnectionError

        def registry_down(*args: object) -> None:
            raise ConnectionError("registry unavailable")

        monkeypatch.setattr(MlflowClient, "set_registered_model_alias", registry_down)
    settings = Settings(mlflow_tracking_uri=tracking_uri)
    with pytest.raises(expected):
        train_and_log(history, settings, h=H, n_windows=N_WINDOWS, freq="D")

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    assert client.search_model_versions(f"name='{MODEL_NAME}'") == []
    runs = client.search_runs([ModelRegistry(tracking_uri).experiment_id()])
    assert [run.info.status for run in runs] == ["FAILED"]


def test_a_training_run_registers_a_model_that_reproduces_its_forecast_in_a_fresh_process(
    history: pd.DataFrame, tracking_uri: str, tmp_path: Path
) -> None:
    trained = train_and_log(
        history, Settings(mlflow_tracking_uri=tracking_uri), h=H, n_windows=N_WINDOWS, freq="D"
    )
    history.to_parquet(tmp_path / "history.parquet")
    script = (
        "import sys, pandas as pd; from models.registry import ModelRegistry; "
        "model = ModelRegistry(sys.argv[1]).load_alias('challenger'); "
        "history = pd.read_parquet(sys.argv[2]); "
        f"model.predict(history, params={{'h': {H}, 'level': [80, 95]}}).to_parquet(sys.argv[3])"
    )
    subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            tracking_uri,
            str(tmp_path / "history.parquet"),
            str(tmp_path / "served.parquet"),
        ],
        check=True,
        cwd=tmp_path,
        timeout=120,
    )

    logged = mlflow.artifacts.download_artifacts(
        run_id=trained.run_id,
        artifact_path="forecast.parquet",
        dst_path=str(tmp_path / "run"),
        tracking_uri=tracking_uri,
    )
    expected = pd.read_parquet(logged)
    served = pd.read_parquet(tmp_path / "served.parquet")
    assert len(expected) == 12 * H
    pd.testing.assert_frame_equal(served, expected, check_exact=False, rtol=0, atol=1e-9)
    assert {"mase_keel", "mase_SeasonalNaive", "mase_AutoETS"} <= trained.metrics.keys()
    registry = ModelRegistry(tracking_uri)
    listed = {artifact.path for artifact in registry.client.list_artifacts(trained.run_id)}
    assert {"backtest_errors.parquet", "choices.parquet", "summary.csv", "plots"} <= listed


def test_the_signature_names_the_history_the_forecast_and_the_params(
    registry: ModelRegistry, chosen: Chosen, history: pd.DataFrame
) -> None:
    signature = registry.load_version(log_version(registry, chosen, history, 0.8)).metadata
    assert signature.get_input_schema().input_names() == ["unique_id", "ds", "y", "censored"]
    assert "lo-95" in signature.get_output_schema().input_names()
    assert [p.name for p in signature.get_params_schema().params] == ["h", "level"]


def test_loading_the_champion_sees_a_new_champion_without_restarting(
    tracking_uri: str, chosen: Chosen, history: pd.DataFrame
) -> None:
    trainer, reader = ModelRegistry(tracking_uri), ModelRegistry(tracking_uri)
    assert reader.load_champion() is None

    first = log_version(trainer, chosen, history, mase=0.8)
    trainer.promote(MODEL_NAME, first)
    assert reader.load_champion().metadata.run_id == run_of(trainer, first)  # type: ignore[union-attr]

    better = log_version(trainer, chosen, history, mase=0.6)
    trainer.promote(MODEL_NAME, better)
    assert reader.load_champion().metadata.run_id == run_of(trainer, better)  # type: ignore[union-attr]


def run_of(registry: ModelRegistry, version: str) -> str:
    return str(registry.client.get_model_version(MODEL_NAME, version).run_id)
