"""Demand forecasts: the latest published forecast per SKU, forecast runs, and plots."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query
from fastapi.responses import Response

from api.deps import Db, require
from api.schemas.forecasts import ForecastParams, ForecastPublic, PlotParams, RunCreate, RunPublic
from erp_core.adapters.database import Database
from erp_core.domain.access import Permission, Principal
from erp_core.domain.forecasts import check_horizon
from erp_core.queries.forecasts import latest_forecast, run_detail
from erp_core.queries.pages import INT64_MAX
from erp_core.services.forecast_runs import open_run
from pipelines.forecast_plots import forecast_plot
from pipelines.forecast_publishing import run_forecasts

router = APIRouter(tags=["forecasts"])
RunId = Annotated[int, Path(ge=1, le=INT64_MAX)]
Reader = Annotated[Principal, Depends(require(Permission.FORECASTS_READ))]
Runner = Annotated[Principal, Depends(require(Permission.FORECASTS_RUN))]


@router.get(
    "/v1/forecasts",
    response_model=ForecastPublic,
    summary="The latest published forecast of a SKU (per location or channel when named), "
    "with 80% and 95% intervals and the model that made it",
)
def get_forecast(query: Annotated[ForecastParams, Query()], db: Db, _: Reader) -> Any:
    if query.horizon is not None:
        check_horizon(query.horizon, db.settings.forecast_max_horizon)
    return latest_forecast(db, query.sku, query.location, query.channel, query.horizon)


@router.post(
    "/v1/forecasts/runs",
    status_code=202,
    response_model=RunPublic,
    summary="Start a forecast run with the champion model; it runs in the background",
)
def post_run(body: RunCreate, tasks: BackgroundTasks, db: Db, who: Runner) -> Any:
    horizon = body.horizon or db.settings.forecast_default_horizon
    run_id = open_run(db, who.actor, body.grouping, horizon, db.settings.forecast_model_name)
    tasks.add_task(_run_quietly, db, run_id)
    return run_detail(db, run_id)


@router.get(
    "/v1/forecasts/runs/{run_id}",
    response_model=RunPublic,
    summary="A forecast run: status, progress, metrics, and why it failed or degraded",
)
def get_run(run_id: RunId, db: Db, _: Reader) -> Any:
    return run_detail(db, run_id)


@router.get(
    "/v1/forecasts/{sku}/plot",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
    summary="A PNG of recent demand and the latest forecast with its 80% and 95% bands",
)
def get_plot(
    sku: Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")],
    query: Annotated[PlotParams, Query()],
    db: Db,
    _: Reader,
) -> Response:
    png = forecast_plot(db, sku, query.location, query.channel, query.history_days)
    return Response(content=png, media_type="image/png")


def _run_quietly(db: Database, run_id: int) -> None:
    # The run records its own failure; the response has long gone.
    try:
        run_forecasts(db, run_id)
    except Exception:  # noqa: BLE001
        return
