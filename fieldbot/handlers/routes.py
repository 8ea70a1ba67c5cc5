"""The routes table: which handler answers a command, a button, a form's next message or a
location/photo/contact, for whom, and with which permission.

Each audience module returns its routes (``routes()``); the wiring (:mod:`fieldbot.bot.app`)
collects them into one :class:`Routes` and hands it to the router, which checks a route's
audience and permission once, before the handler runs (as aiogram templates apply a role
filter per router). Nothing is registered at import.

What depends on the job (the branch, the assigned technician, the manager a branch's notices
fall back to) is not a route's business: the handlers and services check it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from telegram import Message

from fieldbot.domain.permissions import Permission, may
from fieldbot.handlers.turn import Turn
from fieldbot.repositories.conversations import Form
from fieldbot.services.registration import Person

Kind = Literal["command", "action", "form", "media"]
# anyone: also people the bot does not know yet (/start, sharing a contact); registered: every
# staff member and customer; staff / customer: only those.
Audience = Literal["anyone", "registered", "staff", "customer"]
KINDS: tuple[Kind, ...] = ("command", "action", "form", "media")
AUDIENCES: tuple[Audience, ...] = ("anyone", "registered", "staff", "customer")
# The messages that are not text, outside a form, a media route may answer.
MEDIA = ("contact", "location", "photo")

Command = Callable[[Turn, str], Awaitable[None]]
Action = Callable[[Turn, dict[str, object]], Awaitable[None]]
# A form that spans several messages: its state is a row (uow.forms), so a restart in the
# middle continues where the person was. The handler gets the form and the message.
FormHandler = Callable[[Turn, Form, Message], Awaitable[None]]
MessageHandler = Callable[[Turn, Message], Awaitable[None]]
Stranger = Callable[[Turn], Awaitable[None]]
# What a route holds: one of the four above, by its kind (the helpers below check which).
Handler = Callable[..., Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Route:
    """``kind`` and ``key`` (the command's name, the button's action, the form's name or the
    media kind) lead to ``handler``, for ``audience`` holding ``permission`` (None: the
    audience is enough)."""

    kind: Kind
    key: str
    audience: Audience
    handler: Handler
    permission: Permission | None = None

    def admits(self, person: Person) -> bool:
        """Whether the route is for this person's audience at all."""
        if self.audience == "anyone":
            return True
        if self.audience == "registered":
            return person.kind != "unknown"
        return person.kind == self.audience

    def permits(self, person: Person) -> bool:
        """Whether the person holds the route's permission (always, without one)."""
        return self.permission is None or (
            person.kind == "staff" and may(person.roles, self.permission)
        )


def command(
    key: str, handler: Command, audience: Audience, permission: Permission | None = None
) -> Route:
    return Route("command", key, audience, handler, permission)


def action(
    key: str, handler: Action, audience: Audience, permission: Permission | None = None
) -> Route:
    return Route("action", key, audience, handler, permission)


def form(
    key: str, handler: FormHandler, audience: Audience, permission: Permission | None = None
) -> Route:
    return Route("form", key, audience, handler, permission)


def media(
    key: str, handler: MessageHandler, audience: Audience, permission: Permission | None = None
) -> Route:
    if key not in MEDIA:
        raise ValueError(f"no such media kind: {key}")
    return Route("media", key, audience, handler, permission)


class DuplicateRoute(ValueError):
    pass


def _overlap(one: Audience, other: Audience) -> bool:
    """Whether someone could be of both audiences (then one key cannot lead to both)."""
    wide = ("anyone", "registered")
    return one == other or one in wide or other in wide


class Routes:
    """Every route of the bot, one per kind and key and audience (``/new`` is the
    supervisor's intake for staff and a customer's own request for customers: the router
    decides by the person's audience), and what a stranger is told."""

    def __init__(self, routes: Iterable[Route], *, stranger: Stranger) -> None:
        self._table: dict[tuple[Kind, str], list[Route]] = {}
        for route in routes:
            same = self._table.setdefault((route.kind, route.key), [])
            if any(_overlap(route.audience, other.audience) for other in same):
                raise DuplicateRoute(
                    f"two routes for the {route.kind} {route.key!r} for {route.audience}"
                )
            same.append(route)
        self.stranger = stranger

    def replaced(self, *routes: Route) -> Routes:
        """This table with ``routes`` instead of those of the same kind, key and audience
        (or added)."""
        table = {(r.kind, r.key, r.audience): r for r in self.all()}
        table.update({(r.kind, r.key, r.audience): r for r in routes})
        return Routes(table.values(), stranger=self.stranger)

    def get(self, kind: Kind, key: str, person: Person | None = None) -> Route | None:
        """The route of ``kind`` and ``key`` for ``person``'s audience; when none admits them
        (or no person is given), the first one (its checks then refuse them)."""
        found = self._table.get((kind, key), [])
        if person is not None:
            for route in found:
                if route.admits(person):
                    return route
        return found[0] if found else None

    def all(self) -> list[Route]:
        return [route for same in self._table.values() for route in same]

    def keys(self, kind: Kind) -> set[str]:
        return {key for k, key in self._table if k == kind}
