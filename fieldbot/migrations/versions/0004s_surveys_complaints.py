"""Surveys and complaints (DESIGN.md §5): one survey per closed job (in the chat or by phone,
with its complaint candidate), the complaint register and its daily numbers.

Revision ID: 0004s
Revises: 0004n
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004s"
down_revision: str | None = "0004n"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _instant(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("attitude", sa.Integer(), nullable=True),
        sa.Column("skill", sa.Integer(), nullable=True),
        sa.Column("arrival", sa.Integer(), nullable=True),
        sa.Column("promises", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        _instant("sent_at", nullable=False),
        _instant("reminded_at"),
        _instant("handed_over_at"),
        _instant("answered_at"),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("candidate_state", sa.String(length=16), nullable=True),
        sa.Column("candidate_reason", sa.Text(), nullable=True),
        sa.Column("candidate_by", sa.Integer(), nullable=True),
        _instant("candidate_at"),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        _instant("created_at", nullable=False),
        _instant("updated_at", nullable=False),
        sa.CheckConstraint("state IN ('open', 'answered')", name=op.f("ck_surveys_state_values")),
        _fk("surveys", "job_id", "jobs"),
        _fk("surveys", "branch_id", "branches"),
        _fk("surveys", "customer_id", "customers"),
        _fk("surveys", "technician_id", "staff"),
        _fk("surveys", "recorded_by", "staff"),
        _fk("surveys", "candidate_by", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        sa.UniqueConstraint("job_id", name=op.f("uq_surveys_job_id")),
    )
    for column in ("branch_id", "customer_id", "technician_id"):
        op.create_index(op.f(f"ix_surveys_{column}"), "surveys", [column], unique=False)

    op.create_table(
        "complaint_number_counters",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_complaint_number_counters")),
    )

    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        _instant("filed_at", nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("survey_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("filed_by", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("photos", sa.Text(), server_default="[]", nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=True),
        sa.Column("cause", sa.String(length=16), nullable=True),
        sa.Column("classified_by", sa.Integer(), nullable=True),
        sa.Column("contact_kind", sa.String(length=8), nullable=True),
        _instant("contact_at"),
        sa.Column("contact_outcome", sa.Text(), nullable=True),
        sa.Column("contact_by", sa.Integer(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        _instant("result_at"),
        sa.Column("result_outbox_id", sa.Integer(), nullable=True),
        _instant("resolved_at"),
        sa.Column("reopened", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        _instant("created_at", nullable=False),
        _instant("updated_at", nullable=False),
        sa.CheckConstraint(
            "state IN ('open', 'result_sent', 'resolved')",
            name=op.f("ck_complaints_state_values"),
        ),
        _fk("complaints", "branch_id", "branches"),
        _fk("complaints", "customer_id", "customers"),
        _fk("complaints", "job_id", "jobs"),
        _fk("complaints", "survey_id", "surveys"),
        _fk("complaints", "filed_by", "staff"),
        _fk("complaints", "classified_by", "staff"),
        _fk("complaints", "contact_by", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("number", name=op.f("uq_complaints_number")),
    )
    for column in ("filed_at", "branch_id", "customer_id", "job_id"):
        op.create_index(op.f(f"ix_complaints_{column}"), "complaints", [column], unique=False)


def downgrade() -> None:
    for column in ("filed_at", "branch_id", "customer_id", "job_id"):
        op.drop_index(op.f(f"ix_complaints_{column}"), table_name="complaints")
    op.drop_table("complaints")
    op.drop_table("complaint_number_counters")
    for column in ("branch_id", "customer_id", "technician_id"):
        op.drop_index(op.f(f"ix_surveys_{column}"), table_name="surveys")
    op.drop_table("surveys")
