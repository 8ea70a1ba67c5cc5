"""The end of the working day. The daily reports (each technician's confirmed, the branch's
approved by the manager, their XLSX and PNG left in demo-output/) are played here once they
exist: :func:`end_of_day_reports` is their place in the day."""

from __future__ import annotations

from fieldbot.cli.demo.stage import Stage
from fieldbot.i18n import N_

END_OF_DAY = (18, 0)


async def end_of_day_reports(stage: Stage) -> None:
    """18:00: the working day ends and what the evening sends arrives. The end-of-day reports
    confirmed by the technicians and approved by the manager go here."""
    await stage.advance_to(*END_OF_DAY)
    stage.scene(N_("the working day ends"))
    stage.show()
