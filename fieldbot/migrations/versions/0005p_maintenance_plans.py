"""Planned maintenance and the contract's own response times (DESIGN.md §8 contracts): the
optional columns of a contract, and the plan of its visits keyed (contract, visit index).

Revision ID: 0005p
Revises: 0005k
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005p"
down_revision: str | None = "0005k"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    with op.batch_alter_table("contracts") as batch:
        batch.add_column(sa.Column("visits_per_year", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("serials", sa.Text(), nullable=True))
        batch.add_column(sa.Column("assign_hours", sa.Float(), nullable=True))
        batch.add_column(sa.Column("arrival_working_hours", sa.Float(), nullable=True))
    op.create_table(
        "maintenance_visits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("visit_index", sa.Integer(), nullable=False),
        sa.Column("visit_on", sa.Date(), nullable=False),
        sa.Column("window_starts_on", sa.Date(), nullable=False),
        sa.Column("window_ends_on", sa.Date(), nullable=False),
        sa.Column("generate_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('planned', 'generated', 'made', 'missed', 'lapsed')",
            name=op.f("ck_maintenance_visits_state_values"),
        ),
        _fk("maintenance_visits", "contract_id", "contracts"),
        _fk("maintenance_visits", "job_id", "jobs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_visits")),
        sa.UniqueConstraint(
            "contract_id", "visit_index", name=op.f("uq_maintenance_visits_contract_id_visit_index")
        ),
        sa.UniqueConstraint("job_id", name=op.f("uq_maintenance_visits_job_id")),
    )
    op.create_index(
        op.f("ix_maintenance_visits_state_generate_on"),
        "maintenance_visits",
        ["state", "generate_on"],
        unique=False,
    )
    op.create_index(
        op.f("ix_maintenance_visits_state_window_ends_on"),
        "maintenance_visits",
        ["state", "window_ends_on"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_maintenance_visits_state_window_ends_on"), "maintenance_visits")
    op.drop_index(op.f("ix_maintenance_visits_state_generate_on"), "maintenance_visits")
    op.drop_table("maintenance_visits")
    with op.batch_alter_table("contracts") as batch:
        batch.drop_column("arrival_working_hours")
        batch.drop_column("assign_hours")
        batch.drop_column("serials")
        batch.drop_column("visits_per_year")
