"""Reading published forecasts: the latest succeeded run for a SKU, and runs themselves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.forecast_tables import ForecastRun, ForecastValue
from erp_core.adapters.tables import Channel, Item, Location
from erp_core.domain.errors import NotFound
from erp_core.domain.forecasts import RunStatus

RUN_FIELDS = (
    "id",
    "status",
    "grouping",
    "horizon",
    "levels",
    "model_name",
    "model_version",
    "degraded",
    "series",
    "progress",
    "message",
    "metrics",
    "requested_by",
    "created_at",
    "started_at",
    "finished_at",
)


def run_detail(db: Database, run_id: int) -> dict[str, Any]:
    def read(session: Session) -> dict[str, Any]:
        run = session.get(ForecastRun, run_id)
        if run is None:
            raise NotFound(f"forecast run {run_id} does not exist", id=run_id)
        return {field: getattr(run, field) for field in RUN_FIELDS}

    return db.read(read)


def latest_forecast(
    db: Database,
    sku: str,
    location: str | None = None,
    channel: str | None = None,
    horizon: int | None = None,
) -> dict[str, Any]:
    """The newest succeeded run's values for the SKU (summed over locations and channels unless
    one is named), first `horizon` days only when given. Summed interval bounds are wider than
    the interval of the sum (a conservative reading for per-location runs)."""

    def read(session: Session) -> dict[str, Any]:
        item_id = session.scalar(select(Item.id).where(Item.sku == sku))
        if item_id is None:
            raise NotFound(f"item {sku!r} does not exist", sku=sku)
        query = select(ForecastValue.run_id).where(ForecastValue.item_id == item_id)
        query = _narrowed(query, location, channel)
        run_id = session.scalar(
            select(func.max(ForecastRun.id)).where(
                ForecastRun.status == RunStatus.SUCCEEDED, ForecastRun.id.in_(query)
            )
        )
        if run_id is None:
            raise NotFound(f"no published forecast for {sku}", sku=sku)
        run = {field: getattr(session.get_one(ForecastRun, run_id), field) for field in RUN_FIELDS}
        values = _values(session, run_id, item_id, location, channel, horizon)
        return {"sku": sku, "location": location, "channel": channel, "run": run, "values": values}

    return db.read(read)


def _narrowed(query: Any, location: str | None, channel: str | None) -> Any:
    if location is not None:
        query = query.join(Location, Location.id == ForecastValue.location_id).where(
            Location.code == location
        )
    if channel is not None:
        query = query.join(Channel, Channel.id == ForecastValue.channel_id).where(
            Channel.code == channel
        )
    return query


def _values(
    session: Session,
    run_id: int,
    item_id: int,
    location: str | None,
    channel: str | None,
    horizon: int | None,
) -> list[dict[str, Any]]:
    columns = [ForecastValue.mean, ForecastValue.lo_80, ForecastValue.hi_80]
    columns += [ForecastValue.lo_95, ForecastValue.hi_95]
    query = select(
        ForecastValue.ds,
        func.min(ForecastValue.model).label("model"),
        *(func.sum(c).label(c.key) for c in columns),
    ).where(ForecastValue.run_id == run_id, ForecastValue.item_id == item_id)
    query = (
        _narrowed(query, location, channel).group_by(ForecastValue.ds).order_by(ForecastValue.ds)
    )
    if horizon is not None:
        query = query.limit(horizon)
    return [dict(row._mapping) for row in session.execute(query)]
