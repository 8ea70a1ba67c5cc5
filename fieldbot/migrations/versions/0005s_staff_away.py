"""Staff away (DESIGN.md §6): periods of leave that dispatch suggestions skip.

Revision ID: 0005s
Revises: 0005t
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005s"
down_revision: str | None = "0005t"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["staff.id"], name=op.f(f"fk_absences_{column}_staff"))


def upgrade() -> None:
    op.create_table(
        "absences",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_absences_period")),
        _fk("staff_id"),
        _fk("recorded_by"),
        _fk("ended_by"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absences")),
    )
    op.create_index(
        op.f("ix_absences_staff_id_ends_on"), "absences", ["staff_id", "ends_on"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_absences_staff_id_ends_on"), table_name="absences")
    op.drop_table("absences")
