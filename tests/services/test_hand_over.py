"""A job registered by a supervisor of another branch is handed to the customer's branch."""

from __future__ import annotations

from fieldbot.clock import ManualClock
from fieldbot.services import dispatch as dispatching
from fieldbot.settings import Settings
from fieldbot.store import Store
from tests.services.test_jobs import register


async def test_a_job_of_another_branch_is_handed_over_and_recorded(
    company: Store, settings: Settings, clock: ManualClock
) -> None:
    theirs = await register(company, settings, clock, "C004")  # branch of S02
    ours = await register(company, settings, clock, "C001")  # branch of S01
    async with company.unit_of_work() as uow:
        assert await dispatching.hand_over(uow, theirs, "S01", clock.now())
        assert not await dispatching.hand_over(uow, ours, "S01", clock.now())
        assert not await dispatching.hand_over(uow, theirs, "nobody", clock.now())
        assert theirs.id is not None and ours.id is not None
        kinds = [e.kind for e in await uow.events.for_subject("job", theirs.id)]
        assert dispatching.JOB_HANDED_OVER in kinds
        mine = [e.kind for e in await uow.events.for_subject("job", ours.id)]
        assert dispatching.JOB_HANDED_OVER not in mine
        await uow.commit()
