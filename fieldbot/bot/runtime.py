"""The running bot: Application, long polling, the outbox sender and the due-work sweep.

:class:`BotRuntime` is what ``fieldbot run`` starts and what the sandbox driver drives (it
satisfies the driver's ``BotHandle``; :mod:`fieldbot.sandbox.harness` builds it for a sandbox).
Nothing here holds workflow state: every piece can die at any moment and a new runtime on the
same database continues.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import TelegramError

from fieldbot.bot.app import BotApplication, build_application, publish_commands
from fieldbot.bot.health import HealthServer
from fieldbot.bot.poller import Poller, WebhookReceiver
from fieldbot.bot.sender import Sender
from fieldbot.clock import Clock, SystemClock
from fieldbot.crypto import Cipher
from fieldbot.domain.model import Language
from fieldbot.handlers.turn import Deps
from fieldbot.i18n import N_, Catalogs
from fieldbot.metrics import Metrics
from fieldbot.rendering import Attachment, Renderer
from fieldbot.repositories.outbox import OutboxMessage, OutboxRepository
from fieldbot.scheduler import next_wake, sweep
from fieldbot.services.recipients import supervisors_of
from fieldbot.services.registration import create_staff_invite
from fieldbot.services.workflow import customer_arg, staff_arg
from fieldbot.settings import Settings
from fieldbot.store import Store

log = logging.getLogger("fieldbot.runtime")

SWEEP_JOB = "fieldbot-sweep"
NEXT_DUE_JOB = "fieldbot-next-due"
MISFIRE_GRACE_S = 60
STOP_SEND_S = 10.0  # how long a graceful stop waits for the send in flight
ERASED = "—"  # what a message shows for an erased customer's name, phone or address

UNDELIVERABLE = N_(
    "A message to {who} could not be delivered ({error}). Please reach them another way."
)


class BotRuntime:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        *,
        catalogs: Catalogs | None = None,
        poll: bool = True,
        send: bool = True,
        poll_timeout: int = 10,
        webhook_url: str | None = None,
        sweep_every: float | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.catalogs = catalogs or Catalogs.load()
        self._poll = poll
        self._send = send
        self._poll_timeout = poll_timeout
        self._webhook_url = webhook_url
        self._sweep_every = sweep_every
        self.webhook: WebhookReceiver | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.store: Store | None = None
        self.application: BotApplication | None = None
        self.poller: Poller | None = None
        self.sender: Sender | None = None
        self.deps: Deps | None = None
        self.metrics = metrics  # the figures of /metrics (None: not kept)
        self.health: HealthServer | None = None

    # -- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        settings = self.settings
        self.store = Store.open(settings.database_url, Cipher.from_master_key(settings.key_bytes()))
        deps = Deps(
            settings=settings,
            clock=self.clock,
            store=self.store,
            catalogs=self.catalogs,
            bot_username=settings.bot_username or "",
            wake_sender=self._wake,
            metrics=self.metrics,
        )
        self.deps = deps
        self.application = build_application(deps, settings.token())
        await self.application.initialize()
        if not deps.bot_username:
            deps.bot_username = self.application.bot.username
        store = self.store
        self.sender = Sender(
            store=store,
            bot=self.application.bot,
            clock=self.clock,
            renderer=Renderer(self._customer_field, self._staff_field, self._file),
            translator_for=self._translator_for,
            send_rate=settings.send_rate,
            send_rate_per_chat=settings.send_rate_per_chat,
            send_burst_per_chat=settings.send_burst_per_chat,
            on_permanent_failure=self._report_undeliverable,
            metrics=self.metrics,
        )
        try:
            await publish_commands(self.application, deps)
        except TelegramError as exc:  # menus are a convenience: never a reason not to start
            log.warning("could not publish the command menus: %s", exc)
        if self._poll and self._webhook_url:
            await self._start_webhook(self._webhook_url)
        elif self._poll:
            await self.application.bot.delete_webhook()
            self.poller = Poller(self.application, timeout=self._poll_timeout)
            self._spawn(self.poller.run(), "poller")
        if self._send:
            self._spawn(self.sender.run(), "sender")
        if self._sweep_every:
            await self._schedule_sweeps(self._sweep_every)
        if settings.health_port and self._send:
            await self._start_health(settings.health_port)

    async def _start_health(self, port: int) -> None:
        assert self.store is not None and self.sender is not None
        if self.metrics is None:
            self.metrics = Metrics()  # the port asks for figures the wiring did not keep
        sender = self.sender
        self.health = HealthServer(
            store=self.store,
            clock=self.clock,
            metrics=self.metrics,
            port=port,
            stuck_seconds=self.settings.health_stuck_seconds,
            sender_progressed_at=lambda: sender.progressed_at,
        )
        await self.health.start()

    async def _start_webhook(self, url: str) -> None:
        assert self.application is not None
        settings = self.settings
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        self.webhook = WebhookReceiver(
            self.application,
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            path=urlsplit(url).path or "/",
            secret=secret,
        )
        await self.webhook.start()
        await self.application.bot.set_webhook(
            url, secret_token=secret, allowed_updates=Update.ALL_TYPES
        )

    async def _schedule_sweeps(self, seconds: float) -> None:
        """The JobQueue (APScheduler) wakes the sweep every ``seconds`` and at the next due
        instant; it holds no state: what is due is decided by the database and the clock."""
        assert self.application is not None
        queue = self.application.job_queue
        assert queue is not None
        queue.run_repeating(
            self._sweep_job,
            interval=seconds,
            first=0,
            name=SWEEP_JOB,
            job_kwargs={
                "misfire_grace_time": MISFIRE_GRACE_S,
                "coalesce": True,
                "max_instances": 1,
            },
        )
        await queue.start()

    async def _sweep_job(self, _context: object) -> None:
        try:
            await self.run_due()
        except Exception:
            log.exception("the sweep failed; it runs again at the next wake")
            return
        if not isinstance(self.clock, SystemClock):
            return  # a simulated clock's instants are not wall time: the timer alone wakes it
        due = await self.next_due()
        queue = self.application.job_queue if self.application is not None else None
        if due is None or queue is None:
            return
        for job in queue.get_jobs_by_name(NEXT_DUE_JOB):
            job.schedule_removal()
        queue.run_once(
            self._sweep_job,
            when=max(due, self.clock.now()),
            name=NEXT_DUE_JOB,
            job_kwargs={"misfire_grace_time": MISFIRE_GRACE_S},
        )

    def _spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coroutine, name=f"fieldbot:{name}")
        task.add_done_callback(_log_crash)
        self._tasks.append(task)

    async def stop(self, *, abrupt: bool = False) -> None:
        """Stop; ``abrupt`` dies like ``kill -9``: in-flight work is cut, nothing is flushed.
        A graceful stop (SIGTERM) lets the send in flight finish (up to ``STOP_SEND_S``) and
        hands the messages claimed and not sent back at once, so no chat waits for a lease."""
        if not abrupt and self.sender is not None:
            with contextlib.suppress(Exception):
                await self.sender.stop(STOP_SEND_S)
        if self.health is not None:
            await self.health.stop()
            self.health = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        queue = self.application.job_queue if self.application is not None else None
        if queue is not None and queue.scheduler.running:
            with contextlib.suppress(Exception):
                await queue.stop(wait=False)
        if self.webhook is not None:
            await self.webhook.stop()
        if self.sender is not None:
            # a dead process's session ends and frees the lease; a stopped one lets go too
            with contextlib.suppress(Exception):
                await self.sender.release()
        if self.application is not None:
            if not abrupt and self.poller is not None:
                await self._confirm_offset()
            with contextlib.suppress(Exception):
                await self.application.shutdown()
        if self.store is not None:
            await self.store.close()

    async def _confirm_offset(self) -> None:
        assert self.application is not None and self.poller is not None
        offset = self.poller.offset
        if offset is None:
            return
        with contextlib.suppress(TelegramError):
            await self.application.bot.get_updates(offset=offset, timeout=0)

    # -- what the driver and the scheduler ask ----------------------------------------------

    def idle(self) -> bool:
        busy_poller = (self.poller is not None and self.poller.busy) or (
            self.webhook is not None and self.webhook.busy
        )
        busy_sender = self.sender is not None and not self.sender.idle
        return not busy_poller and not busy_sender

    async def run_due(self) -> None:
        """One pass of the work due at the clock's now."""
        if self.store is not None:
            started = time.perf_counter()
            report = await sweep(self.store, self.settings, self.clock, self.catalogs)
            seconds = time.perf_counter() - started
            if self.metrics is not None:
                self.metrics.sweep_seconds.observe(seconds)
                self.metrics.due_steps.inc(len(report.fired))
            if report.fired or report.failed:
                log.info(
                    "sweep: %d step(s) fired, %d failed",
                    len(report.fired),
                    report.failed,
                    extra={"duration_ms": seconds * 1000},
                )
        if self.sender is not None:
            await self.sender.deliver_due()

    async def next_due(self) -> datetime | None:
        assert self.store is not None
        now = self.clock.now()
        async with self.store.unit_of_work(readonly=True) as uow:
            due = await uow.outbox.next_due_at()
        if due is not None and due <= now and self.sender is None:
            due = None
        wake = await next_wake(self.store, self.settings, now)
        return min((d for d in (due, wake) if d is not None), default=None)

    async def invite(self, staff_code: str) -> str:
        assert self.store is not None
        async with self.store.unit_of_work() as uow:
            invite = await create_staff_invite(
                uow,
                staff_code,
                now=self.clock.now(),
                hours=self.settings.invite_hours,
                actor="admin",
            )
            await uow.commit()
        return invite.payload

    # -- rendering support --------------------------------------------------------------------

    def _wake(self) -> None:
        if self.sender is not None:
            self.sender.wake()

    async def _translator_for(self, message: OutboxMessage) -> Any:
        assert self.store is not None
        language: Language | None = None
        async with self.store.unit_of_work(readonly=True) as uow:
            if message.recipient_kind == "staff" and message.recipient_id is not None:
                row = await uow.staff.row_by_id(message.recipient_id)
                language = row.staff.language if row else None
            elif message.recipient_kind == "customer" and message.recipient_id is not None:
                customer = await uow.customers.row_by_id(message.recipient_id)
                language = customer.customer.language if customer else None
        if language is None:
            language = Language(str(message.params.get("lang") or self.settings.language))
        return self.catalogs.translator(language)

    async def _report_undeliverable(self, message: OutboxMessage, error: str) -> None:
        """A message Telegram will never take (blocked, chat not found) is reported to the
        supervisors of the recipient's branch (:func:`fieldbot.services.recipients.
        supervisors_of`, the unreachable person left out), so a person finds another way to
        reach them."""
        assert self.store is not None
        if message.recipient_id is None or message.recipient_kind == "chat":
            return
        async with self.store.unit_of_work() as uow:
            who: object
            if message.recipient_kind == "staff":
                staff = await uow.staff.row_by_id(message.recipient_id)
                branch_id = staff.branch_id if staff else None
                who = staff_arg(staff.id) if staff else "?"
            else:
                customer = await uow.customers.row_by_id(message.recipient_id)
                branch_id = customer.branch_id if customer else None
                who = customer_arg(message.recipient_id)
            excluding = [message.recipient_id] if message.recipient_kind == "staff" else []
            for supervisor in await supervisors_of(uow, branch_id, excluding=excluding):
                assert supervisor.chat_id is not None
                await uow.outbox.enqueue(
                    chat_id=supervisor.chat_id,
                    recipient_kind="staff",
                    recipient_id=supervisor.id,
                    template=UNDELIVERABLE,
                    params={"args": {"who": who, "error": error}},
                    now=self.clock.now(),
                    priority=OutboxRepository.PRIORITY_ESCALATION,
                    dedupe_key=f"undeliverable:{message.id}:{supervisor.id}",
                )
            await uow.commit()
        self._wake()

    async def _customer_field(self, customer_id: int, field: str) -> str:
        assert self.store is not None
        async with self.store.unit_of_work(readonly=True) as uow:
            row = await uow.customers.row_by_id(customer_id)
        if row is None:
            return "?"
        if row.customer.erased:
            return ERASED  # their name, phone and address were erased on request (§6)
        value: str = getattr(row.customer, field)
        return value

    async def _staff_field(self, staff_id: int, field: str) -> str:
        if field != "name":
            raise LookupError(f"a staff reference renders the name only, not {field!r}")
        assert self.store is not None
        async with self.store.unit_of_work(readonly=True) as uow:
            row = await uow.staff.row_by_id(staff_id)
        return "?" if row is None else row.staff.name

    async def _file(self, file_id: int) -> Attachment | None:
        assert self.store is not None
        async with self.store.unit_of_work(readonly=True) as uow:
            found = await uow.reports.file(file_id)
        return None if found is None else Attachment(found.name, found.media, found.content)


def _log_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("%s crashed", task.get_name(), exc_info=task.exception())
