"""The outbox's template key is a gettext msgid, which can be longer than 100 characters
(PostgreSQL refused such messages).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column(
            "template",
            existing_type=sa.String(length=100),
            type_=sa.Text(),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column(
            "template",
            existing_type=sa.Text(),
            type_=sa.String(length=100),
            existing_nullable=False,
        )
