"""The web console of the sandbox: an aiohttp app in the sandbox's own process and event loop.

The page (``static/``) reads ``GET /api/state`` whenever ``GET /api/events`` (server-sent
events) says the sandbox's world changed, and acts through ``POST /api/...``, each action a
call of the driver (:mod:`fieldbot.sandbox.driver`), so the page does exactly what the tests
do: a phone sends, taps, shares; the clock advances through every due instant; faults arm.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from aiohttp import web
from rich.console import Console

from fieldbot.bot.runtime import BotRuntime
from fieldbot.cli.demo.stage import Stage
from fieldbot.cli.web.chat import message_json, reply_button
from fieldbot.domain.model import Language
from fieldbot.i18n import N_, Catalogs, local_text
from fieldbot.sandbox.driver import DEFAULT_NOW, Message, Phone, Sandbox
from fieldbot.sandbox.models import StoredMessage
from fieldbot.sandbox.steps import JOB_NUMBER, bind_customer, staff
from fieldbot.sandbox.world import InvalidDeepLink, SandboxError, Signal
from fieldbot.services.calendars import calendar_for

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
LOCAL_ONLY = "127.0.0.1"
# Sending is what the faults act on: a slow Telegram answers every send this late (real time).
SEND_METHODS = ("sendMessage", "editMessageText", "sendPhoto", "sendDocument")
SLOW_SECONDS = 0.6
BURST_429 = 3
NEAR_DEGREES = 0.002  # about 220 m north of the site: inside the default 500 m geofence
FAR_DEGREES = 0.05  # about 5.5 km
# Telegram user ids of the page's phones: apart from those of the demo day's cast (2xxx, 1xxx, 5xxx)
_STAFF_IDS = 3001
_CUSTOMER_IDS = 6001
_TELEGRAM_LANGUAGE = {Language.ZH_CN: "zh-hans", Language.EN: "en"}

# The page's own labels, in the browser's language (the phones speak their person's).
LABELS = {
    "title": N_("fieldbot sandbox: the phones side by side"),
    "local_only": N_(
        "A test and training tool, not the product: served on {host} only, "
        "no Telegram account needed."
    ),
    "add_phone": N_("Add a phone"),
    "choose_person": N_("Whose phone?"),
    "staff": N_("Staff"),
    "customers": N_("Customers"),
    "send": N_("Send"),
    "message": N_("Message"),
    "clock": N_("Simulated clock"),
    "plus_hour": N_("+1 hour"),
    "end_of_day": N_("To the end of the day"),
    "next_morning": N_("To the next working morning"),
    "faults": N_("Faults"),
    "fault_slow": N_("Telegram slow"),
    "fault_429": N_("429 burst"),
    "fault_drop": N_("Drop the next send"),
    "share_location": N_("Share location"),
    "loc_site": N_("the job's site"),
    "loc_near": N_("near the job's site"),
    "loc_far": N_("far from the job's site"),
    "loc_typed": N_("typed coordinates…"),
    "type_coordinates": N_("Latitude, longitude"),
    "share_contact": N_("Share contact"),
    "send_photo": N_("Send photo"),
    "download": N_("Download"),
    "edited": N_("edited"),
    "busy": N_("working…"),
    "play_demo": N_("Play the demo day"),
    "demo_playing": N_("the demo day is playing…"),
}


class Refused(Exception):
    """What the page asked cannot be done: a text (``N_``) shown in the page's language."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params = params


@dataclass(frozen=True, slots=True)
class Person:
    """Someone of the loaded company who can get a phone on the page."""

    code: str
    name: str
    kind: str  # "staff" or "customer"
    language: Language
    phone_number: str  # E.164
    user_id: int
    site: tuple[float, float] | None  # a customer's

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


class WebConsole:
    """Serves the page and its API for one running :class:`Sandbox`."""

    def __init__(self, sb: Sandbox, *, host: str = LOCAL_ONLY, port: int = 0) -> None:
        self.sb = sb
        self.host = host
        self.port = port
        self.catalogs = Catalogs.load()
        self.people: dict[str, Person] = {}
        self.phones: dict[str, Phone] = {}  # by person's code, in the order added
        self.slow = False
        self._changed = Signal()
        self._lock = asyncio.Lock()
        self._runner: web.AppRunner | None = None
        self._demo: asyncio.Task[None] | None = None
        self._demo_stage: Stage | None = None
        self.demo_error: str | None = None
        self._closing = False

    @property
    def runtime(self) -> BotRuntime:
        return cast(BotRuntime, self.sb.bots[0])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    # ----------------------------------------------------------------- life

    async def start(self) -> str:
        await self._load_people()
        app = web.Application()
        app.add_routes(
            [
                web.get("/", self._index),
                web.static("/static", STATIC),
                web.get("/api/labels", self._labels),
                web.get("/api/state", self._state),
                web.get("/api/events", self._events),
                web.get("/api/files/{chat}/{message}", self._file),
                web.post("/api/phones", self._add_phone),
                web.post("/api/phones/{code}/{action}", self._phone_action),
                web.post("/api/clock/{step}", self._clock),
                web.post("/api/faults/{fault}", self._fault),
                web.post("/api/demo", self._play_demo),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:
            server = cast(Any, site._server)  # the port the OS chose
            self.port = int(server.sockets[0].getsockname()[1])
        return self.url

    async def stop(self) -> None:
        if self._demo is not None:
            self._demo.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._demo
        self._closing = True
        self._changed.fire()  # event streams end now, not at their next keep-alive
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _load_people(self) -> None:
        store = self.runtime.store
        assert store is not None
        default = self.runtime.settings.language
        async with store.unit_of_work(readonly=True) as uow:
            staff_list = await uow.staff.all()
            customers = await uow.customers.all()
        for number, member in enumerate(staff_list):
            if member.active:
                self.people[member.code] = Person(
                    member.code,
                    member.name,
                    "staff",
                    member.language,
                    member.phone,
                    _STAFF_IDS + number,
                    None,
                )
        for number, customer in enumerate(customers):
            if not customer.erased:
                self.people[customer.code] = Person(
                    customer.code,
                    customer.name,
                    "customer",
                    Language(customer.language or default),
                    customer.phone,
                    _CUSTOMER_IDS + number,
                    (customer.latitude, customer.longitude),
                )

    # ----------------------------------------------------------------- reading

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html")

    async def _labels(self, request: web.Request) -> web.Response:
        wanted = request.query.get("lang", "")
        language = Language.ZH_CN if wanted.lower().startswith("zh") else Language.EN
        tr = self.catalogs.translator(language)
        labels = {key: tr.gettext(text) for key, text in LABELS.items()}
        labels["local_only"] = tr.gettext(LABELS["local_only"], host=self.host)
        return web.json_response({"language": language.value, "labels": labels})

    async def _state(self, request: web.Request) -> web.Response:
        return web.json_response(self.state())

    def state(self) -> dict[str, Any]:
        faults = self.sb.faults
        if self._demo_stage is not None:  # the demo day's cast gets phones on the page too
            for code, cast in self._demo_stage.people.items():
                if code in self.people:
                    self.phones.setdefault(code, cast.phone)
        return {
            "demo": {
                "playing": self._demo is not None and not self._demo.done(),
                "error": self.demo_error,
            },
            "clock": local_text(self.sb.clock.now(), self.runtime.settings.timezone),
            "slow": self.slow,
            "armed_429": faults.pending("sendMessage") if not self.slow else 0,
            "host": self.host,
            "people": [
                {"code": p.code, "label": p.label, "kind": p.kind, "added": p.code in self.phones}
                for p in self.people.values()
            ],
            "phones": [self._phone_state(code, phone) for code, phone in self.phones.items()],
        }

    def _phone_state(self, code: str, phone: Phone) -> dict[str, Any]:
        world = self.sb.server.world
        chat = world.chats[phone.chat_id]
        messages = sorted(
            (m for m in chat.messages.values() if not m.deleted), key=lambda m: m.message_id
        )
        keyboard: list[list[dict[str, Any]]] = []
        for message in messages:
            if message.from_bot and message.reply_keyboard is not None:
                keyboard = [
                    [reply_button(button) for button in row]
                    for row in message.reply_keyboard.get("keyboard", [])
                ]
        alerts = phone.alerts
        return {
            "code": code,
            "name": self.people[code].label,
            "language": self.people[code].language.value,
            "messages": [message_json(m) for m in messages],
            "reply_keyboard": keyboard,
            "alerts": len(alerts),
            "alert": None
            if not alerts
            else {"text": alerts[-1].text, "popup": alerts[-1].show_alert},
        }

    async def _events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        world = self.sb.server.world
        seen = -1
        with contextlib.suppress(ConnectionResetError, asyncio.CancelledError):
            while not self._closing:
                mine, theirs = self._changed.waiter(), world.output_signal.waiter()
                if world.seq != seen:
                    seen = world.seq
                    await response.write(f"data: {seen}\n\n".encode())
                waits = [asyncio.ensure_future(event.wait()) for event in (mine, theirs)]
                _, pending = await asyncio.wait(
                    waits, timeout=15, return_when=asyncio.FIRST_COMPLETED
                )
                for waiting in pending:
                    waiting.cancel()
                if not mine.is_set() and not theirs.is_set():
                    await response.write(b": keep-alive\n\n")
                elif mine.is_set():
                    seen = -1  # the clock or a fault changed: the page reads the state again
        return response

    async def _file(self, request: web.Request) -> web.Response:
        chat = self.sb.server.world.chats.get(int(request.match_info["chat"]))
        message = None if chat is None else chat.messages.get(int(request.match_info["message"]))
        stored = None if message is None else (message.document or message.photo)
        if stored is None:
            raise web.HTTPNotFound()
        headers = {}
        if stored.file_name:
            headers["Content-Disposition"] = f'attachment; filename="{stored.file_name}"'
        return web.Response(
            body=stored.data,
            content_type=stored.mime_type or "application/octet-stream",
            headers=headers,
        )

    # ----------------------------------------------------------------- acting

    def _page_language(self, request: web.Request) -> Language:
        wanted = request.headers.get("X-Page-Language", "")
        return Language.ZH_CN if wanted.lower().startswith("zh") else Language.EN

    async def _act(
        self, request: web.Request, action: Callable[[], Awaitable[object]]
    ) -> web.Response:
        async with self._lock:
            try:
                await action()
            except Refused as exc:
                tr = self.catalogs.translator(self._page_language(request))
                error = tr.gettext(exc.message, **exc.params)
                return web.json_response({"error": error}, status=400)
            except (AssertionError, SandboxError, InvalidDeepLink, ValueError) as exc:
                # what the driver or the sandbox says: a tester's diagnostic, as it is
                return web.json_response({"error": str(exc)}, status=400)
            finally:
                self._changed.fire()
        return web.json_response(self.state())

    async def _add_phone(self, request: web.Request) -> web.Response:
        body = await request.json()
        return await self._act(request, lambda: self.add_phone(str(body.get("code", ""))))

    async def add_phone(self, code: str) -> Phone:
        """A phone for ``code``, bound as the bot knows it: a staff member's invite opened, a
        customer's own number shared."""
        person = self.people.get(code)
        if person is None:
            raise Refused(N_("No one has the code {code} in the company."), code=code)
        if code in self.phones:
            return self.phones[code]
        language = _TELEGRAM_LANGUAGE[person.language]
        if person.kind == "staff":
            phone = await staff(self.sb, code, person.user_id, person.label, language)
        else:
            phone = await bind_customer(
                self.sb, person.phone_number, person.user_id, person.label, language
            )
        self.phones[code] = phone
        return phone

    async def _phone_action(self, request: web.Request) -> web.Response:
        code, action = request.match_info["code"], request.match_info["action"]
        phone = self.phones.get(code)
        if phone is None:
            raise web.HTTPNotFound()
        if action == "photo":
            data = await request.read()
            return await self._act(request, lambda: phone.send_photo(data))
        body = await request.json()
        actions: dict[str, Callable[[], Awaitable[None]]] = {
            "send": lambda: self._send(phone, str(body.get("text", ""))),
            "tap": lambda: self._tap(phone, int(body["message"]), str(body["label"])),
            "location": lambda: self._share_location(code, str(body.get("where", "")), body),
            "contact": lambda: phone.share_contact(self.people[code].phone_number),
        }
        chosen = actions.get(action)
        if chosen is None:
            raise web.HTTPNotFound()
        return await self._act(request, chosen)

    async def _send(self, phone: Phone, text: str) -> None:
        if not text.strip():
            raise Refused(N_("An empty message is not sent."))
        await phone.send(text)

    async def _tap(self, phone: Phone, message_id: int, label: str) -> None:
        chat = self.sb.server.world.chats[phone.chat_id]
        stored = chat.messages.get(message_id)
        if stored is None:
            raise Refused(N_("That message is not in the chat any more."))
        await phone.tap(label, message=Message.of(stored))

    async def _share_location(self, code: str, where: str, body: dict[str, Any]) -> None:
        phone = self.phones[code]
        if where == "typed":
            lat, lon = float(body["latitude"]), float(body["longitude"])
        else:
            site = await self.job_site(code)
            if site is None:
                raise Refused(N_("No job site is known for this phone yet: type the coordinates."))
            offsets = {"site": 0.0, "near": NEAR_DEGREES, "far": FAR_DEGREES}
            if where not in offsets:
                raise Refused(N_("Choose a place to share."))
            lat, lon = site[0] + offsets[where], site[1]
        await phone.share_location(lat, lon)

    async def job_site(self, code: str) -> tuple[float, float] | None:
        """The site of the job this phone's chat names last (its customer's place); a
        customer's own place when no job is named."""
        phone = self.phones[code]
        numbers = [
            found.group(0)
            for m in sorted(self.sb.server.world.bot_messages(phone.chat_id), key=_order)
            if (found := JOB_NUMBER.search(m.text or m.caption or "")) is not None
        ]
        store = self.runtime.store
        assert store is not None
        if numbers:
            async with store.unit_of_work(readonly=True) as uow:
                job = await uow.jobs.by_number(numbers[-1])
                row = None if job is None else await uow.customers.row_by_id(job.customer_id)
            if row is not None:
                return (row.customer.latitude, row.customer.longitude)
        return self.people[code].site

    async def _clock(self, request: web.Request) -> web.Response:
        step = request.match_info["step"]
        return await self._act(request, lambda: self.advance(step))

    async def advance(self, step: str) -> None:
        """``hour``; ``end-of-day``: the end of today's working hours (of the next working day
        once they are over); ``next-morning``: the start of the next working day's hours."""
        now = self.sb.clock.now()
        if step == "hour":
            await self.sb.clock.advance(hours=1)
            return
        store = self.runtime.store
        assert store is not None
        async with store.unit_of_work(readonly=True) as uow:
            calendar = await calendar_for(uow, self.runtime.settings, None)
        end_of_today = _last_end(calendar.segments(now.astimezone(calendar.tz).date()))
        if step == "end-of-day":
            if end_of_today is None or end_of_today <= now:
                start = calendar.next_working_moment(now)
                end_of_today = _last_end(calendar.segments(start.astimezone(calendar.tz).date()))
            assert end_of_today is not None
            await self.sb.clock.advance_to(end_of_today)
        elif step == "next-morning":
            after = max(now, end_of_today or now) + timedelta(seconds=1)
            await self.sb.clock.advance_to(calendar.next_working_moment(after))
        else:
            raise Refused(N_("The clock cannot move that way."))

    async def _fault(self, request: web.Request) -> web.Response:
        fault = request.match_info["fault"]
        return await self._act(request, lambda: self.fault(fault))

    async def fault(self, fault: str) -> None:
        faults = self.sb.faults
        if fault == "slow":
            self.slow = not self.slow
            for method in SEND_METHODS:
                faults.delay(method, SLOW_SECONDS if self.slow else 0)
        elif fault == "429":
            faults.fail_next("sendMessage", status=429, times=BURST_429, retry_after=1)
        elif fault == "drop":
            faults.drop_next("sendMessage")
        else:
            raise Refused(N_("There is no such fault."))

    async def _play_demo(self, request: web.Request) -> web.Response:
        return await self._act(request, self.play_demo)

    async def play_demo(self) -> None:
        """Starts the scripted demo day (``fieldbot demo --quick``) live on this sandbox; its
        cast's phones appear on the page. Only on a fresh page: no phone yet, the clock at the
        start instant."""
        if self.phones or self.sb.clock.now() != DEFAULT_NOW or self._demo is not None:
            raise Refused(
                N_(
                    "The demo day plays on a fresh page only (no phone added, the clock not "
                    "moved): start fieldbot sandbox --web again."
                )
            )
        self._demo = asyncio.create_task(self._demo_day())

    async def _demo_day(self) -> None:
        from fieldbot.cli.demo.day import the_day
        from fieldbot.cli.demo.stage import new_progress

        directory = Path(tempfile.mkdtemp(prefix="fieldbot-web-demo-"))
        narration = Console(file=io.StringIO(), width=100)
        tr = self.catalogs.translator(self.runtime.settings.language)
        scenes = the_day()
        async with self._lock:
            try:
                with new_progress(narration) as progress:
                    task = progress.add_task(tr.gettext("the working day"), total=len(scenes))
                    stage = Stage(self.sb, narration, tr, directory, True, progress, task)
                    self._demo_stage = stage
                    stage.open()
                    try:
                        for scene in scenes:
                            await scene(stage)
                            progress.advance(task)
                            self._changed.fire()
                    finally:
                        stage.close()
            except Exception as exc:  # shown on the page: the demo stops, the sandbox runs on
                self.demo_error = f"{type(exc).__name__}: {exc}"
                log.exception("the demo day stopped")
            finally:
                self._changed.fire()


def _order(message: StoredMessage) -> int:
    return message.changed_seq


def _last_end(segments: list[tuple[datetime, datetime]]) -> datetime | None:
    return segments[-1][1] if segments else None


@contextlib.asynccontextmanager
async def running(
    sb: Sandbox, *, host: str = LOCAL_ONLY, port: int = 0
) -> AsyncIterator[WebConsole]:
    console = WebConsole(sb, host=host, port=port)
    await console.start()
    try:
        yield console
    finally:
        await console.stop()


async def serve(*, host: str = LOCAL_ONLY, port: int = 0, ready: Callable[[str], None]) -> None:
    """Starts the sandbox with the sample company and the page; runs until cancelled."""
    from fieldbot.cli.demo.day import DEMO_LIMITS, DEMO_PACE

    async with (
        Sandbox.start(settings=DEMO_PACE, limits=DEMO_LIMITS) as sb,
        running(sb, host=host, port=port) as console,
    ):
        ready(console.url)
        await asyncio.Event().wait()
