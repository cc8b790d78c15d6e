"""The composition root: builds the real database handle from settings, once per process."""

from __future__ import annotations

from functools import lru_cache

from erp_core.adapters.database import Database
from erp_core.domain.routing import HandlingCostRouter, Router
from erp_core.settings import Settings, get_settings


@lru_cache
def database() -> Database:
    return Database(get_settings())


def database_for(settings: Settings) -> Database:
    return Database(settings)


def order_router() -> Router:
    """The default routing rule until the OR-Tools router of the routing issue replaces it."""
    return HandlingCostRouter()
