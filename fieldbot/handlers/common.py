"""What every registered person can do: /help, /me, /lang (and its buttons), /cancel; the
command menus of each role."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Bot, BotCommand, BotCommandScopeChat

from fieldbot.domain.model import Language, Role
from fieldbot.handlers import customer_requests
from fieldbot.handlers.routes import Route, action, command
from fieldbot.handlers.turn import Deps, Turn
from fieldbot.i18n import N_
from fieldbot.services.registration import Person, set_language
from fieldbot.services.workflow import customer_arg, staff_arg

LANGUAGE_NAMES = {Language.ZH_CN: "中文", Language.EN: "English"}

# command -> (description msgid, who sees it: roles, "customer", or None for everyone)
COMMANDS: tuple[tuple[str, str, frozenset[Role] | str | None], ...] = (
    ("help", N_("what you can do"), None),
    ("me", N_("who the bot thinks you are"), None),
    ("lang", N_("change the language / 切换语言"), None),
    ("cancel", N_("abandon the form you are filling in"), None),
    ("jobs", N_("your open jobs, the nearest deadline first"), frozenset({Role.TECHNICIAN})),
    (
        "carryin",
        N_("receive a unit the customer brought in: /carryin NUMBER"),
        frozenset({Role.TECHNICIAN}),
    ),
    (
        "promise",
        N_("move the day a unit in the workshop is promised back: /promise NUMBER YYYY-MM-DD"),
        frozenset({Role.TECHNICIAN, Role.SUPERVISOR}),
    ),
    ("requests", N_("open part requests to deliver"), frozenset({Role.STOREKEEPER})),
    (
        "stock",
        N_("the stock of a store or a van: /stock [central | SH01 | T01]"),
        frozenset({Role.STOREKEEPER, Role.SUPERVISOR}),
    ),
    ("van", N_("what your van holds"), frozenset({Role.TECHNICIAN})),
    ("new", N_("register a job from a call"), frozenset({Role.SUPERVISOR})),
    (
        "calls",
        N_("the call log"),
        frozenset({Role.SUPERVISOR, Role.MANAGER, Role.DEPUTY_GM, Role.CLERK}),
    ),
    (
        "job",
        N_("a job's card: /job NUMBER"),
        frozenset({Role.SUPERVISOR, Role.MANAGER, Role.DEPUTY_GM, Role.CLERK}),
    ),
    (
        "override",
        N_("correct a job's service type, zone or priority, with a reason"),
        frozenset({Role.SUPERVISOR, Role.TECHNICIAN}),
    ),
    (
        "receivables",
        N_("unpaid invoices; the accountant records them paid"),
        frozenset({Role.ACCOUNTANT, Role.SUPERVISOR, Role.MANAGER, Role.DEPUTY_GM}),
    ),
    (
        "reports",
        N_("the branch daily reports, filed and waiting"),
        frozenset({Role.SUPERVISOR, Role.MANAGER, Role.DEPUTY_GM, Role.ACCOUNTANT}),
    ),
    ("cash", N_("cash held by the technicians; confirm a handover"), frozenset({Role.ACCOUNTANT})),
    ("pause", N_("pause a job's deadline, with a reason"), frozenset({Role.SUPERVISOR})),
    (
        "away",
        N_("mark leave: /away FROM TO (a supervisor: /away T01 FROM TO)"),
        frozenset({Role.TECHNICIAN, Role.SUPERVISOR}),
    ),
    (
        "back",
        N_("back from leave (a supervisor: /back T01)"),
        frozenset({Role.TECHNICIAN, Role.SUPERVISOR}),
    ),
    ("leave", N_("a member of staff leaves the company: /leave CODE"), frozenset({Role.MANAGER})),
    ("resume", N_("resume a paused deadline"), frozenset({Role.SUPERVISOR})),
    ("status", N_("the status of your service jobs"), "customer"),
    ("new", N_("report a fault with your equipment"), "customer"),
    ("mute", N_("stop the notices about each step of your jobs"), "customer"),
    ("unmute", N_("receive the notices about each step of your jobs again"), "customer"),
    ("complain", N_("file a complaint"), "customer"),
    ("calls_due", N_("surveys to take by phone"), frozenset({Role.CLERK})),
    ("surveys", N_("survey coverage this month"), frozenset({Role.SUPERVISOR, Role.MANAGER})),
    (
        "kpi",
        N_("the KPIs: /kpi [SH01 | T01 | company] [2026-09 | 2026-09-14]"),
        frozenset({Role.SUPERVISOR, Role.MANAGER, Role.DEPUTY_GM}),
    ),
    (
        "complaints",
        N_("the complaint register"),
        frozenset({Role.SUPERVISOR, Role.MANAGER, Role.DEPUTY_GM}),
    ),
    (
        "complaint",
        N_("a complaint's card: /complaint NUMBER"),
        frozenset({Role.SUPERVISOR, Role.MANAGER, Role.DEPUTY_GM}),
    ),
    (
        "complaint_for",
        N_("file a complaint for a customer: /complaint_for JOB or CUSTOMER"),
        frozenset({Role.SUPERVISOR, Role.MANAGER}),
    ),
)


def commands_for(kind: str, roles: frozenset[Role]) -> list[tuple[str, str]]:
    """The commands this person may use, for /help and the command menu."""
    found: list[tuple[str, str]] = []
    for name, description, audience in COMMANDS:
        by_role = isinstance(audience, frozenset) and bool(audience & roles)
        if audience is None or audience == kind or by_role:
            found.append((name, description))
    return found


async def set_person_commands(
    bot: Bot,
    deps: Deps,
    kind: str,
    chat_id: int,
    roles: frozenset[Role],
    language: Language,
) -> None:
    """This person's command menu, in their language, in their own chat's scope."""
    t = deps.translator(language)
    commands = [BotCommand(name, t.gettext(desc)) for name, desc in commands_for(kind, roles)]
    await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id))


def routes() -> list[Route]:
    return [
        command("help", help_command, "registered"),
        command("me", me_command, "registered"),
        command("lang", lang_command, "registered"),
        command("cancel", cancel_command, "registered"),
        action("lang.set", lang_chosen, "registered"),
    ]


async def help_command(turn: Turn, _args: str) -> None:
    person = turn.person
    lines: list[dict[str, object]] = [
        {"t": N_("Hello, {name}. You can:"), "args": {"name": name_arg(person)}}
    ]
    for name, description in commands_for(person.kind, person.roles):
        lines.append(
            {
                "t": N_("/{command} — {description}"),
                "args": {
                    "command": name,
                    "description": {"t": description},
                },
            }
        )
    # A customer reports a fault from here too (DESIGN.md §5).
    buttons = customer_requests.help_buttons() if person.kind == "customer" else ()
    await turn.reply("@lines", extra={"lines": lines}, buttons=buttons)


async def me_command(turn: Turn, _args: str) -> None:
    person = turn.person
    if person.kind == "staff":
        await turn.reply(
            N_("You are {name} ({code}), {roles}. Language: {language}."),
            args={
                "name": name_arg(person),
                "code": person.code,
                "roles": {"roles": sorted(r.value for r in person.roles)},
                "language": LANGUAGE_NAMES[person.language],
            },
        )
    else:
        await turn.reply(
            N_("You are our customer {name} ({code}). Language: {language}."),
            args={
                "name": name_arg(person),
                "code": person.code,
                "language": LANGUAGE_NAMES[person.language],
            },
        )


async def lang_command(turn: Turn, _args: str) -> None:
    rows: Sequence[Sequence[tuple[str, str, dict[str, str]]]] = [
        [
            (name, "lang.set", {"language": language.value})
            for language, name in LANGUAGE_NAMES.items()
        ]
    ]
    await turn.reply(N_("Choose your language:"), buttons=rows)


async def lang_chosen(turn: Turn, payload: dict[str, object]) -> None:
    language = Language(str(payload["language"]))
    turn.person = await set_language(turn.uow, turn.person, language, now=turn.now)
    await turn.reply(N_("From now on I will speak English with you."))


async def cancel_command(turn: Turn, _args: str) -> None:
    if await turn.uow.forms.get(turn.user_id) is None:
        await turn.reply(N_("There is nothing to cancel."))
        return
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(N_("Cancelled. Nothing was saved."))


def name_arg(person: Person) -> object:
    """The person's name in a reply: a reference looked up at send time, never the name itself
    (outbox rows refer to people by id, DESIGN §6)."""
    if person.id is None:
        return person.name
    if person.kind == "customer":
        return customer_arg(person.id)
    return staff_arg(person.id)
