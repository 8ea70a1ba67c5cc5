"""Quotes (DESIGN.md §3 Second pass): a type A estimate above the quote limit that the customer
accepts or declines before the work, with the call-out fees a decline leaves due. Remote
resolution and the phone confirmation need no schema change (a work record, a sign-off method).

Revision ID: 0004q
Revises: 0004r
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004q"
down_revision: str | None = "0004r"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quotes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("labour_fen", sa.BigInteger(), nullable=False),
        sa.Column("parts_fen", sa.BigInteger(), nullable=False),
        sa.Column("travel_fen", sa.BigInteger(), nullable=False),
        sa.Column("other_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=True),
        sa.Column("evidence", sa.String(length=256), nullable=True),
        sa.Column("work_record_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "labour_fen >= 0 AND parts_fen >= 0", name=op.f("ck_quotes_estimate_not_negative")
        ),
        sa.CheckConstraint(
            "travel_fen >= 0 AND other_fen >= 0", name=op.f("ck_quotes_call_out_not_negative")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined')", name=op.f("ck_quotes_status_values")
        ),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_quotes_job_id_jobs")),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["staff.id"], name=op.f("fk_quotes_technician_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["work_record_id"],
            ["work_records.id"],
            name=op.f("fk_quotes_work_record_id_work_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
    )
    op.create_index(op.f("ix_quotes_job_id"), "quotes", ["job_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_quotes_job_id"), table_name="quotes")
    op.drop_table("quotes")
