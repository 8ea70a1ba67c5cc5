"""The access log (DESIGN.md §6; migration 0005d): every time a customer's phone is shown to
someone (the dispatch card, a job's card, the clerk's call list, ``job show``, an export), one
row says who saw it, where and when. Plain rows, not the hash-chained event log: one insert in
the transaction that shows the phone, no lock on the chain head."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table

from fieldbot.tables import UtcDateTime, metadata

access_events = Table(
    "access_events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("at", UtcDateTime, nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    # who saw it: "staff:ID" (with staff_id) or "cli:OPERATOR" (the command line)
    Column("actor", String(64), nullable=False),
    Column("staff_id", Integer, ForeignKey("staff.id")),
    # where: dispatch_card | job_card | calls_due | phone_survey | job_show | export
    Column("shown", String(32), nullable=False),
    Column("job_id", Integer, ForeignKey("jobs.id")),
    Index(None, "customer_id", "at"),
)
