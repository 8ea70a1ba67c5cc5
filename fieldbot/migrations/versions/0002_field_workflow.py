"""Field workflow: work records and fees, parts used/requested/defective, sign-off evidence,
settlements and cash held, take-back receipts, in/out register, repair cards, inspections.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "defective_parts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_defective_parts_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_defective_parts_job_id_jobs")
        ),
        sa.ForeignKeyConstraint(
            ["part_id"], ["parts.id"], name=op.f("fk_defective_parts_part_id_parts")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_defective_parts_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_defective_parts")),
    )
    op.create_index(op.f("ix_defective_parts_job_id"), "defective_parts", ["job_id"], unique=False)

    op.create_table(
        "part_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("fulfilled_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'fulfilled', 'cancelled')",
            name=op.f("ck_part_requests_status_values"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_part_requests_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["fulfilled_by"], ["staff.id"], name=op.f("fk_part_requests_fulfilled_by_staff")
        ),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_part_requests_job_id_jobs")),
        sa.ForeignKeyConstraint(
            ["part_id"], ["parts.id"], name=op.f("fk_part_requests_part_id_parts")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["staff.id"], name=op.f("fk_part_requests_requested_by_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_part_requests")),
    )
    op.create_index(op.f("ix_part_requests_job_id"), "part_requests", ["job_id"], unique=False)
    op.create_index(op.f("ix_part_requests_status"), "part_requests", ["status"], unique=False)

    op.create_table(
        "receipts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("equipment_id", sa.Integer(), nullable=True),
        sa.Column("issued_by", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("promised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["equipment_id"], ["equipment.id"], name=op.f("fk_receipts_equipment_id_equipment")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["staff.id"], name=op.f("fk_receipts_issued_by_staff")
        ),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_receipts_job_id_jobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipts")),
        sa.UniqueConstraint("number", name=op.f("uq_receipts_number")),
    )
    op.create_index(op.f("ix_receipts_job_id"), "receipts", ["job_id"], unique=False)

    op.create_table(
        "settlements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("invoice_number", sa.String(length=64), nullable=True),
        sa.Column("collected_by", sa.Integer(), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cash_confirmed_by", sa.Integer(), nullable=True),
        sa.Column("cash_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "method IN ('cash', 'invoice', 'none')", name=op.f("ck_settlements_method_values")
        ),
        sa.CheckConstraint("amount_fen >= 0", name=op.f("ck_settlements_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["cash_confirmed_by"], ["staff.id"], name=op.f("fk_settlements_cash_confirmed_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["collected_by"], ["staff.id"], name=op.f("fk_settlements_collected_by_staff")
        ),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_settlements_job_id_jobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlements")),
        sa.UniqueConstraint("job_id", name=op.f("uq_settlements_job_id")),
    )
    op.create_index(
        op.f("ix_settlements_collected_by"), "settlements", ["collected_by"], unique=False
    )

    op.create_table(
        "signoffs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("evidence", sa.String(length=256), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_signoffs_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_signoffs_job_id_jobs")),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_signoffs_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signoffs")),
    )
    op.create_index(op.f("ix_signoffs_job_id"), "signoffs", ["job_id"], unique=False)

    op.create_table(
        "work_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("service_type", sa.String(length=1), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("amount_due_fen", sa.BigInteger(), nullable=False),
        sa.Column("approval", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "approval IN ('none', 'pending', 'approved', 'rejected')",
            name=op.f("ck_work_records_approval_values"),
        ),
        sa.CheckConstraint("minutes >= 0", name=op.f("ck_work_records_minutes_not_negative")),
        sa.CheckConstraint(
            "total_fen >= 0 AND amount_due_fen >= 0",
            name=op.f("ck_work_records_amounts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["staff.id"], name=op.f("fk_work_records_decided_by_staff")
        ),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_work_records_job_id_jobs")),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["staff.id"], name=op.f("fk_work_records_technician_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_records")),
    )
    op.create_index(op.f("ix_work_records_job_id"), "work_records", ["job_id"], unique=False)
    op.create_index(
        op.f("ix_work_records_technician_id"), "work_records", ["technician_id"], unique=False
    )

    op.create_table(
        "fee_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("work_record_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("charged_fen", sa.BigInteger(), nullable=False),
        sa.Column(
            "warranty_eligible", sa.Boolean(), server_default=sa.text("(false)"), nullable=False
        ),
        sa.Column("part_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "amount_fen >= 0 AND charged_fen >= 0", name=op.f("ck_fee_lines_amounts_not_negative")
        ),
        sa.ForeignKeyConstraint(["part_id"], ["parts.id"], name=op.f("fk_fee_lines_part_id_parts")),
        sa.ForeignKeyConstraint(
            ["work_record_id"],
            ["work_records.id"],
            name=op.f("fk_fee_lines_work_record_id_work_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_lines")),
    )
    op.create_index(
        op.f("ix_fee_lines_work_record_id"), "fee_lines", ["work_record_id"], unique=False
    )

    op.create_table(
        "part_usages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("work_record_id", sa.Integer(), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_part_usages_quantity_positive")),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_part_usages_job_id_jobs")),
        sa.ForeignKeyConstraint(
            ["part_id"], ["parts.id"], name=op.f("fk_part_usages_part_id_parts")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_part_usages_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["work_record_id"],
            ["work_records.id"],
            name=op.f("fk_part_usages_work_record_id_work_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_part_usages")),
    )
    op.create_index(op.f("ix_part_usages_job_id"), "part_usages", ["job_id"], unique=False)

    op.create_table(
        "repair_cards",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("parts", sa.Text(), server_default="[]", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("minutes >= 0", name=op.f("ck_repair_cards_minutes_not_negative")),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_repair_cards_job_id_jobs")),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["receipts.id"], name=op.f("fk_repair_cards_receipt_id_receipts")
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["staff.id"], name=op.f("fk_repair_cards_technician_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_cards")),
    )
    op.create_index(op.f("ix_repair_cards_job_id"), "repair_cards", ["job_id"], unique=False)

    op.create_table(
        "workshop_register",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "direction IN ('in', 'out')", name=op.f("ck_workshop_register_direction_values")
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_workshop_register_job_id_jobs")
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["receipts.id"], name=op.f("fk_workshop_register_receipt_id_receipts")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_workshop_register_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_register")),
    )
    op.create_index(
        op.f("ix_workshop_register_job_id"), "workshop_register", ["job_id"], unique=False
    )

    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("repair_card_id", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_inspections_job_id_jobs")),
        sa.ForeignKeyConstraint(
            ["repair_card_id"],
            ["repair_cards.id"],
            name=op.f("fk_inspections_repair_card_id_repair_cards"),
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"], ["staff.id"], name=op.f("fk_inspections_supervisor_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
    )
    op.create_index(op.f("ix_inspections_job_id"), "inspections", ["job_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_inspections_job_id"), table_name="inspections")

    op.drop_table("inspections")
    op.drop_index(op.f("ix_workshop_register_job_id"), table_name="workshop_register")

    op.drop_table("workshop_register")
    op.drop_index(op.f("ix_repair_cards_job_id"), table_name="repair_cards")

    op.drop_table("repair_cards")
    op.drop_index(op.f("ix_part_usages_job_id"), table_name="part_usages")

    op.drop_table("part_usages")
    op.drop_index(op.f("ix_fee_lines_work_record_id"), table_name="fee_lines")

    op.drop_table("fee_lines")
    op.drop_index(op.f("ix_work_records_technician_id"), table_name="work_records")
    op.drop_index(op.f("ix_work_records_job_id"), table_name="work_records")

    op.drop_table("work_records")
    op.drop_index(op.f("ix_signoffs_job_id"), table_name="signoffs")

    op.drop_table("signoffs")
    op.drop_index(op.f("ix_settlements_collected_by"), table_name="settlements")

    op.drop_table("settlements")
    op.drop_index(op.f("ix_receipts_job_id"), table_name="receipts")

    op.drop_table("receipts")
    op.drop_index(op.f("ix_part_requests_status"), table_name="part_requests")
    op.drop_index(op.f("ix_part_requests_job_id"), table_name="part_requests")

    op.drop_table("part_requests")
    op.drop_index(op.f("ix_defective_parts_job_id"), table_name="defective_parts")

    op.drop_table("defective_parts")
