"""Receivables: when an invoice was recorded paid, and by whom (DESIGN.md §3 "Invoices and
receivables").

Revision ID: 0004r
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004r"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("settlements") as batch:
        batch.add_column(sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("paid_by", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_settlements_paid_by_staff"), "staff", ["paid_by"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("settlements") as batch:
        batch.drop_constraint(op.f("fk_settlements_paid_by_staff"), type_="foreignkey")
        batch.drop_column("paid_by")
        batch.drop_column("paid_at")
