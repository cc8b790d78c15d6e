"""purchase orders, receipts, lead-time actuals, landed cost

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from erp_core.migrations.append_only import allow_rewrites, forbid_rewrites

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

APPEND_ONLY = ("receipts", "receipt_lines")
# Plain ADD COLUMN with a server default: SQLite adds it without rebuilding the table.
INSPECTED = ("items", "suppliers")


def upgrade() -> None:
    for table in INSPECTED:
        op.add_column(
            table,
            sa.Column(
                "requires_inspection", sa.Boolean(), server_default=sa.false(), nullable=False
            ),
        )
    op.create_table(
        "purchase_orders",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "approved",
                "sent",
                "partially_received",
                "received",
                "closed",
                "cancelled",
                name="po_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("total_value", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(length=100), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "total_value >= 0", name=op.f("ck_purchase_orders_total_value_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_purchase_orders_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_purchase_orders_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_orders")),
    )
    op.create_index(
        "ix_purchase_orders_status_created",
        "purchase_orders",
        ["status", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_purchase_orders_supplier_id"), "purchase_orders", ["supplier_id"], unique=False
    )
    op.create_table(
        "purchase_order_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "purchase_order_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty_ordered", sa.Integer(), nullable=False),
        sa.Column("qty_received", sa.Integer(), nullable=False),
        sa.Column("unit_cost", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("expected_date", sa.Date(), nullable=False),
        sa.Column("override_reason", sa.String(length=200), nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "qty_ordered > 0", name=op.f("ck_purchase_order_lines_qty_ordered_positive")
        ),
        sa.CheckConstraint(
            "qty_received >= 0", name=op.f("ck_purchase_order_lines_qty_received_not_negative")
        ),
        sa.CheckConstraint(
            "unit_cost >= 0", name=op.f("ck_purchase_order_lines_unit_cost_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_purchase_order_lines_item_id_items")
        ),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_purchase_order_lines_purchase_order_id_purchase_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_lines")),
        sa.UniqueConstraint(
            "purchase_order_id", "line_no", name=op.f("uq_purchase_order_lines_purchase_order_id")
        ),
    )
    op.create_index(
        "ix_purchase_order_lines_item_open",
        "purchase_order_lines",
        ["item_id", "closed"],
        unique=False,
    )
    op.create_table(
        "receipts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "purchase_order_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("freight", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("duty", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column(
            "allocation_basis",
            sa.Enum(
                "value",
                "weight",
                name="allocation_basis",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "journal_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("duty >= 0", name=op.f("ck_receipts_duty_not_negative")),
        sa.CheckConstraint("freight >= 0", name=op.f("ck_receipts_freight_not_negative")),
        sa.ForeignKeyConstraint(
            ["journal_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_receipts_journal_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_receipts_purchase_order_id_purchase_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipts")),
    )
    op.create_index(
        op.f("ix_receipts_purchase_order_id"), "receipts", ["purchase_order_id"], unique=False
    )
    op.create_table(
        "receipt_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "receipt_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "purchase_order_line_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column(
            "to_status",
            sa.Enum(
                "available",
                "reserved",
                "damaged",
                "quarantine",
                "inspection",
                "in_transit",
                name="receipt_to",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("unit_cost", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("freight", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("duty", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("landed_unit_cost", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("lead_time_days", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=False),
        sa.Column("move_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint(
            "freight >= 0 AND duty >= 0", name=op.f("ck_receipt_lines_charges_not_negative")
        ),
        sa.CheckConstraint(
            "landed_unit_cost >= 0", name=op.f("ck_receipt_lines_landed_cost_not_negative")
        ),
        sa.CheckConstraint("qty > 0", name=op.f("ck_receipt_lines_qty_positive")),
        sa.CheckConstraint("unit_cost >= 0", name=op.f("ck_receipt_lines_unit_cost_not_negative")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_receipt_lines_item_id_items")
        ),
        sa.ForeignKeyConstraint(
            ["move_id"], ["stock_moves.id"], name=op.f("fk_receipt_lines_move_id_stock_moves")
        ),
        sa.ForeignKeyConstraint(
            ["purchase_order_line_id"],
            ["purchase_order_lines.id"],
            name=op.f("fk_receipt_lines_purchase_order_line_id_purchase_order_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["receipts.id"], name=op.f("fk_receipt_lines_receipt_id_receipts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_lines")),
        sa.UniqueConstraint("move_id", name=op.f("uq_receipt_lines_move_id")),
    )
    op.create_index(
        op.f("ix_receipt_lines_purchase_order_line_id"),
        "receipt_lines",
        ["purchase_order_line_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_receipt_lines_receipt_id"), "receipt_lines", ["receipt_id"], unique=False
    )
    for table in APPEND_ONLY:
        forbid_rewrites(table)


def downgrade() -> None:
    for table in APPEND_ONLY:
        allow_rewrites(table)
    op.drop_table("receipt_lines")
    op.drop_table("receipts")
    op.drop_table("purchase_order_lines")
    op.drop_table("purchase_orders")
    for table in INSPECTED:
        op.drop_column(table, "requires_inspection")
