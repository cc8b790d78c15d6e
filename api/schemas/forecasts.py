"""Forecast requests and replies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import Code, Input
from erp_core.domain.forecasts import RunStatus

Grouping = Literal["sku", "location", "channel"]
Horizon = Annotated[int, Field(ge=1, le=100_000)]


class RunCreate(Input):
    grouping: Grouping = "sku"
    horizon: Horizon | None = Field(
        default=None, description="Days ahead; default KEEL_FORECAST_DEFAULT_HORIZON (56)."
    )


class RunPublic(BaseModel):
    id: int
    status: RunStatus
    grouping: str
    horizon: int
    levels: list[int]
    model_name: str
    model_version: str | None
    degraded: bool = Field(description="True when the baseline forecast stood in for the model.")
    series: int
    progress: float
    message: str | None
    metrics: dict[str, Any]
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ForecastParams(Input):
    sku: Code
    location: Code | None = None
    channel: Code | None = None
    horizon: Horizon | None = None


class ForecastValuePublic(BaseModel):
    ds: date
    model: str
    mean: float
    lo_80: float | None
    hi_80: float | None
    lo_95: float | None
    hi_95: float | None


class ForecastPublic(BaseModel):
    sku: str
    location: str | None
    channel: str | None
    run: RunPublic
    values: list[ForecastValuePublic]


class PlotParams(Input):
    location: Code | None = None
    channel: Code | None = None
    history_days: Annotated[int, Field(ge=7, le=3650)] = 120
