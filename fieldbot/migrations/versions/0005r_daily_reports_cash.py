"""Daily reports and cash handed over (DESIGN.md §5): the technicians' and branches' daily
reports, the files sent with them, and the cash the accountant confirmed as handed over.

Revision ID: 0005r
Revises: 0005p
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005r"
down_revision: str | None = "0005p"
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
        "reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("admin_minutes", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("figures", sa.Text(), server_default="{}", nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        _instant("decided_at"),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        _instant("created_at", nullable=False),
        _instant("updated_at", nullable=False),
        sa.CheckConstraint("kind IN ('technician', 'branch')", name=op.f("ck_reports_kind_values")),
        sa.CheckConstraint(
            "admin_minutes >= 0", name=op.f("ck_reports_admin_minutes_not_negative")
        ),
        _fk("reports", "branch_id", "branches"),
        _fk("reports", "staff_id", "staff"),
        _fk("reports", "decided_by", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("key", name=op.f("uq_reports_key")),
    )
    op.create_index(op.f("ix_reports_day"), "reports", ["day"], unique=False)
    op.create_table(
        "report_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("media", sa.String(length=16), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        _instant("created_at", nullable=False),
        _fk("report_files", "report_id", "reports"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_files")),
    )
    op.create_index(op.f("ix_report_files_report_id"), "report_files", ["report_id"], unique=False)
    op.create_table(
        "cash_handovers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("accountant_id", sa.Integer(), nullable=False),
        sa.Column("held_fen", sa.BigInteger(), nullable=False),
        sa.Column("confirmed_fen", sa.BigInteger(), nullable=False),
        _instant("at", nullable=False),
        sa.CheckConstraint(
            "confirmed_fen >= 0", name=op.f("ck_cash_handovers_confirmed_not_negative")
        ),
        _fk("cash_handovers", "staff_id", "staff"),
        _fk("cash_handovers", "accountant_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_handovers")),
    )
    op.create_index(
        op.f("ix_cash_handovers_staff_id"), "cash_handovers", ["staff_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_cash_handovers_staff_id"), table_name="cash_handovers")
    op.drop_table("cash_handovers")
    op.drop_index(op.f("ix_report_files_report_id"), table_name="report_files")
    op.drop_table("report_files")
    op.drop_index(op.f("ix_reports_day"), table_name="reports")
    op.drop_table("reports")
