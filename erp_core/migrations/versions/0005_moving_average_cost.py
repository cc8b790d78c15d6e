"""moving-average cost (items.average_cost, stock_moves.unit_cost); order line cancellation

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (table, column): each non-negative check rides inline on ADD COLUMN, which SQLite accepts
# without rebuilding the table (a rebuild would drop stock_moves' append-only triggers).
COSTS = (("items", "average_cost"), ("stock_moves", "unit_cost"))


def upgrade() -> None:
    op.add_column(
        "order_lines",
        sa.Column(
            "qty_cancelled",
            sa.Integer(),
            sa.CheckConstraint("qty_cancelled BETWEEN 0 AND qty", name="cancelled_within_qty"),
            server_default="0",
            nullable=False,
        ),
    )
    for table, column in COSTS:
        op.add_column(
            table,
            sa.Column(
                column,
                sa.Numeric(precision=14, scale=4),
                sa.CheckConstraint(f"{column} >= 0", name=f"{column}_not_negative"),
                nullable=True,
            ),
        )


def downgrade() -> None:
    for table, column in COSTS:
        if op.get_bind().dialect.name != "sqlite":
            check = op.f(f"ck_{table}_{column}_not_negative")
            op.drop_constraint(check, table, type_="check")
        op.drop_column(table, column)
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_order_lines_cancelled_within_qty"), "order_lines", "check")
    op.drop_column("order_lines", "qty_cancelled")
