"""Builds the FastAPI application: routers, error table, body limits, the database handle."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from api import errors
from api.composition import database_for, order_router, order_scorer
from api.guards import BodyLimit, NulGuard
from api.key_cache import KeyCache
from api.routes import (
    allocation,
    anomalies,
    counts,
    dashboard,
    finance,
    forecasts,
    fulfillment,
    governance,
    health,
    holds,
    imports,
    inventory,
    kpis,
    master,
    order_import,
    orders,
    purchasing,
    release,
    replenishment,
    returns,
    routing,
    settlements,
    supplier_items,
    tax,
    transfers,
)
from erp_core.settings import Settings, get_settings

IMPORT_PREFIX = "/v1/imports/"
ORDER_IMPORT_PATH = "/v1/orders/import"
SETTLEMENT_IMPORT_PATH = settlements.SETTLEMENT_IMPORT_PATH


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = FastAPI(
        title="Keel",
        version="0.1.0",
        description="Ecommerce ERP core with decision support. Send your API key in the "
        "X-API-Key header (or as a bearer token) on every route but /health.",
    )
    app.state.database = database_for(settings)
    app.state.key_cache = KeyCache(settings.auth_cache_seconds)
    app.state.order_scorer = order_scorer(settings)
    app.state.router = order_router(settings)
    errors.install(app)
    app.include_router(health.router)
    for router in master.routers:
        app.include_router(router)
    for module in (
        supplier_items,
        inventory,
        imports,
        orders,
        order_import,
        release,
        fulfillment,
        holds,
        governance,
        purchasing,
        transfers,
        counts,
        returns,
        forecasts,
        replenishment,
        routing,
        allocation,
        anomalies,
        settlements,
        kpis,
        dashboard,
        finance,
        tax,
    ):
        app.include_router(module.router)

    def body_limit(path: str) -> int:
        if path.startswith(IMPORT_PREFIX) or path in (ORDER_IMPORT_PATH, SETTLEMENT_IMPORT_PATH):
            return settings.max_import_bytes
        return settings.max_body_bytes

    app.add_middleware(BodyLimit, limit_for=body_limit)
    app.add_middleware(NulGuard)
    return app
