"""journal reversals, accounting periods, tax rates, order tax jurisdictions, shipping cost,
KPI indexes

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

FK = "fk_journal_entries_reverses_id_journal_entries"


def upgrade() -> None:
    op.create_table(
        "accounting_periods",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=100), nullable=False),
        sa.Column("balances", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_accounting_periods")),
    )
    # The journal is append-only and large: SQLite takes the column with its reference in a
    # plain ADD COLUMN, where a batch rebuild would copy every entry and drop the triggers.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE journal_entries ADD COLUMN reverses_id INTEGER "
            f"CONSTRAINT {FK} REFERENCES journal_entries (id)"
        )
    else:
        op.add_column("journal_entries", sa.Column("reverses_id", sa.BigInteger(), nullable=True))
        op.create_foreign_key(FK, "journal_entries", "journal_entries", ["reverses_id"], ["id"])
    op.create_index(
        "uq_journal_entries_reverses_id", "journal_entries", ["reverses_id"], unique=True
    )
    op.create_table(
        "tax_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction", sa.String(length=64), nullable=False),
        sa.Column("rate", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("set_by", sa.String(length=100), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rate >= 0 AND rate < 1", name=op.f("ck_tax_rates_rate_a_fraction")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_rates")),
        sa.UniqueConstraint("jurisdiction", "valid_from", name=op.f("uq_tax_rates_jurisdiction")),
    )
    op.add_column("orders", sa.Column("tax_jurisdiction", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_orders_tax_jurisdiction"), "orders", ["tax_jurisdiction"])
    op.add_column(
        "shipments",
        sa.Column(
            "shipping_cost", sa.Numeric(precision=14, scale=4), server_default="0", nullable=False
        ),
    )
    # The KPIs read shipments and forecast values by day.
    op.create_index(op.f("ix_shipments_shipped_at"), "shipments", ["shipped_at"])
    op.create_index(
        "ix_forecast_values_run_day", "forecast_values", ["run_id", "ds", "item_id", "mean"]
    )


def downgrade() -> None:
    op.drop_index("ix_forecast_values_run_day", table_name="forecast_values")
    op.drop_index(op.f("ix_shipments_shipped_at"), table_name="shipments")
    op.drop_column("shipments", "shipping_cost")
    op.drop_index(op.f("ix_orders_tax_jurisdiction"), table_name="orders")
    op.drop_column("orders", "tax_jurisdiction")
    op.drop_table("tax_rates")
    op.drop_index("uq_journal_entries_reverses_id", table_name="journal_entries")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE journal_entries DROP COLUMN reverses_id")
    else:
        op.drop_constraint(FK, "journal_entries", type_="foreignkey")
        op.drop_column("journal_entries", "reverses_id")
    op.drop_table("accounting_periods")
