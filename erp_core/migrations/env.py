"""Alembic environment: the URL comes from the caller (keel db upgrade) via the Config."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
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
from erp_core.adapters.tables import Base, UtcDateTime

config = context.config


def _render_item(type_: str, obj: Any, _: Any) -> str | Literal[False]:
    """Migrations name plain SQLAlchemy types, never Keel's own decorators."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=_render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
