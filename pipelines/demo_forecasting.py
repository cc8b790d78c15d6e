"""The demo's decision service: the forecaster trained on the company's history (an MLflow run,
registered, promoted to champion when it beats the one already there) and a forecast run
published with it, so the forecast endpoints answer from the first minute."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from erp_core.adapters.database import Database
from erp_core.services.forecast_runs import open_run
from models.registry import ModelRegistry
from models.training_run import train_and_log
from pipelines.demand_frames import demand_frame
from pipelines.forecast_publishing import run_forecasts
from pipelines.progress import ProgressSink

if TYPE_CHECKING:
    from pipelines.demo import DemoConfig

ACTOR = "demo:data-scientist"
STEPS = 100


@dataclass(frozen=True)
class Forecasting:
    version: str
    champion: bool
    promotion: str
    metrics: dict[str, float]
    run_id: int
    series: int


def forecast_demand(db: Database, config: DemoConfig, progress: ProgressSink) -> Forecasting:
    history = demand_frame(db)
    progress.phase("forecaster", STEPS)
    done = [0]

    def trained(fraction: float, _: str) -> None:
        step = round(fraction * STEPS)
        progress.advance(step - done[0])
        done[0] = step

    outcome = train_and_log(
        history,
        db.settings,
        h=config.backtest_days,
        n_windows=config.backtest_windows,
        freq="D",
        progress=trained,
    )
    name = db.settings.forecast_model_name
    promotion = ModelRegistry.from_settings(db.settings).promote(name, outcome.version, actor=ACTOR)
    series = int(history["unique_id"].nunique())
    progress.phase("forecasts", series)
    run_id = open_run(db, ACTOR, "sku", db.settings.forecast_default_horizon, name)
    shown = [0]

    def forecasted(count: int, _: int) -> None:
        progress.advance(count - shown[0])
        shown[0] = count

    run_forecasts(db, run_id, forecasted)
    return Forecasting(
        outcome.version, promotion.promoted, promotion.reason, outcome.metrics, run_id, series
    )
