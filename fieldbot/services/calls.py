"""The supervisor's queue and the call log (DESIGN.md §3 "Second pass"), paged.

``queue``: every open job of the branch, carried-over first, then by call time.
``call_log``: every job, in the order of the call. A page holds :data:`PAGE_SIZE` jobs, which
keeps one page within a Telegram message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from fieldbot.domain.errors import DomainError
from fieldbot.domain.model import JobState
from fieldbot.domain.states import OPEN_STATES
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services.job_details import JobSummary, list_jobs
from fieldbot.store import UnitOfWork

PAGE_SIZE = 20
T = TypeVar("T")


class NoSuchPage(DomainError):
    """A page number that is not a positive whole number or lies past the last page."""

    code = "no_such_page"


@dataclass(frozen=True, slots=True)
class CallsPage:
    jobs: list[JobSummary]
    page: int  # 1-based
    pages: int  # at least 1
    total: int

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def carried_over(job: JobRecord) -> bool:
    """Carried over from an earlier working day and still waiting for a technician."""
    return job.carried_over and job.state is JobState.REGISTERED


def page_number(text: str) -> int:
    """``"2"`` → 2; anything but a positive whole number is refused."""
    text = text.strip()
    if not text:
        return 1
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise NoSuchPage("not a page number", page=text[:20])
    return int(text)


def page_slice(items: Sequence[T], page: int, size: int) -> tuple[list[T], int]:
    """The items of page ``page`` (1-based) of ``size`` each, and how many pages there are (at
    least 1); :class:`NoSuchPage` past the last."""
    pages = max(1, -(-len(items) // size))
    if page < 1 or page > pages:
        raise NoSuchPage("past the last page", page=page, pages=pages)
    start = (page - 1) * size
    return list(items[start : start + size]), pages


def _page(found: list[JobSummary], page: int, size: int) -> CallsPage:
    shown, pages = page_slice(found, page, size)
    return CallsPage(shown, page, pages, len(found))


async def queue(
    uow: UnitOfWork, branch: str | None, page: int = 1, size: int = PAGE_SIZE
) -> CallsPage:
    """The open jobs of the branch (every branch when None): carried-over first, then by call."""
    found = await list_jobs(uow, branch=branch, states=OPEN_STATES)
    found.sort(key=lambda s: (not carried_over(s.job), s.job.called_at, s.job.id or 0))
    return _page(found, page, size)


async def call_log(
    uow: UnitOfWork, branch: str | None, page: int = 1, size: int = PAGE_SIZE
) -> CallsPage:
    """Every job of the branch (every branch when None), in the order of the call."""
    return _page(await list_jobs(uow, branch=branch), page, size)
