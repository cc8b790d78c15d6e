"""The composition root: builds the real database handle, the order router and the order
anomaly scorer from settings, once per process."""

from __future__ import annotations

from functools import lru_cache

from erp_core.adapters.database import Database
from erp_core.domain.routing import Router
from erp_core.settings import Settings, get_settings
from pipelines.order_anomaly_scorer import LiveOrderScorer
from pipelines.routing_orders import OptimalRouter


@lru_cache
def database() -> Database:
    return Database(get_settings())


def database_for(settings: Settings) -> Database:
    return Database(settings)


def order_scorer(settings: Settings | None = None) -> LiveOrderScorer:
    """The anomaly scorer capture calls: the MLflow champion, or the rules without one."""
    return LiveOrderScorer.from_settings(settings or get_settings())


def order_router(settings: Settings | None = None) -> Router:
    """The OR-Tools router release reserves from."""
    chosen = settings or get_settings()
    return OptimalRouter(chosen.routing_time_limit_seconds, chosen.solver_workers)
