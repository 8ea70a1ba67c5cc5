"""Invites and sign-off links: single use, and expiring."""

from __future__ import annotations

from datetime import timedelta

from fieldbot.store import Store

from .conftest import NOW, insert_job

DAY = timedelta(days=1)


async def test_an_invite_is_redeemed_once_and_not_after_it_expires(seeded: Store) -> None:
    async with seeded.unit_of_work() as uow:
        t01 = await uow.staff.require_id("T01")
        invite = await uow.invites.create(
            kind="staff", staff_id=t01, now=NOW, expires_at=NOW + 3 * DAY
        )
        late = await uow.invites.create(kind="staff", staff_id=t01, now=NOW, expires_at=NOW + DAY)
        await uow.commit()
    assert len(invite.payload) >= 20
    async with seeded.unit_of_work() as uow:
        used = await uow.invites.redeem(invite.payload, user_id=1001, now=NOW + DAY)
        assert used is not None and (used.staff_id, used.used_by_user_id) == (t01, 1001)
        assert await uow.invites.redeem(invite.payload, user_id=1002, now=NOW + DAY) is None
        assert await uow.invites.redeem(late.payload, user_id=1001, now=NOW + 2 * DAY) is None
        assert await uow.invites.redeem("no-such-payload", user_id=1001, now=NOW) is None
        await uow.commit()


async def test_a_jobs_signoff_links_expire_when_the_job_moves_on(seeded: Store) -> None:
    async with seeded.unit_of_work() as uow:
        job = await insert_job(uow, NOW)
        link = await uow.invites.create(
            kind="signoff",
            customer_id=job.customer_id,
            job_id=job.id,
            now=NOW,
            expires_at=NOW + 7 * DAY,
        )
        await uow.commit()
    assert job.id is not None
    async with seeded.unit_of_work() as uow:
        assert await uow.invites.expire_for_job(job.id, NOW + DAY) == 1
        assert await uow.invites.redeem(link.payload, user_id=5001, now=NOW + DAY) is None
        found = await uow.invites.get(link.payload)
        assert found is not None and found.kind == "signoff" and found.expires_at == NOW + DAY
