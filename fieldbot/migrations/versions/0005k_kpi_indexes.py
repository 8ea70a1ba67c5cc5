"""The KPIs' indexes (DESIGN.md §5 "How the numbers are defined"): a clock is counted by the
moment it stopped, a closed job by its survey's sending (the survey is sent in the close's
transaction), a survey by when it was answered, work and repair cards by when they were
recorded (a technician's hours of the month).

Revision ID: 0005k
Revises: 0005s
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005k"
down_revision: str | None = "0005s"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("clocks", ("clock", "stopped_at")),
    ("clocks", ("clock", "due_at")),
    ("surveys", ("sent_at",)),
    ("surveys", ("answered_at",)),
    ("surveys", ("branch_id", "sent_at")),
    ("surveys", ("branch_id", "answered_at")),
    ("work_records", ("created_at",)),
    ("repair_cards", ("created_at",)),
)


def _name(table: str, columns: Sequence[str]) -> str:
    return f"ix_{table}_{'_'.join(columns)}"


def upgrade() -> None:
    for table, columns in INDEXES:
        op.create_index(op.f(_name(table, columns)), table, list(columns), unique=False)


def downgrade() -> None:
    for table, columns in INDEXES:
        op.drop_index(op.f(_name(table, columns)), table_name=table)
