"""Custody and workshop billing (DESIGN.md §3 Second pass): a work record says whether it was
written on site or by a workshop repair card, and a receipt keeps the customer's confirmation
(how, when, and the photo of the signed paper receipt).

Revision ID: 0004w
Revises: 0004q
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004w"
down_revision: str | None = "0004q"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("work_records") as batch:
        batch.add_column(
            sa.Column("stage", sa.String(length=16), nullable=False, server_default="site")
        )
    with op.batch_alter_table("receipts") as batch:
        batch.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("confirm_method", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("confirm_evidence", sa.String(length=256), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("receipts") as batch:
        batch.drop_column("confirm_evidence")
        batch.drop_column("confirm_method")
        batch.drop_column("confirmed_at")
    with op.batch_alter_table("work_records") as batch:
        batch.drop_column("stage")
