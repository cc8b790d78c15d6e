"""The Alembic migrations build exactly the schema the models describe, and go down and up."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from erp_core.adapters import (  # noqa: F401  (register their tables)
    allocation_tables,
    anomaly_tables,
    forecast_tables,
    fulfillment_tables,
    label_tables,
    order_tables,
    purchasing_tables,
    replenishment_tables,
    returns_tables,
    routing_tables,
    settlement_tables,
    transfer_tables,
)
from erp_core.adapters.migrations import alembic_config, upgrade
from erp_core.adapters.tables import Base
from erp_core.settings import Settings


def _differences(url: str) -> list[object]:
    engine = create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        found = compare_metadata(context, Base.metadata)
    engine.dispose()
    return list(found)


def test_the_migrated_database_matches_the_models(settings: Settings) -> None:
    assert _differences(settings.database_url) == []


def test_migrations_go_down_to_nothing_and_back_up(settings: Settings) -> None:
    command.downgrade(alembic_config(settings.database_url), "base")
    upgrade(settings.database_url)
    assert _differences(settings.database_url) == []
