"""A forecast run's life: queued, running (with progress), then published whole or failed.

Values are written in the same transaction that marks the run succeeded, so readers see a run
complete or not at all, and a failed run leaves the previous forecasts in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.forecast_tables import ForecastRun, ForecastValue
from erp_core.adapters.tables import Channel, Item, Location
from erp_core.clock import utcnow
from erp_core.domain.errors import NotFound
from erp_core.domain.forecasts import LEVELS, RunStatus, check_request

CHUNK = 10_000


@dataclass(frozen=True)
class ForecastPoint:
    sku: str
    location: str | None
    channel: str | None
    ds: date
    model: str
    mean: float
    lo_80: float | None
    hi_80: float | None
    lo_95: float | None
    hi_95: float | None


def open_run(db: Database, actor: str, grouping: str, horizon: int, model_name: str) -> int:
    check_request(horizon, db.settings.forecast_max_horizon, grouping)

    def work(session: Session) -> int:
        run = ForecastRun(
            status=RunStatus.QUEUED,
            grouping=grouping,
            horizon=horizon,
            levels=list(LEVELS),
            model_name=model_name,
            metrics={},
            requested_by=actor,
        )
        session.add(run)
        session.flush()
        return run.id

    return db.transact(work)


def start_run(db: Database, run_id: int, model_version: str | None, degraded: bool) -> None:
    _set(
        db,
        run_id,
        status=RunStatus.RUNNING,
        model_version=model_version,
        degraded=degraded,
        started_at=utcnow(),
    )


def report_progress(db: Database, run_id: int, fraction: float) -> None:
    _set(db, run_id, progress=min(1.0, max(0.0, fraction)))


def fail_run(db: Database, run_id: int, reason: str) -> None:
    _set(db, run_id, status=RunStatus.FAILED, message=reason[:1000], finished_at=utcnow())


def publish_run(
    db: Database,
    run_id: int,
    points: Sequence[ForecastPoint],
    metrics: dict[str, Any],
    degraded: bool,
) -> None:
    """Write every value and mark the run succeeded (degraded when the baseline stood in for
    the model), in one transaction."""

    def work(session: Session) -> None:
        ids = _ids(session)
        series = {(p.sku, p.location, p.channel) for p in points}
        for start in range(0, len(points), CHUNK):
            rows = [_row(run_id, p, ids) for p in points[start : start + CHUNK]]
            session.execute(insert(ForecastValue), rows)
        session.execute(
            update(ForecastRun)
            .where(ForecastRun.id == run_id)
            .values(
                status=RunStatus.SUCCEEDED,
                progress=1.0,
                series=len(series),
                metrics=metrics,
                degraded=degraded,
                finished_at=utcnow(),
            )
        )

    db.transact(work)


def _set(db: Database, run_id: int, **values: Any) -> None:
    def work(session: Session) -> None:
        done = session.execute(
            update(ForecastRun).where(ForecastRun.id == run_id).values(**values)
        ).rowcount  # type: ignore[attr-defined]
        if not done:
            raise NotFound(f"forecast run {run_id} does not exist", id=run_id)

    db.transact(work)


def _ids(session: Session) -> dict[str, dict[str, int]]:
    return {
        "item": dict(session.execute(select(Item.sku, Item.id)).all()),
        "location": dict(session.execute(select(Location.code, Location.id)).all()),
        "channel": dict(session.execute(select(Channel.code, Channel.id)).all()),
    }


def _row(run_id: int, point: ForecastPoint, ids: dict[str, dict[str, int]]) -> dict[str, Any]:
    if point.sku not in ids["item"]:
        raise NotFound(f"item {point.sku!r} does not exist", sku=point.sku)
    return {
        "run_id": run_id,
        "item_id": ids["item"][point.sku],
        "location_id": ids["location"].get(point.location) if point.location else None,
        "channel_id": ids["channel"].get(point.channel) if point.channel else None,
        "ds": point.ds,
        "model": point.model,
        "mean": point.mean,
        "lo_80": point.lo_80,
        "hi_80": point.hi_80,
        "lo_95": point.lo_95,
        "hi_95": point.hi_95,
    }
