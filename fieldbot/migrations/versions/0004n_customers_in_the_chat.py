"""Customers in the chat (DESIGN.md §5): a job the customer reported themselves
(``jobs.own_request``, it runs the first-reply clock) and a customer's /mute
(``customers.notices_muted``).

Revision ID: 0004n
Revises: 0004w
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004n"
down_revision: str | None = "0004w"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(
            sa.Column("own_request", sa.Boolean(), nullable=False, server_default=sa.text("false"))
        )
    with op.batch_alter_table("customers") as batch:
        batch.add_column(
            sa.Column(
                "notices_muted", sa.Boolean(), nullable=False, server_default=sa.text("false")
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("notices_muted")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("own_request")
