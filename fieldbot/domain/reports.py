"""The figures of the daily reports (DESIGN.md §5 and its "How the numbers are defined"), as
plain values: a technician's day (jobs and minutes by service type A/B/C/D, the type D admin
minutes they add, parts used, cash collected and held) and a branch's day (its technicians'
figures summed, plus the jobs registered, closed, open, overdue and carried over, escalations,
complaints, surveys, receivables and the cash to reconcile). They travel as JSON: a report's
figures are kept as they were sent and as they were filed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from fieldbot.domain.kpis import Kpi, KpiName, Ratio

SERVICE_TYPES = ("A", "B", "C", "D")
ADMIN_TYPE = "D"  # internal admin work: minutes only, never a job
MAX_ADMIN_MINUTES = 24 * 60


@dataclass(frozen=True, slots=True)
class TypeLine:
    """One service type of a technician's day: the jobs worked on and the minutes spent."""

    service_type: str
    jobs: int = 0
    minutes: int = 0


@dataclass(frozen=True, slots=True)
class PartLine:
    code: str
    name: str
    quantity: int


@dataclass(frozen=True, slots=True)
class TechnicianDay:
    """A technician's day. ``minutes`` by type are the on-site minutes of the work records
    and the workshop minutes of the repair cards made that day; type D holds the admin
    minutes the technician added to the report."""

    staff_id: int
    code: str
    name: str
    day: date
    by_type: tuple[TypeLine, ...]
    parts: tuple[PartLine, ...] = ()
    cash_collected_fen: int = 0
    cash_held_fen: int = 0
    deadlines_met: int = 0
    deadlines_missed: int = 0

    @property
    def jobs(self) -> int:
        return sum(line.jobs for line in self.by_type)

    @property
    def minutes(self) -> int:
        """The hours of the day (§5): on-site and workshop minutes plus the admin minutes."""
        return sum(line.minutes for line in self.by_type)

    @property
    def admin_minutes(self) -> int:
        return self.line(ADMIN_TYPE).minutes

    def line(self, service_type: str) -> TypeLine:
        return next(
            (line for line in self.by_type if line.service_type == service_type),
            TypeLine(service_type),
        )

    def with_admin_minutes(self, minutes: int) -> TechnicianDay:
        lines = tuple(
            TypeLine(ADMIN_TYPE, 0, minutes) if line.service_type == ADMIN_TYPE else line
            for line in self.by_type
        )
        return replace(self, by_type=lines)


def type_lines(
    jobs: dict[str, set[int]], minutes: dict[str, int], admin: int
) -> tuple[TypeLine, ...]:
    """Lines A, B, C (jobs and minutes) and D (admin minutes, no jobs), always all four."""
    lines = [
        TypeLine(kind, len(jobs.get(kind, ())), minutes.get(kind, 0)) for kind in SERVICE_TYPES[:3]
    ]
    return (*lines, TypeLine(ADMIN_TYPE, 0, admin))


@dataclass(frozen=True, slots=True)
class BranchDay:
    """A branch's day. Jobs ``open`` and ``overdue`` are counted at the end of the day (a job
    called by then, not closed or cancelled; overdue: one of its clocks ran past its deadline
    and was still running then); the receivables and the cash to reconcile are what stands
    when the report is made; every other figure counts what happened during the day."""

    branch_code: str
    branch_name: str
    day: date
    technicians: tuple[TechnicianDay, ...] = ()
    registered: int = 0
    closed: int = 0
    open: int = 0
    overdue: int = 0
    carried_over: int = 0
    escalations: int = 0
    complaints: int = 0
    surveys_answered: int = 0
    surveys_outstanding: int = 0
    receivables: int = 0
    receivables_fen: int = 0
    deadlines_met: int = 0
    deadlines_missed: int = 0
    kpis: tuple[Kpi, ...] = ()  # the branch's KPIs of the day (DESIGN.md §5)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def cash_collected_fen(self) -> int:
        return sum(t.cash_collected_fen for t in self.technicians)

    @property
    def cash_to_reconcile_fen(self) -> int:
        """The cash the branch's technicians hold: collected, not yet confirmed handed over."""
        return sum(t.cash_held_fen for t in self.technicians)

    @property
    def minutes(self) -> int:
        return sum(t.minutes for t in self.technicians)

    @property
    def jobs(self) -> int:
        return sum(t.jobs for t in self.technicians)

    def type_total(self, service_type: str) -> TypeLine:
        lines = [t.line(service_type) for t in self.technicians]
        return TypeLine(
            service_type, sum(line.jobs for line in lines), sum(line.minutes for line in lines)
        )

    def parts(self) -> tuple[PartLine, ...]:
        totals: dict[str, PartLine] = {}
        for tech in self.technicians:
            for part in tech.parts:
                found = totals.get(part.code)
                quantity = part.quantity + (found.quantity if found else 0)
                totals[part.code] = PartLine(part.code, part.name, quantity)
        return tuple(totals[code] for code in sorted(totals))

    def with_names(self, names: Mapping[int, str]) -> BranchDay:
        """The technicians' names, which the stored figures do not keep, by staff id."""
        techs = tuple(replace(t, name=names.get(t.staff_id, t.code)) for t in self.technicians)
        return replace(self, technicians=techs)

    def with_technician(self, day: TechnicianDay) -> BranchDay:
        techs = tuple(day if t.staff_id == day.staff_id else t for t in self.technicians)
        return replace(self, technicians=techs)


# --- JSON ---------------------------------------------------------------------------------------


def technician_to_json(day: TechnicianDay) -> dict[str, Any]:
    """The stored figures keep no name: personal data sits in plain text in no other table
    than its own (DESIGN.md §6); :meth:`BranchDay.with_names` puts the names back."""
    data = asdict(day)
    data["day"] = day.day.isoformat()
    del data["name"]
    return data


def technician_from_json(data: dict[str, Any]) -> TechnicianDay:
    return TechnicianDay(
        staff_id=int(data["staff_id"]),
        code=str(data["code"]),
        name=str(data.get("name", "")),
        day=date.fromisoformat(str(data["day"])),
        by_type=tuple(TypeLine(**line) for line in data["by_type"]),
        parts=tuple(PartLine(**line) for line in data.get("parts", ())),
        cash_collected_fen=int(data.get("cash_collected_fen", 0)),
        cash_held_fen=int(data.get("cash_held_fen", 0)),
        deadlines_met=int(data.get("deadlines_met", 0)),
        deadlines_missed=int(data.get("deadlines_missed", 0)),
    )


def branch_to_json(day: BranchDay) -> dict[str, Any]:
    data = asdict(day)
    data["day"] = day.day.isoformat()
    data["technicians"] = [technician_to_json(t) for t in day.technicians]
    data["kpis"] = [
        {
            "name": k.name.value,
            "numerator": k.numerator,
            "denominator": k.denominator,
            "target_percent": k.target_percent,
        }
        for k in day.kpis
    ]
    return data


def branch_from_json(data: dict[str, Any]) -> BranchDay:
    values = dict(data)
    values["day"] = date.fromisoformat(str(data["day"]))
    values["technicians"] = tuple(technician_from_json(t) for t in data.get("technicians", ()))
    values["kpis"] = tuple(
        Kpi(KpiName(k["name"]), Ratio(k["numerator"], k["denominator"]), k["target_percent"])
        for k in data.get("kpis", ())  # a report filed before the KPIs were in it: none
    )
    return BranchDay(**values)
