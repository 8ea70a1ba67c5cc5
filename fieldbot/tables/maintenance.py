"""The maintenance plans of contracts (DESIGN.md §8 ``visits_per_year``; migration 0005p), on
the one metadata of :mod:`fieldbot.tables`."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from fieldbot.tables import UtcDateTime, _id, metadata

# One row per planned visit, keyed (contract, visit index): the visit's day and its window,
# the day its job is generated, and what became of it. ``state``: planned (no job yet),
# generated (its job exists), made or missed (judged at the end of the window), lapsed (the
# window had ended before the plan was made: no job). Only planned rows are ever re-planned.
maintenance_visits = Table(
    "maintenance_visits",
    metadata,
    _id(),
    Column("contract_id", Integer, ForeignKey("contracts.id"), nullable=False),
    Column("visit_index", Integer, nullable=False),
    Column("visit_on", Date, nullable=False),
    Column("window_starts_on", Date, nullable=False),
    Column("window_ends_on", Date, nullable=False),
    Column("generate_on", Date, nullable=False),
    Column("state", String(16), nullable=False),
    Column("job_id", Integer, ForeignKey("jobs.id"), unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("contract_id", "visit_index"),
    CheckConstraint(
        "state IN ('planned', 'generated', 'made', 'missed', 'lapsed')", name="state_values"
    ),
    Index(None, "state", "generate_on"),
    Index(None, "state", "window_ends_on"),
)
