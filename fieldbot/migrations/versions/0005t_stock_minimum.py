"""Stock that warns (DESIGN.md §8, issue 14): a minimum per location and part
(``stock.min_quantity``), and whether the storekeepers were told it fell below it
(``stock.low_told``, cleared once the quantity is back at or above the minimum).

Revision ID: 0005t
Revises: 0005d
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005t"
down_revision: str | None = "0005d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stock") as batch:
        batch.add_column(
            sa.Column("min_quantity", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(
            sa.Column("low_told", sa.Boolean(), nullable=False, server_default=sa.text("false"))
        )
        batch.create_check_constraint(
            op.f("ck_stock_min_quantity_not_negative"), "min_quantity >= 0"
        )


def downgrade() -> None:
    with op.batch_alter_table("stock") as batch:
        batch.drop_constraint(op.f("ck_stock_min_quantity_not_negative"), type_="check")
        batch.drop_column("low_told")
        batch.drop_column("min_quantity")
