"""`keel forecast run`: the champion forecaster's forecasts for every series, published as one
forecast run in the ERP database.

Extract demand (pipelines/demand_frames.py) -> load `models:/keel-demand-forecaster@champion`
-> forecast in chunks of series (progress after each) -> publish the run whole. Without a
champion, or when it fails, the run uses the seasonal-naive baseline (forecasting/baseline.py)
and says `degraded: true` with the reason; any other failure marks the run failed with its
reason and leaves earlier runs as they were.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from typing import Any

import pandas as pd

from erp_core.adapters.database import Database
from erp_core.domain.errors import InvalidInput
from erp_core.domain.forecasts import LEVELS
from erp_core.queries.forecasts import run_detail
from erp_core.services.forecast_runs import (
    ForecastPoint,
    fail_run,
    publish_run,
    report_progress,
    start_run,
)
from forecasting import DemandForecaster
from forecasting.baseline import baseline_forecast
from models.registry import ModelRegistry
from pipelines.demand_frames import SEPARATOR, demand_frame

log = logging.getLogger("keel.forecast")
SERIES_PER_CHUNK = 200
Progress = Callable[[int, int], None]  # series done, series in all


def run_forecasts(
    db: Database,
    run_id: int,
    progress: Progress | None = None,
    engine: str = "local",
    scheduler: str | None = None,
) -> dict[str, Any]:
    """Carry out a queued run; returns the run as published (or raises after marking it failed).
    With engine "dask" the champion's recorded models run on the Dask cluster at `scheduler`
    (an in-process cluster when None) through statsforecast's distributed support."""
    run = run_detail(db, run_id)
    try:
        history = demand_frame(db, run["grouping"])
        if history.empty:
            raise InvalidInput("there is no demand history to forecast from")
        registry = ModelRegistry.from_settings(db.settings)
        name = db.settings.forecast_model_name
        version = registry.champion_version(name)
        # The version read above, not the alias again: a promotion may move it in between.
        champion: Any = registry.load_version(str(version.version), name) if version else None
        start_run(db, run_id, version.version if version else None, champion is None)
        with ExitStack() as stack:
            if champion is not None and engine == "dask":
                champion = OnDask(champion, stack.enter_context(_dask_client(scheduler)))
            forecast, reason = _forecast(db, run_id, champion, history, run["horizon"], progress)
        metrics = {"series": int(history["unique_id"].nunique()), "degraded_reason": reason}
        points = _points(forecast, run["grouping"])
        publish_run(db, run_id, points, metrics, degraded=reason is not None)
    except Exception as error:
        log.exception("forecast run %s failed", run_id)
        fail_run(db, run_id, f"{type(error).__name__}: {error}")
        raise
    return run_detail(db, run_id)


class OnDask:
    """The champion's config and per-series choices, replayed on a Dask cluster."""

    def __init__(self, champion: Any, client: Any) -> None:
        recorded = champion.unwrap_python_model()
        self.forecaster = DemandForecaster.from_config(
            recorded.config, recorded.choices, engine="dask", dask_client=client
        )

    def predict(self, history: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
        fitted = self.forecaster.fit_chosen(history)
        return fitted.predict(h=params["h"], level=params["level"])


@contextmanager
def _dask_client(scheduler: str | None) -> Iterator[Any]:
    from dask.distributed import Client  # only runs that ask for Dask pay for importing it

    with Client(scheduler) if scheduler else Client(processes=False) as client:
        yield client


def _forecast(
    db: Database,
    run_id: int,
    champion: Any | None,
    history: pd.DataFrame,
    horizon: int,
    progress: Progress | None,
) -> tuple[pd.DataFrame, str | None]:
    """The champion's forecast, or the baseline's with the reason the champion was not used."""
    reason = "no champion model is registered"
    if champion is not None:
        params = {"h": horizon, "level": list(LEVELS)}
        try:
            predict = partial(champion.predict, params=params)
            return _in_chunks(db, run_id, predict, history, progress), None
        except Exception as error:  # a broken model must not stop planning: fall back
            log.exception("the champion failed; falling back to the baseline")
            reason = f"the champion failed: {type(error).__name__}: {error}"
    baseline = partial(baseline_forecast, h=horizon, level=LEVELS)
    return _in_chunks(db, run_id, baseline, history, progress), reason


def _in_chunks(
    db: Database,
    run_id: int,
    predict: Callable[[pd.DataFrame], pd.DataFrame],
    history: pd.DataFrame,
    progress: Progress | None,
) -> pd.DataFrame:
    ids = history["unique_id"].unique()
    parts = []
    for start in range(0, len(ids), SERIES_PER_CHUNK):
        chunk = ids[start : start + SERIES_PER_CHUNK]
        parts.append(predict(history[history["unique_id"].isin(chunk)]))
        done = start + len(chunk)
        report_progress(db, run_id, done / len(ids))
        if progress:
            progress(done, len(ids))
    return pd.concat(parts, ignore_index=True)


def _points(forecast: pd.DataFrame, grouping: str) -> list[ForecastPoint]:
    points = []
    for values in forecast.to_dict("records"):
        sku, _, key = str(values["unique_id"]).partition(SEPARATOR)
        points.append(
            ForecastPoint(
                sku=sku,
                location=key if grouping == "location" else None,
                channel=key if grouping == "channel" else None,
                ds=pd.Timestamp(values["ds"]).date(),
                model=str(values["model"]),
                mean=float(values["mean"]),
                lo_80=_bound(values.get("lo-80")),
                hi_80=_bound(values.get("hi-80")),
                lo_95=_bound(values.get("lo-95")),
                hi_95=_bound(values.get("hi-95")),
            )
        )
    return points


def _bound(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
