"""marketplace settlements, their rows and exceptions

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MONEY = sa.Numeric(precision=14, scale=4)


def upgrade() -> None:
    op.create_table(
        "settlements",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("settlement_id", sa.String(length=64), nullable=False),
        sa.Column("posted_date", sa.Date(), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("payout", MONEY, nullable=False),
        sa.Column("matched_payout", MONEY, nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("matched_count", sa.Integer(), nullable=False),
        sa.Column("exception_count", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("journal_entry_id", BIG_ID, nullable=True),
        sa.CheckConstraint(
            "row_count = matched_count + exception_count",
            name=op.f("ck_settlements_rows_matched_or_not"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_settlements_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["journal_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_settlements_journal_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlements")),
        sa.UniqueConstraint("channel_id", "settlement_id", name=op.f("uq_settlements_channel_id")),
    )
    op.create_table(
        "settlement_rows",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("settlement_id", BIG_ID, nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("order_ref", sa.String(length=100), nullable=True),
        sa.Column("order_id", BIG_ID, nullable=True),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("account", sa.String(length=100), nullable=False),
        sa.Column("expected", MONEY, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "status IN ('matched', 'open', 'accepted', 'dismissed')",
            name=op.f("ck_settlement_rows_status_known"),
        ),
        sa.CheckConstraint(
            "type IN ('order', 'refund', 'fee', 'adjustment')",
            name=op.f("ck_settlement_rows_type_known"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_settlement_rows_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["settlements.id"],
            name=op.f("fk_settlement_rows_settlement_id_settlements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_rows")),
        sa.UniqueConstraint("settlement_id", "line", name=op.f("uq_settlement_rows_settlement_id")),
    )
    with op.batch_alter_table("settlement_rows", schema=None) as batch_op:
        batch_op.create_index("ix_settlement_rows_order", ["order_id", "type"], unique=False)

    op.create_table(
        "settlement_exceptions",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("row_id", BIG_ID, nullable=False),
        sa.Column("settlement_id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("expected", MONEY, nullable=True),
        sa.Column("actual", MONEY, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("journal_entry_id", BIG_ID, nullable=True),
        sa.CheckConstraint(
            "(status = 'open') = (resolved_at IS NULL)",
            name=op.f("ck_settlement_exceptions_resolved_when_not_open"),
        ),
        sa.CheckConstraint(
            "kind IN ('missing_order', 'amount_mismatch', 'fee_mismatch', 'unexpected_fee', "
            "'duplicate_payment', 'unmatched_adjustment')",
            name=op.f("ck_settlement_exceptions_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'accepted', 'dismissed')",
            name=op.f("ck_settlement_exceptions_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["journal_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_settlement_exceptions_journal_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["row_id"],
            ["settlement_rows.id"],
            name=op.f("fk_settlement_exceptions_row_id_settlement_rows"),
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["settlements.id"],
            name=op.f("fk_settlement_exceptions_settlement_id_settlements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_exceptions")),
        sa.UniqueConstraint("row_id", name=op.f("uq_settlement_exceptions_row_id")),
    )
    with op.batch_alter_table("settlement_exceptions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_settlement_exceptions_settlement", ["settlement_id", "id"], unique=False
        )
        batch_op.create_index("ix_settlement_exceptions_status_id", ["status", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("settlement_exceptions", schema=None) as batch_op:
        batch_op.drop_index("ix_settlement_exceptions_status_id")
        batch_op.drop_index("ix_settlement_exceptions_settlement")

    op.drop_table("settlement_exceptions")
    with op.batch_alter_table("settlement_rows", schema=None) as batch_op:
        batch_op.drop_index("ix_settlement_rows_order")

    op.drop_table("settlement_rows")
    op.drop_table("settlements")
