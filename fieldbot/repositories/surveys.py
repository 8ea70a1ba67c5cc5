"""Surveys (DESIGN.md §5): one per closed job, its four items, who answered it and how, the
follow-up clerk's list and the complaint candidate of a low rating."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import RowMapping

from fieldbot import tables as t
from fieldbot.repositories.base import ConcurrencyConflict, NotFound, Repository, aware


@dataclass(frozen=True, slots=True)
class SurveyRow:
    id: int
    job_id: int
    branch_id: int
    customer_id: int
    technician_id: int | None
    state: str  # open | answered
    sent_at: datetime
    channel: str | None = None  # chat | phone
    attitude: int | None = None
    skill: int | None = None
    arrival: int | None = None
    promises: int | None = None
    comment: str | None = None
    outbox_id: int | None = None
    reminded_at: datetime | None = None
    handed_over_at: datetime | None = None
    answered_at: datetime | None = None
    recorded_by: int | None = None
    candidate_state: str | None = None  # open | filed | dismissed
    candidate_reason: str | None = None
    candidate_by: int | None = None
    candidate_at: datetime | None = None
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def ratings(self) -> dict[str, int | None]:
        return {
            "attitude": self.attitude,
            "skill": self.skill,
            "arrival": self.arrival,
            "promises": self.promises,
        }

    def with_ratings(self, ratings: Mapping[str, int]) -> SurveyRow:
        return replace(
            self,
            attitude=ratings.get("attitude", self.attitude),
            skill=ratings.get("skill", self.skill),
            arrival=ratings.get("arrival", self.arrival),
            promises=ratings.get("promises", self.promises),
        )


_FIELDS = tuple(f.name for f in fields(SurveyRow))
_IMMUTABLE = frozenset({"id", "version", "created_at", "updated_at", "job_id"})


@dataclass(frozen=True, slots=True)
class Coverage:
    """Surveys of closed jobs: sent, answered in the chat, by phone, still outstanding (of
    which on the follow-up clerk's list)."""

    sent: int
    chat: int
    phone: int
    outstanding: int
    with_clerk: int

    @property
    def answered(self) -> int:
        return self.chat + self.phone


class SurveyRepository(Repository):
    @staticmethod
    def _row(row: RowMapping) -> SurveyRow:
        return SurveyRow(**{name: row[name] for name in _FIELDS})

    async def add(
        self,
        *,
        job_id: int,
        branch_id: int,
        customer_id: int,
        technician_id: int | None,
        now: datetime,
    ) -> SurveyRow | None:
        """A job's survey; None when the job has one already (it is sent once)."""
        if await self.for_job(job_id) is not None:
            return None
        now = aware(now, "now")
        survey_id = (
            await self._conn.execute(
                insert(t.surveys)
                .values(
                    job_id=job_id,
                    branch_id=branch_id,
                    customer_id=customer_id,
                    technician_id=technician_id,
                    state="open",
                    sent_at=now,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
                .returning(t.surveys.c.id)
            )
        ).scalar_one()
        found = await self.get(int(survey_id))
        assert found is not None
        return found

    async def get(self, survey_id: int) -> SurveyRow | None:
        row = await self._first(select(t.surveys).where(t.surveys.c.id == survey_id))
        return None if row is None else self._row(row)

    async def for_job(self, job_id: int) -> SurveyRow | None:
        row = await self._first(select(t.surveys).where(t.surveys.c.job_id == job_id))
        return None if row is None else self._row(row)

    async def save(self, survey: SurveyRow, now: datetime) -> SurveyRow:
        """Write the survey if nobody changed it since it was read (its version)."""
        now = aware(now, "now")
        column = t.surveys.c
        values: dict[str, Any] = {
            name: getattr(survey, name) for name in _FIELDS if name not in _IMMUTABLE
        }
        result = await self._conn.execute(
            update(t.surveys)
            .where(column.id == survey.id, column.version == survey.version)
            .values(**values, version=column.version + 1, updated_at=now)
            .returning(column.version)
        )
        version = result.scalar_one_or_none()
        if version is None:
            if await self.get(survey.id) is None:
                raise NotFound(f"no survey {survey.id}")
            raise ConcurrencyConflict(f"survey {survey.id} changed meanwhile")
        return replace(survey, version=int(version), updated_at=now)

    async def with_clerk(self, branch_id: int | None = None) -> list[SurveyRow]:
        """The follow-up clerk's list: surveys handed over and not answered, oldest first (not
        of customers whose personal data was erased: there is nobody to call)."""
        column = t.surveys.c
        query = (
            select(t.surveys)
            .join(t.customers, t.customers.c.id == column.customer_id)
            .where(
                column.state == "open",
                column.handed_over_at.is_not(None),
                t.customers.c.erased_at.is_(None),
            )
        )
        if branch_id is not None:
            query = query.where(column.branch_id == branch_id)
        rows = await self._all(query.order_by(column.handed_over_at, column.id))
        return [self._row(r) for r in rows]

    async def coverage(
        self,
        branch_id: int | None,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        technician_id: int | None = None,
    ) -> Coverage:
        """The surveys of jobs closed in ``[since, until)`` (every one without bounds), of a
        branch or of the jobs of a technician."""
        column = t.surveys.c
        where = []
        if branch_id is not None:
            where.append(column.branch_id == branch_id)
        if technician_id is not None:
            where.append(column.technician_id == technician_id)
        if since is not None:
            where.append(column.sent_at >= aware(since, "since"))
        if until is not None:
            where.append(column.sent_at < aware(until, "until"))
        query = select(
            column.state, column.channel, column.handed_over_at.is_not(None), func.count()
        )
        if where:
            query = query.where(and_(*where))
        query = query.group_by(column.state, column.channel, column.handed_over_at.is_not(None))
        sent = chat = phone = outstanding = clerk = 0
        for state, channel, handed_over, count in (await self._conn.execute(query)).all():
            n = int(str(count))
            sent += n
            if state == "answered":
                if channel == "phone":
                    phone += n
                else:
                    chat += n
            else:
                outstanding += n
                if handed_over:
                    clerk += n
        return Coverage(sent, chat, phone, outstanding, clerk)
