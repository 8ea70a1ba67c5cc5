"""The order of the demo day and its cast; what it leaves in the output directory.

Language: ``--lang`` sets the narration and ``FIELDBOT_LANGUAGE`` (people with no language of
their own). The sample company fixes every person's language (S01 reads Chinese, T02 English,
the café English, …), so each phone shows its person's own language whatever ``--lang`` says.
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.table import Table

from fieldbot.cli.demo import feedback, field, office, reports
from fieldbot.cli.demo.stage import LOG, Stage, logging_to, new_progress
from fieldbot.domain.model import Language
from fieldbot.i18n import N_, Catalogs
from fieldbot.repositories.events import verify
from fieldbot.sandbox.driver import Sandbox
from fieldbot.sandbox.limits import Limits
from fieldbot.sandbox.steps import bind_customer, staff

# A little faster than Telegram's one message a second per chat, so the day fits in a minute;
# the pacing itself is the same code (see bench/ and tests/e2e).
DEMO_PACE = {"send_rate_per_chat": 30, "send_burst_per_chat": 30}
DEMO_LIMITS = Limits(per_chat_rate=30, per_chat_burst=30)

# code, Telegram user id, name shown, the phone's language
STAFF = [
    ("S01", 2001, "王芳 (S01)", "zh-hans"),
    ("T01", 1001, "张磊 (T01)", "zh-hans"),
    ("T02", 1002, "Li Wei (T02)", "en"),
    ("K01", 2201, "吴强 (K01)", "zh-hans"),
    ("F01", 2401, "孙丽 (F01)", "zh-hans"),
    ("M01", 2101, "刘建国 (M01)", "zh-hans"),
    ("G01", 2301, "赵明 (G01)", "zh-hans"),
]
# code, their own phone number, user id, name shown
CUSTOMERS = [
    ("C002", "+8613901710002", 5002, "Blue Harbour Bistro (C002)"),
    ("C003", "+8613601710003", 5003, "Bund Corner Café (C003)"),
]
LATE_CUSTOMERS = [("C006", 5006, "城隍庙小吃城 (C006)", "zh-hans")]  # binds by the QR code

Scene = Callable[[Stage], Awaitable[None]]


async def _morning(stage: Stage) -> None:
    stage.scene(N_("staff open their invite links, two customers share their number"))
    sb = stage.sb
    for code, user_id, name, language in STAFF:
        phone = sb.phone(user_id=user_id, name=name, language=language)
        stage.cast(code, name, phone)
        step = staff(sb, code, user_id, name, language)
        opens = N_("opens the invite link from the admin")
        await (stage.act if code == "S01" else stage.bulk)(code, opens, step)
    for code, number, user_id, name in CUSTOMERS:
        stage.cast(code, name, sb.phone(user_id=user_id, name=name, language="en"))
        await stage.bulk(
            code, N_("shares its phone number"), bind_customer(sb, number, user_id, name)
        )
    for code, user_id, name, language in LATE_CUSTOMERS:
        stage.cast(code, name, sb.phone(user_id=user_id, name=name, language=language))


def the_day() -> list[Scene]:
    """Every scene in the order of the day."""
    return [
        _morning,
        office.carry_over,
        field.photo_signoff,
        feedback.survey_by_phone,
        field.qr_signoff_and_cash,
        field.dispatch_and_decline,
        partial(office.calls, batch=office.MORNING_CALLS, quick=office.QUICK_MORNING),
        office.consultation_resolved_remotely,
        field.shortfall_quote_approval_invoice,
        feedback.survey_in_chat,
        office.own_request,
        field.outside_geofence_take_back,
        partial(office.calls, batch=office.AFTERNOON_CALLS, quick=office.QUICK_AFTERNOON),
        feedback.serious_complaint,
        office.missed_deadline,
        reports.end_of_day_reports,
    ]


def _fresh_directory(out: str) -> Path:
    directory = Path(out).resolve()
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


def _loaded_table(stage: Stage, rows: list[tuple[str, int]]) -> Table:
    table = Table(title=stage.text(N_("The sample company, loaded")))
    table.add_column(stage.text(N_("records")))
    table.add_column(stage.text(N_("count")), justify="right")
    for name, count in rows:
        table.add_row(stage.text(name), str(count))
    return table


async def _loaded(stage: Stage) -> None:
    store = stage.runtime.store
    assert store is not None
    async with store.unit_of_work(readonly=True) as uow:
        rows = [
            (N_("branches"), len(await uow.branches.all())),
            (N_("staff"), len(await uow.staff.all())),
            (N_("customers"), len(await uow.customers.all())),
            (N_("equipment"), len(await uow.equipment.all())),
            (N_("contracts"), len(await uow.contracts.all())),
            (N_("parts"), len(await uow.parts.all())),
        ]
    stage.console.print(_loaded_table(stage, rows))


async def _call_log(stage: Stage) -> None:
    stage.scene(N_("the call log and the audit trail at the end of the day"))
    store = stage.runtime.store
    assert store is not None
    async with store.unit_of_work(readonly=True) as uow:
        jobs = await uow.jobs.list()
        audit = await verify(uow.connection)
    for job in jobs:
        stage.console.print(f"  {job.number}  {job.state.value:<18} {job.priority.value}")
    stage.note(N_("{count} calls registered today and yesterday evening"), count=len(jobs))
    stage.note(
        N_("event log: {count} events, hash chain intact: {ok}"), count=audit.count, ok=audit.ok
    )


async def run_demo(
    out: str = "demo-output",
    lang: Language | str = Language.ZH_CN,
    *,
    quick: bool = False,
    console: Console | None = None,
) -> Path:
    """Plays the day; leaves the database, ``.env``, the narration, one transcript per phone
    and the log in ``out``. ``quick``: a few bulk calls instead of all (every scene still)."""
    language = Language(lang)
    console = console or Console()
    directory = _fresh_directory(out)
    db_url = f"sqlite+aiosqlite:///{directory}/fieldbot.db"
    tr = Catalogs.load().translator(language)
    scenes = the_day()
    settings = {**DEMO_PACE, "language": language.value}
    with logging_to(directory / LOG), new_progress(console) as progress:
        task = progress.add_task(tr.gettext("the working day"), total=len(scenes))
        async with Sandbox.start(db_url=db_url, settings=settings, limits=DEMO_LIMITS) as sb:
            stage = Stage(sb, console, tr, directory, quick, progress, task)
            stage.open()
            try:
                await _loaded(stage)
                for scene in scenes:
                    await scene(stage)
                    progress.advance(task)
                await _call_log(stage)
            finally:
                files = stage.close()
            (directory / ".env").write_text(
                "FIELDBOT_DATABASE_URL=sqlite+aiosqlite:///fieldbot.db\n"
                f"FIELDBOT_ENCRYPTION_KEY={sb.harness.key}\n",
                encoding="utf-8",
            )
    console.print(
        tr.gettext("Demo finished. Everything it left is in {directory}/:", directory=directory)
    )
    reports = sorted([*directory.glob("*.xlsx"), *directory.glob("*.png")])
    for path in [directory / "fieldbot.db", directory / ".env", *reports, *files, directory / LOG]:
        console.print(f"  {path.relative_to(directory)}")
    return directory
