"""Alembic environment: the URL comes from the caller (keel db upgrade) via the Config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from erp_core.adapters.tables import Base

config = context.config


def run_migrations() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
