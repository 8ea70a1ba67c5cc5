"""Initial schema: company records, jobs, audit log, outbox, deadlines, workflow state.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "branches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("urban_radius_km", sa.Float(), nullable=True),
        sa.Column("working_hours", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branches")),
        sa.UniqueConstraint("code", name=op.f("uq_branches_code")),
    )
    op.create_table(
        "buttons",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), server_default="{}", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_buttons")),
    )
    op.create_index(op.f("ix_buttons_expires_at"), "buttons", ["expires_at"], unique=False)
    op.create_table(
        "event_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_event_chain_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_chain_head")),
    )
    op.create_table(
        "events",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_events")),
    )
    op.create_index(op.f("ix_events_kind"), "events", ["kind"], unique=False)
    op.create_index(
        op.f("ix_events_subject_type_subject_id"),
        "events",
        ["subject_type", "subject_id"],
        unique=False,
    )
    op.create_table(
        "forms",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("data", sa.Text(), server_default="{}", nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_forms")),
    )
    op.create_table(
        "job_number_counters",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_job_number_counters")),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("recipient_kind", sa.String(length=16), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("template", sa.String(length=100), nullable=False),
        sa.Column("params", sa.Text(), server_default="{}", nullable=False),
        sa.Column("priority", sa.Integer(), server_default=sa.text("10"), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("method", sa.String(length=8), server_default="send", nullable=False),
        sa.Column(
            "ref_outbox_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("ref_message_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("reclaims", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("method IN ('send', 'edit', 'delete')", name=op.f("ck_outbox_method")),
        sa.CheckConstraint(
            "status IN ('pending', 'in_flight', 'sent', 'failed')", name=op.f("ck_outbox_status")
        ),
        sa.ForeignKeyConstraint(
            ["ref_outbox_id"], ["outbox.id"], name=op.f("fk_outbox_ref_outbox_id_outbox")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    op.create_index(
        op.f("ix_outbox_status_lease_until"), "outbox", ["status", "lease_until"], unique=False
    )
    op.create_index(
        op.f("ix_outbox_status_next_attempt_at"),
        "outbox",
        ["status", "next_attempt_at"],
        unique=False,
    )
    op.create_table(
        "parts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("warranty_eligible", sa.Boolean(), nullable=False),
        sa.CheckConstraint("unit_price_fen >= 0", name=op.f("ck_parts_price_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parts")),
        sa.UniqueConstraint("code", name=op.f("uq_parts_code")),
    )
    op.create_table(
        "calendar_overrides",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("is_working", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_calendar_overrides_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_overrides")),
        sa.UniqueConstraint("branch_id", "day", name=op.f("uq_calendar_overrides_branch_id_day")),
    )
    op.create_index(
        "uq_calendar_overrides_company_day",
        "calendar_overrides",
        ["day"],
        unique=True,
        sqlite_where=sa.text("branch_id IS NULL"),
        postgresql_where=sa.text("branch_id IS NULL"),
    )
    op.create_table(
        "clocks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(length=32), nullable=False),
        sa.Column("generation", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("calendar", sa.String(length=16), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("target_seconds", sa.BigInteger(), nullable=False),
        sa.Column("urgent", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pause_reason", sa.Text(), nullable=True),
        sa.Column(
            "elapsed_before_pause_seconds", sa.Float(), server_default=sa.text("0"), nullable=False
        ),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("wake_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("calendar IN ('calendar', 'working')", name=op.f("ck_clocks_calendar")),
        sa.CheckConstraint(
            "state IN ('running', 'paused', 'stopped')", name=op.f("ck_clocks_state")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_clocks_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clocks")),
        sa.UniqueConstraint(
            "subject_type",
            "subject_id",
            "clock",
            name=op.f("uq_clocks_subject_type_subject_id_clock"),
        ),
    )
    op.create_index(op.f("ix_clocks_due_at"), "clocks", ["due_at"], unique=False)
    op.create_index(op.f("ix_clocks_wake_at"), "clocks", ["wake_at"], unique=False)
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_enc", sa.LargeBinary(), nullable=False),
        sa.Column("phone_enc", sa.LargeBinary(), nullable=False),
        sa.Column("phone_bidx", sa.String(length=64), nullable=False),
        sa.Column("address_enc", sa.LargeBinary(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_customers_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("code", name=op.f("uq_customers_code")),
        sa.UniqueConstraint("telegram_user_id", name=op.f("uq_customers_telegram_user_id")),
    )
    op.create_index(op.f("ix_customers_branch_id"), "customers", ["branch_id"], unique=False)
    op.create_index(op.f("ix_customers_phone_bidx"), "customers", ["phone_bidx"], unique=False)
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.String(length=200), nullable=False),
        sa.Column("skills", sa.Text(), server_default="", nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("phone_enc", sa.LargeBinary(), nullable=False),
        sa.Column("phone_bidx", sa.String(length=64), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("last_latitude", sa.Float(), nullable=True),
        sa.Column("last_longitude", sa.Float(), nullable=True),
        sa.Column("last_located_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_staff_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("code", name=op.f("uq_staff_code")),
        sa.UniqueConstraint("telegram_user_id", name=op.f("uq_staff_telegram_user_id")),
    )
    op.create_index(op.f("ix_staff_branch_id"), "staff", ["branch_id"], unique=False)
    op.create_index(op.f("ix_staff_phone_bidx"), "staff", ["phone_bidx"], unique=False)
    op.create_table(
        "stock",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("location", sa.String(length=64), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_stock_quantity_not_negative")),
        sa.ForeignKeyConstraint(["part_id"], ["parts.id"], name=op.f("fk_stock_part_id_parts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock")),
        sa.UniqueConstraint("location", "part_id", name=op.f("uq_stock_location_part_id")),
    )
    op.create_index(op.f("ix_stock_part_id"), "stock", ["part_id"], unique=False)
    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("covers_labour", sa.Boolean(), nullable=False),
        sa.Column("covers_parts", sa.Boolean(), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_contracts_period")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_contracts_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
        sa.UniqueConstraint("number", name=op.f("uq_contracts_number")),
    )
    op.create_index(op.f("ix_contracts_customer_id"), "contracts", ["customer_id"], unique=False)
    op.create_index(op.f("ix_contracts_ends_on"), "contracts", ["ends_on"], unique=False)
    op.create_table(
        "equipment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("product_line", sa.String(length=100), nullable=False),
        sa.Column("purchased_on", sa.Date(), nullable=False),
        sa.Column("warranty_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_equipment_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equipment")),
        sa.UniqueConstraint("serial", name=op.f("uq_equipment_serial")),
    )
    op.create_index(op.f("ix_equipment_customer_id"), "equipment", ["customer_id"], unique=False)
    op.create_table(
        "fired_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(length=32), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"], ["staff.id"], name=op.f("fk_fired_steps_acknowledged_by_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fired_steps")),
        sa.UniqueConstraint(
            "subject_type",
            "subject_id",
            "clock",
            "generation",
            "step",
            name=op.f("uq_fired_steps_subject_type_subject_id_clock_generation_step"),
        ),
    )
    op.create_index(
        op.f("ix_fired_steps_step_acknowledged_at"),
        "fired_steps",
        ["step", "acknowledged_at"],
        unique=False,
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("equipment_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("fault", sa.Text(), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("service_type", sa.String(length=1), nullable=False),
        sa.Column("service_type_reason", sa.Text(), nullable=True),
        sa.Column("zone", sa.String(length=16), nullable=False),
        sa.Column("zone_reason", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("carried_over", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("appointment_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assign_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("contact_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("arrival_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("workshop_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_jobs_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_jobs_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["equipment_id"], ["equipment.id"], name=op.f("fk_jobs_equipment_id_equipment")
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["staff.id"], name=op.f("fk_jobs_technician_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("number", name=op.f("uq_jobs_number")),
    )
    op.create_index(op.f("ix_jobs_branch_id_state"), "jobs", ["branch_id", "state"], unique=False)
    op.create_index(op.f("ix_jobs_called_at"), "jobs", ["called_at"], unique=False)
    op.create_index(op.f("ix_jobs_customer_id"), "jobs", ["customer_id"], unique=False)
    op.create_index(op.f("ix_jobs_equipment_id"), "jobs", ["equipment_id"], unique=False)
    op.create_index(op.f("ix_jobs_state"), "jobs", ["state"], unique=False)
    op.create_index(op.f("ix_jobs_technician_id"), "jobs", ["technician_id"], unique=False)
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("payload", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), server_default="staff", nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by_user_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_invites_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_invites_job_id_jobs")),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_invites_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("payload", name=op.f("uq_invites_payload")),
    )
    op.bulk_insert(
        sa.table(
            "event_chain_head",
            sa.column("id", sa.Integer),
            sa.column("count", sa.BigInteger),
            sa.column("last_hash", sa.String),
        ),
        [{"id": 1, "count": 0, "last_hash": "0" * 64}],
    )


def downgrade() -> None:
    op.drop_table("invites")
    op.drop_table("jobs")
    op.drop_table("fired_steps")
    op.drop_table("equipment")
    op.drop_table("contracts")
    op.drop_table("stock")
    op.drop_table("staff")
    op.drop_table("customers")
    op.drop_table("clocks")
    op.drop_table("calendar_overrides")
    op.drop_table("parts")
    op.drop_table("outbox")
    op.drop_table("job_number_counters")
    op.drop_table("forms")
    op.drop_table("events")
    op.drop_table("event_chain_head")
    op.drop_table("buttons")
    op.drop_table("branches")
