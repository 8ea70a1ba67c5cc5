"""The seeded working day of the daily reports benchmark (:mod:`bench.daily_report`) and its
check: one branch, its supervisor, manager and accountant, and ``technicians`` technicians
with a day each — three jobs of types A, B and C with on-site work records, every tenth
technician a workshop repair card as well, parts from the van, cash collected (a third of the
technicians handed half of it over), an invoice each, and job clocks met and missed — bulk
inserted into the tables. :class:`Expected` is what was seeded, computed here, not by
fieldbot; :func:`check` compares a produced report with it.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert

from fieldbot import tables as t
from fieldbot.crypto import Cipher, aad_for
from fieldbot.domain.reports import SERVICE_TYPES, BranchDay
from fieldbot.store import create_engine

BRANCH = "BR01"
DAY = date(2026, 9, 14)  # a Monday
START = datetime(2026, 9, 14, 0, 0, tzinfo=UTC)  # 08:00 Asia/Shanghai
UNTIL = datetime(2026, 9, 14, 10, 30, tzinfo=UTC)  # 18:30 local: the day has ended
PARTS = [(f"P{n:03d}", f"配件 {n}", 1500 + 100 * n) for n in range(1, 11)]
LANGUAGE = "zh_CN"  # the branch's supervisor and manager read Chinese: one workbook, one chart


@dataclass
class Expected:
    """What was seeded, per technician code, computed here by hand (not by fieldbot)."""

    jobs: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    minutes: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    parts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    collected: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    held: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    met: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    missed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    registered: int = 0
    open: int = 0
    receivables: int = 0
    receivables_fen: int = 0

    def total(self, figures: dict[str, dict[str, int]]) -> int:
        return sum(sum(by_type.values()) for by_type in figures.values())


# --- seeding ---------------------------------------------------------------------------------


async def seed(url: str, cipher: Cipher, technicians: int) -> Expected:
    """One branch and ``technicians`` technicians with a working day each, in bulk inserts."""
    engine = create_engine(url)
    expected = Expected()
    at = START
    try:
        async with engine.begin() as conn:

            async def ids(table: Any, rows: list[dict[str, Any]]) -> list[int]:
                """Insert into a fresh table, alone on it: the new ids are consecutive."""
                await conn.execute(insert(table), rows)
                query = f"SELECT max(id) FROM {table.name}"
                last = int((await conn.exec_driver_sql(query)).scalar_one())
                return list(range(last - len(rows) + 1, last + 1))

            (branch_id,) = await ids(
                t.branches,
                [
                    {
                        "code": BRANCH,
                        "name": "基准分公司",
                        "latitude": 31.2,
                        "longitude": 121.5,
                        "timezone": "Asia/Shanghai",
                    }
                ],
            )

            def person(code: str, n: int, roles: str, name: str) -> dict[str, Any]:
                phone = f"+86138{n:08d}"
                return {
                    "code": code,
                    "name": name,
                    "roles": roles,
                    "language": LANGUAGE,
                    "branch_id": branch_id,
                    "phone_enc": cipher.encrypt_text(phone, aad_for("staff", "phone", code)),
                    "phone_bidx": cipher.blind_index(phone),
                    "telegram_user_id": 900_000 + n,
                    "chat_id": 900_000 + n,
                }

            staff = [
                person("S01", 1, "supervisor", "王主管"),
                person("M01", 2, "manager", "刘经理"),
                person("A01", 3, "accountant", "陈会计"),
            ]
            codes = [f"T{n:04d}" for n in range(1, technicians + 1)]
            staff += [
                person(code, 100 + n, "technician", f"技师{n:04d}") for n, code in enumerate(codes)
            ]
            staff_ids = await ids(t.staff, staff)
            accountant = staff_ids[2]
            tech_ids = dict(zip(codes, staff_ids[3:], strict=True))
            part_ids = await ids(
                t.parts,
                [
                    {"code": c, "name": n, "unit_price_fen": p, "warranty_eligible": False}
                    for c, n, p in PARTS
                ],
            )
            customers = max(1, technicians // 4)
            customer_ids = await ids(
                t.customers,
                [
                    {
                        "code": f"C{n:05d}",
                        "name_enc": cipher.encrypt_text(
                            "客户", aad_for("customers", "name", f"C{n:05d}")
                        ),
                        "phone_enc": cipher.encrypt_text(
                            f"+8613900{n:06d}", aad_for("customers", "phone", f"C{n:05d}")
                        ),
                        "phone_bidx": cipher.blind_index(f"+8613900{n:06d}"),
                        "address_enc": cipher.encrypt_text(
                            "上海", aad_for("customers", "address", f"C{n:05d}")
                        ),
                        "latitude": 31.2,
                        "longitude": 121.5,
                        "branch_id": branch_id,
                    }
                    for n in range(customers)
                ],
            )

            jobs: list[dict[str, Any]] = []
            plan: list[tuple[str, str, int]] = []  # (technician, service type, job index)
            for n, code in enumerate(codes):
                kinds = ["A", "B", "C"] + (["C"] if n % 10 == 0 else [])
                for k, kind in enumerate(kinds):
                    called = at + timedelta(minutes=(n * 7 + k * 90) % 420)
                    closed = k < 2
                    jobs.append(
                        {
                            "number": f"{DAY:%y%m%d}-{len(jobs) + 1:05d}",
                            "called_at": called,
                            "branch_id": branch_id,
                            "customer_id": customer_ids[(n + k) % customers],
                            "kind": "repair",
                            "fault": "不制冷",
                            "priority": "normal",
                            "channel": "phone",
                            "service_type": kind,
                            "zone": "urban",
                            "state": "closed" if closed else "on_site",
                            "technician_id": tech_ids[code],
                            "created_at": called,
                            "updated_at": called,
                        }
                    )
                    plan.append((code, kind, k))
                    expected.registered += 1
                    expected.open += 0 if closed else 1
            job_ids = await ids(t.jobs, jobs)

            records, cards, receipts, usages, settlements, clocks = [], [], [], [], [], []
            for job_id, job, (code, kind, k) in zip(job_ids, jobs, plan, strict=True):
                tech = tech_ids[code]
                done = job["called_at"] + timedelta(minutes=60)
                minutes = 30 + (job_id * 13) % 120
                if k < 3:
                    records.append(
                        {
                            "job_id": job_id,
                            "technician_id": tech,
                            "description": "修好了",
                            "minutes": minutes,
                            "service_type": kind,
                            "total_fen": 10000,
                            "amount_due_fen": 10000 if kind == "A" else 0,
                            "approval": "none",
                            "created_at": done,
                            "stage": "site",
                        }
                    )
                else:  # a unit taken back: its repair card in the workshop
                    receipts.append(
                        {
                            "number": f"R-{job_id}",
                            "job_id": job_id,
                            "issued_by": tech,
                            "issued_at": job["called_at"],
                            "promised_at": job["called_at"] + timedelta(days=3),
                        }
                    )
                    cards.append(
                        {
                            "job_id": job_id,
                            "technician_id": tech,
                            "minutes": minutes,
                            "notes": "换压缩机",
                            "created_at": done,
                        }
                    )
                expected.jobs[code][kind] = expected.jobs[code].get(kind, 0) + 1
                expected.minutes[code][kind] = expected.minutes[code].get(kind, 0) + minutes
                if k != 1:
                    quantity = 1 + job_id % 3
                    usages.append(
                        {
                            "job_id": job_id,
                            "part_id": part_ids[job_id % len(part_ids)],
                            "quantity": quantity,
                            "location": f"van:{code}",
                            "staff_id": tech,
                            "stage": "site" if k < 3 else "workshop",
                            "used_at": done,
                        }
                    )
                    expected.parts[code] += quantity
                if k == 0:  # type A: paid in cash on site
                    fen = 5000 + (job_id % 7) * 1000
                    settlements.append(_settlement(job_id, "cash", fen, tech, done))
                    expected.collected[code] += fen
                    expected.held[code] += fen
                elif k == 1:  # type B: an invoice, a receivable
                    fen = 20000 + (job_id % 5) * 500
                    settlements.append(_settlement(job_id, "invoice", fen, tech, done))
                    expected.receivables += 1
                    expected.receivables_fen += fen
                if k < 2:  # the closed jobs' arrival clocks, stopped today
                    met = job_id % 4 != 0
                    clocks.append(
                        {
                            "subject_type": "job",
                            "subject_id": job_id,
                            "clock": "arrival",
                            "calendar": "working",
                            "branch_id": branch_id,
                            "target_seconds": 7200,
                            "started_at": job["called_at"],
                            "stopped_at": job["called_at"] + timedelta(minutes=30),
                            "state": "stopped",
                            "met": met,
                            "updated_at": done,
                        }
                    )
                    (expected.met if met else expected.missed)[code] += 1
            await conn.execute(insert(t.work_records), records)
            if cards:
                receipt_ids = await ids(t.receipts, receipts)
                for card, receipt_id in zip(cards, receipt_ids, strict=True):
                    card["receipt_id"] = receipt_id
                await conn.execute(insert(t.repair_cards), cards)
            await conn.execute(insert(t.part_usages), usages)
            await conn.execute(insert(t.settlements), settlements)
            await conn.execute(insert(t.clocks), clocks)
            handovers = []
            for n, code in enumerate(codes):
                if n % 3 == 0 and expected.held[code]:
                    confirmed = expected.held[code] // 2
                    handovers.append(
                        {
                            "staff_id": tech_ids[code],
                            "accountant_id": accountant,
                            "held_fen": expected.held[code],
                            "confirmed_fen": confirmed,
                            "at": UNTIL - timedelta(hours=1),
                        }
                    )
                    expected.held[code] -= confirmed
            if handovers:
                await conn.execute(insert(t.cash_handovers), handovers)
    finally:
        await engine.dispose()
    return expected


def _settlement(job_id: int, method: str, fen: int, tech: int, at: datetime) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "method": method,
        "amount_fen": fen,
        "invoice_number": f"INV-{job_id}" if method == "invoice" else None,
        "collected_by": tech if method == "cash" else None,
        "settled_at": at,
    }


# --- the check: the report's figures are what was seeded -------------------------------------


class FiguresChanged(AssertionError):
    """The produced report does not show what was seeded."""


def check(figures: BranchDay, expected: Expected, technicians: int) -> dict[str, int]:
    """Every technician's figures, and the branch's totals, against the seeded day."""
    wrong: list[str] = []
    if len(figures.technicians) != technicians:
        wrong.append(f"{len(figures.technicians)} technicians, seeded {technicians}")
    for tech in figures.technicians:
        for kind in SERVICE_TYPES[:3]:
            line = tech.line(kind)
            want = (expected.jobs[tech.code].get(kind, 0), expected.minutes[tech.code].get(kind, 0))
            if (line.jobs, line.minutes) != want:
                wrong.append(f"{tech.code} type {kind}: {line.jobs, line.minutes} != {want}")
        got = (
            sum(p.quantity for p in tech.parts),
            tech.cash_collected_fen,
            tech.cash_held_fen,
            tech.deadlines_met,
            tech.deadlines_missed,
        )
        want_t = (
            expected.parts[tech.code],
            expected.collected[tech.code],
            expected.held[tech.code],
            expected.met[tech.code],
            expected.missed[tech.code],
        )
        if got != want_t:
            wrong.append(f"{tech.code}: parts, cash, deadlines {got} != {want_t}")
    totals = {
        "jobs": figures.jobs,
        "minutes": figures.minutes,
        "parts": sum(p.quantity for p in figures.parts()),
        "cash_collected_fen": figures.cash_collected_fen,
        "cash_to_reconcile_fen": figures.cash_to_reconcile_fen,
        "registered": figures.registered,
        "open": figures.open,
        "receivables": figures.receivables,
        "receivables_fen": figures.receivables_fen,
        "deadlines_met": figures.deadlines_met,
        "deadlines_missed": figures.deadlines_missed,
    }
    seeded = {
        "jobs": expected.total(expected.jobs),
        "minutes": expected.total(expected.minutes),
        "parts": sum(expected.parts.values()),
        "cash_collected_fen": sum(expected.collected.values()),
        "cash_to_reconcile_fen": sum(expected.held.values()),
        "registered": expected.registered,
        "open": expected.open,
        "receivables": expected.receivables,
        "receivables_fen": expected.receivables_fen,
        "deadlines_met": sum(expected.met.values()),
        "deadlines_missed": sum(expected.missed.values()),
    }
    wrong += [
        f"{k}: report {totals[k]}, seeded {seeded[k]}" for k in seeded if totals[k] != seeded[k]
    ]
    if wrong:
        raise FiguresChanged("; ".join(wrong[:10]))
    return totals


def check_workbook(xlsx: bytes, expected: Expected) -> None:
    """The workbook's technicians sheet adds up to the seeded jobs and hours."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))[:-1]  # the last: the totals
    jobs = sum(int(v) for row in rows for v in row[2:5])
    minutes = sum(Decimal(str(v)) for row in rows for v in row[5:8])
    if jobs != expected.total(expected.jobs):
        raise FiguresChanged(f"workbook jobs {jobs}, seeded {expected.total(expected.jobs)}")
    seeded_hours = sum(
        (Decimal(m) / 60).quantize(Decimal("0.01"))
        for by_type in expected.minutes.values()
        for m in by_type.values()
    )
    if minutes != seeded_hours:
        raise FiguresChanged(f"workbook hours {minutes}, seeded {seeded_hours}")
